"""ConnectWise Manage (PSA) REST client and record normalisers (docs/psa-apis.md section 1).

``base_url`` is the API base, e.g. ``https://api-eu.myconnectwise.net/v4_6_release/apis/3.0/``;
credentials: ``company_id``, ``public_key``, ``private_key``, ``client_id``.

Pulls page by keyset: each page asks for ``id>[last id]`` ordered by id (the condition
ConnectWise's own forward-only ``pageId`` paging applies), at most 1,000 records, and a
``Link: <…>; rel="next"`` header says that more follow. Unlike page numbers, no record is
skipped when others change or vanish between two requests.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator

from . import rows
from .base import BaseClient, Connection, Cursor, Page, pages_by_id
from .errors import InvalidResponse, NotFound

PAGE_SIZE = 1000

COMPANY_FIELDS = ("id", "identifier", "name", "status", "types", "deletedFlag", "_info")
CONTACT_FIELDS = (
    "id",
    "firstName",
    "lastName",
    "company",
    "inactiveFlag",
    "communicationItems",
    "_info",
)
MEMBER_FIELDS = (
    "id",
    "identifier",
    "firstName",
    "lastName",
    "officeEmail",
    "primaryEmail",
    "inactiveFlag",
    "inactiveDate",
    "hireDate",
    "title",
    "_info",
)
SLA_FIELDS = (
    "isInSla",
    "slaStatus",
    "sla",
    "dateResponded",
    "respondMinutes",
    "respondedSkippedMinutes",
    "dateResplan",
    "resPlanMinutes",
    "resplanSkippedMinutes",
    "dateResolved",
    "resolveMinutes",
)
TICKET_FIELDS = (
    "id",
    "summary",
    "recordType",
    "board",
    "status",
    "company",
    "contact",
    "contactName",
    "contactEmailAddress",
    "priority",
    "source",
    "type",
    "subType",
    "item",
    "team",
    "owner",
    "closedFlag",
    "closedDate",
    "closedBy",
    "escalationLevel",
    "mergedParentTicket",
    "hasMergedChildTicketFlag",
    *SLA_FIELDS,
    "_info",
)


class ConnectWiseClient(BaseClient):
    vendor = "connectwise"

    def __init__(self, base_url: str, credentials: dict, **kwargs):
        super().__init__(base_url, credentials, **kwargs)

    def auth_headers(self) -> dict[str, str]:
        c = self.credentials
        user = f"{c['company_id']}+{c['public_key']}:{c['private_key']}"
        return {
            "Authorization": "Basic " + base64.b64encode(user.encode()).decode(),
            "clientId": c["client_id"],
        }

    def error_detail(self, payload) -> str:
        if not isinstance(payload, dict):
            return ""
        parts = [str(payload.get("message") or "")]
        parts += [str(e.get("message")) for e in payload.get("errors") or () if isinstance(e, dict)]
        return " ".join(p for p in parts if p)

    def check(self) -> Connection:
        info = self.get_json("system/info")
        if not isinstance(info, dict) or "version" not in info:
            raise InvalidResponse("system/info without a version")
        return Connection(
            self.vendor,
            self.credentials["company_id"],
            str(info["version"]),
        )

    # --- pulls ---------------------------------------------------------------------------
    def pages(self, path: str, fields, cursor: Cursor | dict | None = None) -> Iterator[Page]:
        """Pages of ``path`` changed since the cursor's run began, in id order."""

        def fetch(at: Cursor):
            conditions = [f"id>{at.after_id}"]
            if at.since:
                conditions.insert(0, f"lastUpdated>=[{at.since}]")
            response = self.request(
                "GET",
                path,
                params={
                    "conditions": " and ".join(conditions),
                    "orderBy": "id asc",
                    "fields": ",".join(fields),
                    "page": 1,
                    "pageSize": PAGE_SIZE,
                },
            )
            records = response.json()
            if not isinstance(records, list):
                raise InvalidResponse(f"{path}: not a list")
            return records, "next" in links(response.headers.get("link", ""))

        return pages_by_id(fetch, self.start(cursor))

    def companies(self, cursor=None) -> Iterator[Page]:
        return self.pages("company/companies", COMPANY_FIELDS, cursor)

    def contacts(self, cursor=None) -> Iterator[Page]:
        return self.pages("company/contacts", CONTACT_FIELDS, cursor)

    def technicians(self, cursor=None) -> Iterator[Page]:
        return self.pages("system/members", MEMBER_FIELDS, cursor)

    def tickets(self, cursor=None) -> Iterator[Page]:
        return self.pages("service/tickets", TICKET_FIELDS, cursor)

    def ticket_ids(self) -> Iterator[Page]:
        """Every ticket's id (a full pass): an id stored here but missing from the pass
        was deleted while no callback arrived."""
        return self.pages("service/tickets", ("id",), Cursor())

    def ticket(self, ticket_id: int) -> dict | None:
        """The ticket with the fields used; None when ConnectWise says it does not exist
        (deleted)."""
        try:
            return self.get_json(
                f"service/tickets/{int(ticket_id)}", params={"fields": ",".join(TICKET_FIELDS)}
            )
        except NotFound:
            return None

    # --- callbacks -----------------------------------------------------------------------
    def callbacks(self, url_contains: str) -> list[dict]:
        return self.get_json(
            "system/callbacks",
            params={"conditions": f'url contains "{url_contains}"', "pageSize": PAGE_SIZE},
        )

    def create_callback(self, url: str, kind: str, description: str) -> dict:
        """Register an owner-level callback for every record of ``kind`` (ticket, company,
        contact, member); returns the stored entry."""
        entry = {
            "url": url,
            "objectId": 1,
            "type": kind,
            "level": "owner",
            "description": description,
            "inactiveFlag": False,
        }
        return self.request("POST", "system/callbacks", json_body=entry, idempotent=False).json()

    def delete_callback(self, callback_id: int) -> None:
        with contextlib.suppress(NotFound):  # already gone: what removing it wanted
            self.request("DELETE", f"system/callbacks/{int(callback_id)}")


