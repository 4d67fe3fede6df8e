"""Autotask PSA REST client and record normalisers (docs/psa-apis.md section 2).

``base_url`` is the zone's REST base (Autotask's zoneInformation names it), e.g.
``https://webservices19.autotask.net/ATServicesRest/``; credentials: ``username``,
``secret``, ``integration_code``.

Limits as documented: 10,000 requests per hour per database, shared by every integration
on it, with added latency from half of it and refusal at all of it; at most three
concurrent requests per endpoint. ``Budget`` keeps our own use well below: it slows down
from ``slow_share`` of the threshold and pauses (RateLimited with the seconds to wait)
from ``stop_share``, reading ThresholdInformation for the other integrations' use. A 429
is a hard stop: waiting longer there would only stretch the refusal for every integration.
"""

from __future__ import annotations

import collections
import contextlib
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import replace

from . import rows
from .base import BaseClient, Connection, Cursor, Page, Response
from .errors import InvalidResponse, NotFound, RateLimited

PAGE_SIZE = 500
THREADS_PER_ENDPOINT = 3

COMPANY_FIELDS = (
    "id",
    "companyName",
    "companyNumber",
    "companyType",
    "isActive",
    "createDate",
    "lastActivityDate",
)
CONTACT_FIELDS = (
    "id",
    "companyID",
    "firstName",
    "lastName",
    "emailAddress",
    "isActive",
    "lastActivityDate",
)
RESOURCE_FIELDS = (
    "id",
    "firstName",
    "lastName",
    "email",
    "userName",
    "isActive",
    "title",
    "hireDate",
)
TICKET_FIELDS = (
    "id",
    "ticketNumber",
    "title",
    "companyID",
    "contactID",
    "assignedResourceID",
    "assignedResourceRoleID",
    "priority",
    "queueID",
    "source",
    "status",
    "ticketType",
    "ticketCategory",
    "issueType",
    "subIssueType",
    "createDate",
    "firstResponseDateTime",
    "resolutionPlanDateTime",
    "resolvedDateTime",
    "completedDate",
    "serviceLevelAgreementID",
    "serviceLevelAgreementHasBeenMet",
    "serviceLevelAgreementPausedNextEventHours",
    "lastActivityDate",
)
DELETED_FIELDS = ("id", "ticketID", "ticketNumber", "deletedDateTime")
SLA_RESULT_FIELDS = (
    "id",
    "ticketID",
    "serviceLevelAgreementName",
    "isFirstResponseMet",
    "firstResponseElapsedHours",
    "isResolutionPlanMet",
    "resolutionPlanElapsedHours",
    "isResolutionMet",
    "resolutionElapsedHours",
)


class Budget:
    """Our share of a database's hourly request threshold.

    ``used()`` is the other integrations' count at the last ThresholdInformation reading
    plus our own requests in the last hour. From ``slow_share`` of the threshold each
    request waits ``slow_delay`` seconds; from ``stop_share`` the pull pauses: RateLimited
    with the seconds until our oldest request of the hour leaves the window."""

    def __init__(
        self, threshold=10_000, window=3600.0, slow_share=0.4, stop_share=0.5, slow_delay=1.0
    ):
        self.threshold = threshold
        self.window = window
        self.slow_share = slow_share
        self.stop_share = stop_share
        self.slow_delay = slow_delay
        self.others = 0  # requests of the others at the last reading
        self.ours: collections.deque[float] = collections.deque()  # our request times
        self.lock = threading.Lock()

    def read(self, info: dict) -> None:
        """Take a ThresholdInformation answer; its count includes our own requests."""
        with self.lock:
            self.threshold = int(info.get("externalRequestThreshold") or self.threshold)
            minutes = info.get("requestThresholdTimeframe")
            self.window = float(minutes) * 60 if minutes else self.window
            current = int(info.get("currentTimeframeRequestCount") or 0)
            self.others = max(current - len(self.ours), 0)

    def take(self, at: float) -> float:
        """Count one request at ``at`` (seconds); the seconds to wait before sending it."""
        with self.lock:
            while self.ours and self.ours[0] <= at - self.window:
                self.ours.popleft()
            used = self.others + len(self.ours)
            if used >= self.stop_share * self.threshold:
                wait = (self.ours[0] + self.window - at) if self.ours else self.window
                raise RateLimited(
                    f"{used} of {self.threshold} requests per hour used; pausing",
                    retry_after=max(wait, 1.0),
                )
            self.ours.append(at)
            return self.slow_delay if used >= self.slow_share * self.threshold else 0.0


