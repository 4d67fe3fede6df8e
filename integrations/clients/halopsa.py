"""HaloPSA REST client and record normalisers (docs/psa-apis.md section 3).

``base_url`` is the Halo site, e.g. ``https://nordlicht.halopsa.com`` (or its resource
server URL, the same with ``/api``); the API lives under ``/api``. Credentials: ``client_id``, ``client_secret``, optional ``tenant`` (hosted by
Halo), ``auth_url`` (the Authorisation Server URL, default ``{base_url}/auth``) and
``scope`` (default ``all``). The token (OAuth 2.0 client credentials) is kept until shortly
before it expires, and renewed once when the API answers 401.

Halo pages by number only (``pageinate=true&page_size=&page_no=``, ``record_count``), at
most 100 a page. Records are asked for in id order; a resumed run reads its last stored
page again and skips the ids it already delivered, which covers records that vanished
between two requests (rows shift forward) up to a page's worth.
"""

from __future__ import annotations

import datetime
import urllib.parse
from collections.abc import Iterator
from dataclasses import replace

from . import rows
from .base import BaseClient, Connection, Cursor, Page, iso_utc
from .errors import BadCredentials, BadRequest, InvalidResponse, NotFound

PAGE_SIZE = 100
RENEW_BEFORE = datetime.timedelta(seconds=60)


class HaloClient(BaseClient):
    vendor = "halopsa"

    def __init__(self, base_url: str, credentials: dict, **kwargs):
        # Halo shows the "Resource Server URL" with /api; the site is what the paths need.
        site = base_url.rstrip("/")
        super().__init__(site.removesuffix("/api"), credentials, **kwargs)
        self._token: str | None = None
        self._expires: datetime.datetime | None = None

    # --- token ---------------------------------------------------------------------------
    def token_url(self) -> str:
        auth = (self.credentials.get("auth_url") or self.base_url + "auth").rstrip("/")
        tenant = self.credentials.get("tenant")
        return f"{auth}/token" + (f"?tenant={urllib.parse.quote(tenant)}" if tenant else "")

    def token(self) -> str:
        if self._token and self._expires and self.now() < self._expires - RENEW_BEFORE:
            return self._token
        try:
            answer = self.request(
                "POST",
                self.token_url(),
                form={
                    "grant_type": "client_credentials",
                    "client_id": self.credentials["client_id"],
                    "client_secret": self.credentials["client_secret"],
                    "scope": self.credentials.get("scope") or "all",
                },
                authenticated=False,
            ).json()
        except BadRequest as exc:  # RFC 6749 5.2: invalid_client comes as 400 or 401
            raise BadCredentials(exc.detail, status=exc.status) from None
        if not isinstance(answer, dict) or not answer.get("access_token"):
            raise InvalidResponse("token answer without access_token")
        self._token = answer["access_token"]
        self._expires = self.now() + datetime.timedelta(
            seconds=int(answer.get("expires_in") or 3600)
        )
        return self._token

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def on_unauthorized(self, attempt: int) -> bool:
        if attempt > 1:
            return False
        self._token = None  # revoked or expired early: one renewal
        return True

    def error_detail(self, payload) -> str:
        if not isinstance(payload, dict):
            return ""
        if "error" in payload:  # RFC 6749
            return " ".join(
                str(payload.get(k) or "") for k in ("error", "error_description")
            ).strip()
        if "message" in payload:
            return str(payload["message"])
        return " ".join(f"{k}: {v}" for k, v in payload.items())  # 400: keyed by field

    def check(self) -> Connection:
        payload = self.get_json(
            "api/Client", params={"pageinate": "true", "page_size": 1, "page_no": 1}
        )
        if not isinstance(payload, dict) or "record_count" not in payload:
            raise InvalidResponse("api/Client without record_count")
        return Connection(
            self.vendor,
            urllib.parse.urlsplit(self.base_url).hostname or "",
        )

    # --- pulls ---------------------------------------------------------------------------
    def pages(self, path: str, key: str, cursor=None, extra: dict | None = None) -> Iterator[Page]:
        cursor = self.start(cursor)
        page_no = max(cursor.page, 1) if cursor.after_id else 1
        while not cursor.done:
            params = {
                "pageinate": "true",
                "page_size": PAGE_SIZE,
                "page_no": page_no,
                "order": "id",
                "orderdesc": "false",
                "lastupdatefromdate": cursor.since,
                **(extra or {}),
            }
            payload = self.get_json(path, params=params)
            if not isinstance(payload, dict) or not isinstance(payload.get(key), list):
                raise InvalidResponse(f"{path} without {key}")
            records = [r for r in payload[key] if int(r["id"]) > cursor.after_id]
            more = page_no * PAGE_SIZE < int(payload.get("record_count") or 0) and payload[key]
            cursor = replace(
                cursor,
                after_id=int(records[-1]["id"]) if records else cursor.after_id,
                page=page_no,
                done=not more,
            )
            yield Page(records, cursor)
            page_no += 1

    def companies(self, cursor=None) -> Iterator[Page]:
        return self.pages("api/Client", "clients", cursor)

    def contacts(self, cursor=None) -> Iterator[Page]:
        return self.pages("api/Users", "users", cursor)

    def technicians(self, cursor=None) -> Iterator[Page]:
        """Agents in full, one page: /api/Agent answers a bare list without paging."""
        agents = self.get_json("api/Agent")
        if not isinstance(agents, list):
            raise InvalidResponse("api/Agent is not a list")
        yield Page(agents, Cursor(started=iso_utc(self.now()), done=True))

    def tickets(self, cursor=None) -> Iterator[Page]:
        return self.pages("api/Tickets", "tickets", cursor)

    def deleted_tickets(self, cursor=None) -> Iterator[Page]:
        return self.pages("api/Tickets", "tickets", cursor, {"deleted": "true"})

    def ticket(self, ticket_id: int) -> dict | None:
        """The ticket; None when Halo says it does not exist (404, or the 400 keyed by
        ``id`` that Halo answers for an unknown id)."""
        try:
            return self.get_json(f"api/Tickets/{int(ticket_id)}")
        except NotFound:
            return None
        except BadRequest as exc:
            if "does not exist" in exc.detail:
                return None
            raise