def links(header: str) -> dict[str, str]:
    """{rel: url} of an RFC 8288 Link header."""
    found = {}
    for part in header.split(","):
        url, _, params = part.strip().partition(";")
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "rel":
                found[value.strip('"')] = url.strip().strip("<>")
    return found


def _name(value):
    """A reference's name ({id, name, …}), or the value itself."""
    return value.get("name") if isinstance(value, dict) else value


def _id(value) -> str:
    return rows.external_id(value.get("id")) if isinstance(value, dict) else ""


# The fields a mapping rule may name, as the integration's settings name them
# (docs/psa-apis.md section 5); any other name reads the record's own field.
FIELDS = {
    "board": "board",
    "status": "status",
    "team": "team",
    "escalation_level": "escalationLevel",
    "type": "type",
    "subtype": "subType",
    "item": "item",
    "source": "source",
    "priority": "priority",
}


def ticket_fields(record: dict) -> dict:
    """{field: current value} of the fields a mapping rule may name (references by name)."""
    return {key: _name(record.get(name)) for key, name in FIELDS.items()}


def ticket_field(record: dict, name: str):
    """A ticket field as a mapping rule reads it: a reference's name, else the value."""
    return _name(record.get(FIELDS.get(name, name)))


def company_row(record: dict) -> dict:
    return {
        "external_id": str(record["id"]),
        "name": rows.text(record.get("name")),
        "is_active": rows.flag(not record.get("deletedFlag")),
    }


def contact_row(record: dict) -> dict:
    emails = [
        item
        for item in record.get("communicationItems") or ()
        if item.get("communicationType") == "Email"
    ]
    emails.sort(key=lambda item: not item.get("defaultFlag"))
    return {
        "external_id": str(record["id"]),
        "client": _id(record.get("company")),
        "name": rows.full_name(record.get("firstName"), record.get("lastName")),
        "email": rows.text(emails[0]["value"]) if emails else "",
        "is_active": rows.flag(not record.get("inactiveFlag")),
    }


def technician_row(record: dict) -> dict:
    row = {
        "external_id": str(record["id"]),
        "name": rows.full_name(record.get("firstName"), record.get("lastName")),
        "email": rows.text(record.get("primaryEmail") or record.get("officeEmail")),
        "role": rows.text(record.get("title")),
    }
    if record.get("hireDate"):
        row["hire_date"] = str(record["hireDate"])[:10]
    if record.get("inactiveFlag") and record.get("inactiveDate"):
        row["leave_date"] = str(record["inactiveDate"])[:10]
    return row


def ticket_row(record: dict, settings) -> dict:
    mapping = rows.Mapping.of(settings)
    info = record.get("_info") or {}
    resolved = record.get("dateResolved")
    if not resolved and (
        record.get("closedFlag") or mapping.is_closed(_name(record.get("status")))
    ):
        resolved = record.get("closedDate")
    return rows.ticket_row(
        mapping,
        lambda name: ticket_field(record, name),
        external_id=str(record["id"]),
        client=_id(record.get("company")),
        priority=mapping.priority(_name(record.get("priority"))),
        opened_at=mapping.moment(info.get("dateEntered")),
        first_response_at=mapping.moment(record.get("dateResponded")),
        resolved_at=mapping.moment(resolved),
        source=mapping.source(_name(record.get("source"))),
        technician=_id(record.get("owner")),
        title=rows.text(record.get("summary")),
        requester_external_id=_id(record.get("contact")),
        requester_email=rows.text(record.get("contactEmailAddress")),
        requester_name=rows.text(record.get("contactName")),
    )


def is_counted(record: dict, settings) -> bool:
    """Whether the ticket is on a board (or other field) the mapping counts."""
    return rows.Mapping.of(settings).counts(lambda name: ticket_field(record, name))


def merged_into(record: dict) -> str:
    """The id of the ticket this one was merged into, "" if none."""
    return _id(record.get("mergedParentTicket"))


def sla_verdict(record: dict) -> rows.SLAVerdict:
    """From the ticket's own SLA fields: ``isInSla`` and the stages' minutes (no verdict
    per stage); skipped minutes are the waiting time."""
    skipped = [record.get("respondedSkippedMinutes"), record.get("resplanSkippedMinutes")]
    return rows.SLAVerdict(
        met=record.get("isInSla"),
        response_minutes=record.get("respondMinutes"),
        plan_minutes=record.get("resPlanMinutes"),
        resolution_minutes=record.get("resolveMinutes"),
        waiting_minutes=sum(s for s in skipped if s)
        if any(s is not None for s in skipped)
        else None,
        name=rows.text(_name(record.get("sla"))),
    )