# Concurrency per (database, endpoint), shared by every client of this process.
_SEMAPHORES: dict[tuple, threading.BoundedSemaphore] = {}
_SEMAPHORES_LOCK = threading.Lock()


def _semaphore(key: tuple) -> threading.BoundedSemaphore:
    with _SEMAPHORES_LOCK:
        return _SEMAPHORES.setdefault(key, threading.BoundedSemaphore(THREADS_PER_ENDPOINT))


class AutotaskClient(BaseClient):
    vendor = "autotask"
    threshold_every = 250  # requests between two ThresholdInformation readings

    def __init__(self, base_url: str, credentials: dict, *, budget: Budget | None = None, **kwargs):
        super().__init__(base_url, credentials, **kwargs)
        self.budget = budget or Budget()
        self._since_reading: int | None = None  # None: not read yet

    def auth_headers(self) -> dict[str, str]:
        c = self.credentials
        return {
            "ApiIntegrationCode": c["integration_code"],
            "UserName": c["username"],
            "Secret": c["secret"],
        }

    def error_detail(self, payload) -> str:
        errors = payload.get("errors") if isinstance(payload, dict) else None
        return " ".join(str(e) for e in errors or ())

    def on_rate_limited(self, response: Response, attempt: int, detail: str) -> float:
        raise RateLimited(detail, status=429, retry_after=self.retry_after(response) or 0)

    def endpoint(self, url: str) -> str:
        """The entity of a URL: ``…/v1.0/Tickets/query`` → ``Tickets``."""
        parts = urllib.parse.urlsplit(url).path.split("/")
        lowered = [p.lower() for p in parts]
        at = lowered.index("v1.0") + 1 if "v1.0" in lowered else len(parts) - 1
        return parts[at].lower() if at < len(parts) else ""

    def before_request(self, url: str) -> None:
        if self.endpoint(url) == "thresholdinformation":
            return
        if self._since_reading is None or self._since_reading >= self.threshold_every:
            self.read_threshold()
        self._since_reading += 1
        wait = self.budget.take(self.now().timestamp())
        if wait:
            self.sleep(wait)

    def read_threshold(self) -> dict:
        self._since_reading = 0
        info = self.get_json("v1.0/ThresholdInformation")
        if not isinstance(info, dict):
            raise InvalidResponse("ThresholdInformation is not an object")
        self.budget.read(info)
        return info

    def send(self, method: str, url: str, headers: dict, body: bytes | None) -> Response:
        """One attempt, holding one of the endpoint's three slots (not while waiting to
        retry, so a waiting thread does not block the others)."""
        key = (self.base_url, self.credentials.get("username"), self.endpoint(url))
        with _semaphore(key):
            return super().send(method, url, headers, body)

    def check(self) -> Connection:
        self.read_threshold()
        return Connection(
            self.vendor,
            urllib.parse.urlsplit(self.base_url).hostname or "",
        )

    # --- pulls ---------------------------------------------------------------------------
    def query(
        self,
        entity: str,
        fields,
        cursor: Cursor | dict | None = None,
        changed_field: str | None = None,
    ) -> Iterator[Page]:
        """Pages of ``entity`` (changed since the run began by ``changed_field``, if
        given), following ``pageDetails.nextPageUrl``. Autotask pages in ascending id
        order [ASSUMPTION, docs/psa-apis.md 2.3], so a resumed run asks for ids above the
        last one stored."""
        cursor = self.start(cursor)
        if cursor.done:
            return
        filters = [{"op": "gt", "field": "id", "value": cursor.after_id}]
        if cursor.since and changed_field:
            filters.insert(0, {"op": "gte", "field": changed_field, "value": cursor.since})
        body = {"MaxRecords": PAGE_SIZE, "IncludeFields": list(fields), "filter": filters}
        payload = self.request("POST", f"v1.0/{entity}/query", json_body=body).json()
        while True:
            records, next_url = _page(payload)
            if records:
                cursor = replace(cursor, after_id=int(records[-1]["id"]), page=cursor.page + 1)
            if not next_url:
                cursor = replace(cursor, done=True)
            yield Page(records, cursor)
            if not next_url:
                return
            payload = self.get_json(next_url)

    def companies(self, cursor=None) -> Iterator[Page]:
        return self.query("Companies", COMPANY_FIELDS, cursor, "lastActivityDate")

    def contacts(self, cursor=None) -> Iterator[Page]:
        return self.query("Contacts", CONTACT_FIELDS, cursor, "lastActivityDate")

    def technicians(self, cursor=None) -> Iterator[Page]:
        """Resources in full: Autotask documents no changed-since field for them."""
        return self.query("Resources", RESOURCE_FIELDS, cursor)

    def tickets(self, cursor=None) -> Iterator[Page]:
        return self.query("Tickets", TICKET_FIELDS, cursor, "lastActivityDate")

    def deleted_tickets(self, cursor=None) -> Iterator[Page]:
        """DeletedTicketLogs rows since the cursor (``ticketID`` names the ticket)."""
        return self.query("DeletedTicketLogs", DELETED_FIELDS, cursor, "deletedDateTime")

    def ticket(self, ticket_id: int) -> dict | None:
        try:
            payload = self.get_json(f"v1.0/Tickets/{int(ticket_id)}")
        except NotFound:
            return None
        return payload.get("item") if isinstance(payload, dict) else None

    def sla_results(self, ticket_ids) -> dict[int, dict]:
        """{ticket id: its ServiceLevelAgreementResults row} for the given tickets."""
        ids = sorted({int(i) for i in ticket_ids})
        found: dict[int, dict] = {}
        for start in range(0, len(ids), PAGE_SIZE):
            chunk = ids[start : start + PAGE_SIZE]
            body = {
                "MaxRecords": PAGE_SIZE,
                "IncludeFields": list(SLA_RESULT_FIELDS),
                "filter": [{"op": "in", "field": "ticketID", "value": chunk}],
            }
            payload = self.request(
                "POST", "v1.0/ServiceLevelAgreementResults/query", json_body=body
            ).json()
            while True:
                records, next_url = _page(payload)
                found.update((int(r["ticketID"]), r) for r in records)
                if not next_url:
                    break
                payload = self.get_json(next_url)
        return found

    def picklists(self, entity: str = "Tickets") -> dict[str, dict[str, str]]:
        """{field: {value: label}} of the entity's picklist fields."""
        payload = self.get_json(f"v1.0/{entity}/entityInformation/fields")
        if not isinstance(payload, dict):
            raise InvalidResponse("entityInformation/fields is not an object")
        return {
            f["name"]: {str(v["value"]): v["label"] for v in f.get("picklistValues") or ()}
            for f in payload.get("fields") or ()
            if f.get("isPickList")
        }

    # --- webhooks --------------------------------------------------------------------------
    def create_webhook(
        self,
        entity: str,
        *,
        name: str,
        url: str,
        deactivation_url: str,
        secret: str,
        field_ids,
        notification_email: str = "",
    ) -> int:
        """Register a webhook for ``entity`` (Ticket, Company, Contact) and subscribe its
        fields (Autotask's field ids); returns the webhook's id."""
        body = {
            "IsActive": True,
            "Name": name[:50],
            "WebhookUrl": url,
            "DeactivationUrl": deactivation_url,
            "SecretKey": secret,
            "IsSubscribedToCreateEvents": True,
            "IsSubscribedToUpdateEvents": True,
            "IsSubscribedToDeleteEvents": True,
            "SendThresholdExceededNotification": bool(notification_email),
            "NotificationEmailAddress": notification_email or None,
        }
        created = self.request(
            "POST", f"v1.0/{entity}Webhooks", json_body=body, idempotent=False
        ).json()
        try:
            webhook_id = int(created["itemId"])
        except (TypeError, KeyError, ValueError):
            raise InvalidResponse("webhook created without itemId") from None
        for field_id in field_ids:
            self.request(
                "POST",
                f"v1.0/{entity}Webhooks/{webhook_id}/Fields",
                json_body={
                    "fieldID": int(field_id),
                    "isSubscribedField": True,
                    "isDisplayAlwaysField": False,
                    "webhookID": webhook_id,
                },
            )
        return webhook_id

    def webhook(self, entity: str, webhook_id: int) -> dict | None:
        try:
            payload = self.get_json(f"v1.0/{entity}Webhooks/{int(webhook_id)}")
        except NotFound:
            return None
        return payload.get("item") if isinstance(payload, dict) else None

    def delete_webhook(self, entity: str, webhook_id: int) -> None:
        with contextlib.suppress(NotFound):  # already gone
            self.request("DELETE", f"v1.0/{entity}Webhooks/{int(webhook_id)}")