# --- records -------------------------------------------------------------------------------
def company_row(record: dict) -> dict:
    return {
        "external_id": str(record["id"]),
        "name": rows.text(record.get("name")),
        "is_active": rows.flag(not record.get("inactive")),
    }


def contact_row(record: dict) -> dict:
    return {
        "external_id": str(record["id"]),
        "client": rows.external_id(record.get("client_id")),
        "name": rows.text(record.get("name"))
        or rows.full_name(record.get("firstname"), record.get("surname")),
        "email": rows.text(record.get("emailaddress")),
        "is_active": rows.flag(not record.get("inactive")),
    }


def technician_row(record: dict) -> dict:
    return {
        "external_id": str(record["id"]),
        "name": rows.text(record.get("name"))
        or rows.full_name(record.get("firstname"), record.get("surname")),
        "email": rows.text(record.get("email")),
        "role": rows.text(record.get("team")),
    }


# The fields a mapping rule may name, as the integration's settings name them
# (docs/psa-apis.md section 5); any other name reads the record's own field.
FIELDS = {
    "team": "team",
    "status": "status_id",
    "ticket_type": "tickettype_id",
    "category_1": "category_1",
    "category_2": "category_2",
    "category_3": "category_3",
    "category_4": "category_4",
    "source": "source",
    "priority": "priority_id",
}
# Names Halo lists beside an id (used when no labels are given).
_NAMES = {"status_id": "status_name", "tickettype_id": "tickettype_name"}


def ticket_field(record: dict, name: str, labels: dict | None = None):
    """A ticket field as a mapping rule reads it; ``labels`` ({field: {id: name}}) turns
    ids into names (priority_id, status_id, source, tickettype_id); else the name Halo
    lists beside the id, else the id."""
    name = FIELDS.get(name, name)
    value = record.get(name)
    known = (labels or {}).get(name)
    if known is not None and value is not None:
        return known.get(str(value), value)
    return record.get(_NAMES.get(name, "")) or value


def ticket_fields(record: dict, labels: dict | None = None) -> dict:
    """{field: current value} of the fields a mapping rule may name."""
    return {key: ticket_field(record, key, labels) for key in FIELDS}


def ticket_row(record: dict, settings, labels: dict | None = None) -> dict:
    """Halo writes priorities, sources and statuses as ids; the mapping may name them by
    id ("2") or, with ``labels``, by name."""
    mapping = rows.Mapping.of(settings)
    value_of = lambda name: ticket_field(record, name, labels)  # noqa: E731
    resolved = record.get("dateclosed") if mapping.is_closed(value_of("status_id")) else None
    return rows.ticket_row(
        mapping,
        value_of,
        external_id=str(record["id"]),
        client=rows.external_id(record.get("client_id")),
        priority=mapping.priority(value_of("priority_id")),
        opened_at=mapping.moment(record.get("dateoccurred")),
        first_response_at=mapping.moment(record.get("responsedate")),
        resolved_at=mapping.moment(resolved),
        source=mapping.source(value_of("source")),
        technician=rows.external_id(record.get("agent_id")),
        title=rows.text(record.get("summary")),
        requester_external_id=rows.external_id(record.get("user_id")),
        requester_email=rows.text(record.get("user_email")),
        requester_name=rows.text(record.get("user_name")),
    )


def is_counted(record: dict, settings, labels: dict | None = None) -> bool:
    return rows.Mapping.of(settings).counts(lambda name: ticket_field(record, name, labels))


def merged_into(record: dict) -> str:
    return rows.external_id(record.get("merged_into_id"))


def _state(code) -> bool | None:
    """Halo's SLA state: I(nside) met, O(utside) missed [ASSUMPTION, docs 3.7]."""
    return {"I": True, "O": False}.get(str(code or "").upper())


def sla_verdict(record: dict) -> rows.SLAVerdict:
    """From ``slaresponsestate`` and ``slastate`` (none for a ticket excluded from
    SLA); ``slaholdtime`` (hours on hold) is the waiting time."""
    response, resolution = _state(record.get("slaresponsestate")), _state(record.get("slastate"))
    stages = [s for s in (response, resolution) if s is not None]
    hold = record.get("slaholdtime")
    return rows.SLAVerdict(
        met=None if record.get("excludefromsla") or not stages else all(stages),
        response_met=response,
        resolution_met=resolution,
        waiting_minutes=rows.minutes_of_hours(hold) if hold is not None else None,
        name=rows.text(record.get("sla_name")),
    )
