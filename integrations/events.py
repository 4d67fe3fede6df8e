"""Receiving a live event: verify it as its PSA signs it (integrations.signatures), read
what it is about, store it once and queue its processing for when the transaction
commits. The view (integrations.views.events) only turns the outcome into a response.

Nothing here logs a body or a secret: a refusal is logged with the integration, the
reason and the body's size."""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from functools import partial

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.raw_rows import column, table

from . import callback_keys, signatures
from .kinds import Kind
from .models import (
    HALO_PASSWORD,
    HALO_TOKEN,
    HALO_WEBHOOK_USER,
    WEBHOOK_SECRET,
    Entity,
    Event,
    Integration,
)
from .tasks import queue_apply

logger = logging.getLogger("integrations.events")

# Events not applied yet, for counts beside each connection.
UNPROCESSED = Q(events__processed_at__isnull=True)


@dataclass(frozen=True)
class Outcome:
    status: int
    message: str
    event_id: int | None = None


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Described:
    dedupe_key: str
    entity: str
    external_id: str
    action: str


def _body_hash(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _payload(body: bytes) -> dict:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Refused(400, "not JSON") from None
    if not isinstance(payload, dict):
        raise Refused(400, "not a JSON object")
    return payload


# --- ConnectWise -------------------------------------------------------------------------

CW_ACTIONS = {"added", "updated", "deleted"}


def _verify_connectwise(integration: Integration, body: bytes, headers, payload: dict) -> None:
    header = headers.get("x-content-signature", "")
    if not header:
        raise Refused(401, "no signature")
    metadata = payload.get("Metadata")
    key_url = metadata.get("key_url") if isinstance(metadata, dict) else None
    if not signatures.key_url_allowed(key_url, integration.base_url):
        raise Refused(403, "key_url not on the integration's host")
    try:
        key = callback_keys.signing_key(integration, key_url)
        if signatures.connectwise_valid(body, header, key):
            return
        # The key may have changed since it was cached: fetch it once more.
        key = callback_keys.signing_key(integration, key_url, refresh=True)
    except callback_keys.KeyUnavailable as exc:
        raise Refused(403, f"signing key unavailable ({exc})") from None
    if not signatures.connectwise_valid(body, header, key):
        raise Refused(403, "wrong signature")


def _describe_connectwise(payload: dict, body: bytes) -> Described:
    action = str(payload.get("Action", "")).lower()
    if action not in CW_ACTIONS:
        raise Refused(400, "unknown Action")
    entity = str(payload.get("Type", "")).lower()
    message_id = str(payload.get("MessageId") or "")[:150]
    return Described(
        dedupe_key=f"cw:{message_id}" if message_id else _body_hash(body),
        entity=entity,
        external_id=str(payload.get("ID", ""))[:100],
        action=action,
    )


# --- Autotask ----------------------------------------------------------------------------

AT_ACTIONS = {"create": "added", "update": "updated", "delete": "deleted"}
AT_ENTITIES = {
    "ticket": Entity.TICKET,
    "company": Entity.COMPANY,
    "account": Entity.COMPANY,
    "contact": Entity.CONTACT,
}


def _verify_autotask(integration: Integration, body: bytes, headers, payload: dict) -> None:
    header = headers.get("X-Hook-Signature", "")
    if not header:
        raise Refused(401, "no signature")
    if not signatures.autotask_valid(body, header, integration.secrets.get(WEBHOOK_SECRET, "")):
        raise Refused(403, "wrong signature")


def _describe_autotask(payload: dict, body: bytes) -> Described:
    action = AT_ACTIONS.get(str(payload.get("Action", "")).lower())
    if action is None:
        raise Refused(400, "unknown Action")
    kind = str(payload.get("EntityType", "")).lower()
    entity = AT_ENTITIES.get(kind.removesuffix("s"), kind)
    parts = [payload.get("Guid"), payload.get("Id"), payload.get("SequenceNumber")]
    return Described(
        dedupe_key=(
            "at:" + ":".join(str(p) for p in parts)[:150]
            if all(p not in (None, "") for p in parts)
            else _body_hash(body)
        ),
        entity=entity,
        external_id=str(payload.get("Id", ""))[:100],
        action=action,
    )


# --- HaloPSA -----------------------------------------------------------------------------


def _verify_halo(integration: Integration, body: bytes, headers, payload: dict) -> None:
    header = headers.get("Authorization", "")
    if not header:
        raise Refused(401, "no authorization")
    secrets = integration.secrets
    if not signatures.halo_valid(
        header,
        integration.halo_webhook_auth,
        user=HALO_WEBHOOK_USER,
        password=secrets.get(HALO_PASSWORD, ""),
        token=secrets.get(HALO_TOKEN, ""),
    ):
        raise Refused(403, "wrong authorization")


def _describe_halo(payload: dict, body: bytes) -> Described:
    ticket = payload.get("ticket") if isinstance(payload.get("ticket"), dict) else {}
    object_id = payload.get("object_id") or ticket.get("id")
    if object_id in (None, ""):
        raise Refused(400, "no object_id")
    event = str(payload.get("event", "")).lower()
    delivery = str(payload.get("id") or "")[:150]
    return Described(
        dedupe_key=f"halo:{delivery}" if delivery else _body_hash(body),
        entity=Entity.TICKET,
        external_id=str(object_id)[:100],
        action="deleted" if "delet" in event else "updated",
    )


VENDORS = {
    Kind.CONNECTWISE: (_verify_connectwise, _describe_connectwise),
    Kind.AUTOTASK: (_verify_autotask, _describe_autotask),
    Kind.HALOPSA: (_verify_halo, _describe_halo),
}


# How stale the connection's last_event_at may get: a burst of events updates its row
# once a minute, not for each event (the status page and the silence check need no
# finer time).
LAST_EVENT_STEP = datetime.timedelta(minutes=1)


# --- The connection behind an event address ---------------------------------------------
#
# Each process keeps a copy of the connections it received events for, by the hash of
# their address token, so that an event costs one database round trip: the INSERT,
# which stores it only if the connection's row still has the token, the PSA, the
# address, the secrets and the Halo authentication the event was verified with
# (GUARDED). When it stores nothing, or the event is refused with the copy, the row is
# read again: a deleted connection or a new address token answers 404, changed secrets
# or settings verify the event again with what is stored now.

COPY_SECONDS = 300
COPIES_MAX = 100
GUARDED = ("event_token_hash", "kind", "base_url", "secrets_encrypted", "halo_webhook_auth")

_copies: dict[str, tuple[Integration, float]] = {}
_copies_lock = threading.Lock()


def _load(token_hash: str) -> Integration | None:
    """The connection with this token hash as stored now (its copy replaced)."""
    integration = Integration.objects.filter(event_token_hash=token_hash).order_by().first()
    with _copies_lock:
        _copies.pop(token_hash, None)
        if integration is not None:
            while len(_copies) >= COPIES_MAX:
                del _copies[next(iter(_copies))]
            _copies[token_hash] = (integration, time.monotonic() + COPY_SECONDS)
    return integration


def connection_for(token_hash: str, *, stored: bool = False) -> Integration | None:
    """The connection whose event address has this token hash: the process's copy of
    the last minutes unless ``stored``, else read (None: no such address)."""
    held = None if stored else _copies.get(token_hash)
    if held is not None and held[1] > time.monotonic():
        return held[0]
    return _load(token_hash)


def _unchanged(copy: Integration, stored: Integration) -> bool:
    return all(getattr(copy, name) == getattr(stored, name) for name in GUARDED)


@functools.cache
def _insert_sql() -> str:
    columns = ["integration", "received_at", "dedupe_key", "entity", "external_id", "action"]
    columns += ["body", "attempts", "error"]
    guard = " AND ".join(f"{column(Integration, name)} = %s" for name in ("id", *GUARDED))
    # Names from the models, values as parameters.
    return (
        f"INSERT INTO {table(Event)} "  # noqa: S608
        f"({', '.join(column(Event, name) for name in columns)}) "
        f"SELECT {column(Integration, 'id')}, %s, %s, %s, %s, %s, %s, 0, '' "
        f"FROM {table(Integration)} WHERE {guard} "
        f"ON CONFLICT ({column(Event, 'integration')}, {column(Event, 'dedupe_key')}) "
        f"DO NOTHING RETURNING {column(Event, 'id')}"
    )


class Stale(Exception):
    """The connection's row no longer matches the copy the event was verified with."""


def store(integration: Integration, described: Described, body: bytes) -> tuple[int, bool]:
    """The event's id, stored once per dedupe key, and whether it is new; when a new one
    is committed, the applying of the connection's new events is queued unless it is
    queued already (integrations.tasks.queue_apply). Raises Stale (nothing stored) when
    ``integration`` is no longer what is stored.

    One statement: outside a transaction (the view) it is its own, one round trip to
    the database (not BEGIN, INSERT and COMMIT, which would be most of an event's
    time); a re-delivery stores nothing and breaks no caller's transaction."""
    now = timezone.now()
    params = [
        db_connection.ops.adapt_datetimefield_value(now),
        described.dedupe_key,
        described.entity,
        described.external_id,
        described.action,
        body.decode("utf-8", errors="replace"),
        integration.pk,
        *(getattr(integration, name) for name in GUARDED),
    ]
    with db_connection.cursor() as cursor:
        cursor.execute(_insert_sql(), params)
        row = cursor.fetchone()
    if row is None:
        stored = Integration.objects.filter(pk=integration.pk).order_by().first()
        if stored is None or not _unchanged(integration, stored):
            raise Stale
        event = Event.objects.only("pk").get(
            integration=integration, dedupe_key=described.dedupe_key
        )
        return event.pk, False
    if integration.last_event_at is None or now - integration.last_event_at >= LAST_EVENT_STEP:
        Integration.objects.filter(pk=integration.pk).update(last_event_at=now)
        integration.last_event_at = now
    transaction.on_commit(partial(queue_apply, integration.pk), robust=True)
    return row[0], True


def _receive(integration: Integration, body: bytes, headers) -> tuple[Outcome, Described | None]:
    verify, describe = VENDORS[integration.kind]
    try:
        payload = _payload(body)
        if not integration.secrets_readable():
            raise Refused(503, "secrets unreadable: check INTEGRATIONS_ENCRYPTION_KEYS")
        verify(integration, body, headers, payload)
        described = describe(payload, body)
    except Refused as exc:
        return Outcome(exc.status, exc.reason), None
    event_id, new = store(integration, described, body)
    return Outcome(200, "stored" if new else "already received", event_id), described


def receive(token_hash: str, integration: Integration, body: bytes, headers) -> Outcome:
    """Verify, describe and store one delivery to the address with ``token_hash``,
    whose connection is ``integration`` (connection_for); again with the stored
    connection when the copy was stale, or refused the delivery and differs from it."""
    for _attempt in range(3):
        try:
            outcome, described = _receive(integration, body, headers)
        except Stale:
            outcome, described = None, None
        if outcome is not None and outcome.status == 200:
            break
        stored = connection_for(token_hash, stored=True)
        if stored is None:
            return Outcome(404, "unknown address")
        if outcome is not None and _unchanged(integration, stored):
            break  # refused with what is stored
        integration = stored
    else:  # changed while it was received, three times
        outcome = outcome or Outcome(503, "the connection changed: send again")
    if described is None:
        logger.warning(
            "integrations.event_refused integration=%s kind=%s status=%s reason=%s bytes=%s",
            integration.pk,
            integration.kind,
            outcome.status,
            outcome.message,
            len(body),
        )
        return outcome
    logger.info(
        "integrations.event_%s integration=%s event=%s entity=%s action=%s",
        "stored" if outcome.message == "stored" else "duplicate",
        integration.pk,
        outcome.event_id,
        described.entity,
        described.action,
    )
    return outcome