def _page(payload) -> tuple[list[dict], str | None]:
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        raise InvalidResponse("query answer without items")
    return payload["items"], (payload.get("pageDetails") or {}).get("nextPageUrl")


# --- records -------------------------------------------------------------------------------
# The fields a mapping rule may name, as the integration's settings name them
# (docs/psa-apis.md section 5); any other name reads the record's own field.
FIELDS = {
    "queue": "queueID",
    "status": "status",
    "issue_type": "issueType",
    "sub_issue_type": "subIssueType",
    "ticket_type": "ticketType",
    "assigned_role": "assignedResourceRoleID",
    "source": "source",
    "priority": "priority",
}


class Labels:
    """Picklist labels ({field: {value: label}}, from ``AutotaskClient.picklists``)."""

    def __init__(self, picklists: dict | None = None):
        self.picklists = picklists or {}

    def of(self, record: dict, name: str):
        name = FIELDS.get(name, name)
        value = record.get(name)
        labels = self.picklists.get(name)
        if labels is None or value is None:
            return value
        return labels.get(str(value), value)


def ticket_fields(record: dict, picklists: dict | None = None) -> dict:
    """{field: current value} of the fields a mapping rule may name (labels where the
    picklists know them)."""
    labels = Labels(picklists)
    return {key: labels.of(record, key) for key in FIELDS}


