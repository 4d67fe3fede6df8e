"""Receiving a live event: verify it as its PSA signs it (integrations.signatures), read
what it is about, store it once and queue its processing for when the transaction
commits. The view (integrations.views.events) only turns the outcome into a response.

Nothing here logs a body or a secret: a refusal is logged with the integration, the
reason and the body's size."""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

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
from .tasks import process_event

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


def store(integration: Integration, described: Described, body: bytes) -> tuple[Event, bool]:
    """The event stored once per dedupe key, and whether it is new; a new one is queued
    for processing when it is committed. Called outside a transaction (the view), the
    INSERT is its own transaction: one round trip to the database, not BEGIN, INSERT
    and COMMIT, which is most of an event's time; inside a caller's transaction a
    savepoint keeps a re-delivery from breaking it."""
    now = timezone.now()
    event = Event(
        integration=integration,
        dedupe_key=described.dedupe_key,
        entity=described.entity,
        external_id=described.external_id,
        action=described.action,
        body=body.decode("utf-8", errors="replace"),
    )
    try:
        if transaction.get_autocommit():
            event.save(force_insert=True)
        else:
            with transaction.atomic():
                event.save(force_insert=True)
    except IntegrityError:
        event = Event.objects.get(integration=integration, dedupe_key=described.dedupe_key)
        return event, False
    if integration.last_event_at is None or now - integration.last_event_at >= LAST_EVENT_STEP:
        Integration.objects.filter(pk=integration.pk).update(last_event_at=now)
    transaction.on_commit(partial(process_event.delay, event.pk), robust=True)
    return event, True


def receive(integration: Integration, body: bytes, headers) -> Outcome:
    """Verify, describe and store one delivery."""
    verify, describe = VENDORS[integration.kind]
    try:
        payload = _payload(body)
        if not integration.secrets_readable():
            raise Refused(503, "secrets unreadable: check INTEGRATIONS_ENCRYPTION_KEYS")
        verify(integration, body, headers, payload)
        described = describe(payload, body)
    except Refused as exc:
        logger.warning(
            "integrations.event_refused integration=%s kind=%s status=%s reason=%s bytes=%s",
            integration.pk,
            integration.kind,
            exc.status,
            exc.reason,
            len(body),
        )
        return Outcome(exc.status, exc.reason)
    event, new = store(integration, described, body)
    logger.info(
        "integrations.event_%s integration=%s event=%s entity=%s action=%s",
        "stored" if new else "duplicate",
        integration.pk,
        event.pk,
        event.entity,
        event.action,
    )
    return Outcome(200, "stored" if new else "already received", event.pk)