def company_row(record: dict) -> dict:
    row = {
        "external_id": str(record["id"]),
        "name": rows.text(record.get("companyName")),
        "is_active": rows.flag(bool(record.get("isActive"))),
    }
    return row


def contact_row(record: dict) -> dict:
    return {
        "external_id": str(record["id"]),
        "client": rows.external_id(record.get("companyID")),
        "name": rows.full_name(record.get("firstName"), record.get("lastName")),
        "email": rows.text(record.get("emailAddress")),
        "is_active": rows.flag(bool(record.get("isActive"))),  # 0/1 in Autotask
    }


def technician_row(record: dict) -> dict:
    row = {
        "external_id": str(record["id"]),
        "name": rows.full_name(record.get("firstName"), record.get("lastName")),
        "email": rows.text(record.get("email")),
        "role": rows.text(record.get("title")),
    }
    if record.get("hireDate"):
        row["hire_date"] = str(record["hireDate"])[:10]
    return row


def ticket_row(record: dict, settings, picklists: dict | None = None) -> dict:
    """``picklists``: {field: {value: label}}, to map priority, source, status and queue
    by their labels (ids differ per instance)."""
    mapping = rows.Mapping.of(settings)
    labels = Labels(picklists)
    resolved = record.get("resolvedDateTime")
    if not resolved and mapping.is_closed(labels.of(record, "status")):
        resolved = record.get("completedDate")
    return rows.ticket_row(
        mapping,
        lambda name: labels.of(record, name),
        external_id=str(record["id"]),
        client=rows.external_id(record.get("companyID")),
        priority=mapping.priority(labels.of(record, "priority")),
        opened_at=mapping.moment(record.get("createDate")),
        first_response_at=mapping.moment(record.get("firstResponseDateTime")),
        resolved_at=mapping.moment(resolved),
        source=mapping.source(labels.of(record, "source")),
        technician=rows.external_id(record.get("assignedResourceID")),
        title=rows.text(record.get("title")),
        requester_external_id=rows.external_id(record.get("contactID")),
    )


def is_counted(record: dict, settings, picklists: dict | None = None) -> bool:
    labels = Labels(picklists)
    return rows.Mapping.of(settings).counts(lambda name: labels.of(record, name))


def sla_verdict(result: dict | None, ticket: dict | None = None) -> rows.SLAVerdict:
    """From a ServiceLevelAgreementResults row (and the ticket's overall flag); hours
    become minutes."""
    result = result or {}
    met = (ticket or {}).get("serviceLevelAgreementHasBeenMet")
    stages = [
        result.get(k) for k in ("isFirstResponseMet", "isResolutionPlanMet", "isResolutionMet")
    ]
    if met is None and any(s is not None for s in stages):
        met = all(s is not False for s in stages)
    return rows.SLAVerdict(
        met=met,
        response_met=result.get("isFirstResponseMet"),
        plan_met=result.get("isResolutionPlanMet"),
        resolution_met=result.get("isResolutionMet"),
        response_minutes=rows.minutes_of_hours(result.get("firstResponseElapsedHours")),
        plan_minutes=rows.minutes_of_hours(result.get("resolutionPlanElapsedHours")),
        resolution_minutes=rows.minutes_of_hours(result.get("resolutionElapsedHours")),
        name=rows.text(result.get("serviceLevelAgreementName")),
    )
