"""Applying what the PSAs say. A deleted ticket leaves the product at once; a ticket
added or changed is fetched by id from the PSA, normalised and written through the
ticket upsert (integrations.pull); when the PSA cannot be reached or the ticket cannot
be stored yet (a company not pulled yet, an unmapped priority), and for companies,
contacts and members, the record is marked "dirty" for the next pull, which reads it
(an event's body is never trusted beyond the id: Autotask sends only some fields,
Halo's payload is configured by hand, ConnectWise's is re-read anyway)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kpis.upsert import delete_tickets

from .clients import PSAError, for_integration
from .models import DirtyRecord, Entity, Event
from .pull import PageRejected, Puller

KNOWN_ENTITIES = set(Entity.values)


def mark_dirty(integration_id: int, entity: str, external_ids) -> None:
    """Note that these records changed in the PSA (the time of the latest mark kept)."""
    now = timezone.now()
    DirtyRecord.objects.bulk_create(
        [
            DirtyRecord(
                integration_id=integration_id, entity=entity, external_id=key, marked_at=now
            )
            for key in external_ids
        ],
        update_conflicts=True,
        unique_fields=["integration", "entity", "external_id"],
        update_fields=["marked_at"],
    )


def event_client(integration):
    """The client an event fetches its record with: one attempt, a short timeout (the
    pull retries what fails, the event task must not wait for a PSA that is down)."""
    return for_integration(integration, max_attempts=1, timeout=10.0)


@transaction.atomic
def apply_event(event: Event) -> str:
    """Apply one stored event; returns what was done: "deleted" (a ticket deletion:
    the ticket and its figures are gone), "applied" (a ticket fetched and written),
    "dirty" (the record waits for the next pull) or "ignored" (an entity the product
    does not keep, or no id). Safe to run twice."""
    if event.entity not in KNOWN_ENTITIES or not event.external_id:
        return "ignored"
    if event.entity == Entity.TICKET and event.action == "deleted":
        source_id = event.integration.data_source_id
        delete_tickets([event.external_id], data_source_id=source_id)
        DirtyRecord.objects.filter(
            integration_id=event.integration_id,
            entity=Entity.TICKET,
            external_id=event.external_id,
        ).delete()
        return "deleted"
    if event.entity == Entity.TICKET:
        try:
            with transaction.atomic():
                puller = Puller(event.integration, event_client(event.integration))
                vanished = puller.apply_tickets([event.external_id])
        except (PSAError, PageRejected):
            pass  # the pull fetches it again (and reports a bad record)
        else:
            return "deleted" if vanished else "applied"
    mark_dirty(event.integration_id, event.entity, [event.external_id])
    return "dirty"


@transaction.atomic
def apply_together(integration, events: list[Event]) -> None:
    """Apply several stored events of ``integration`` (in the order they arrived) at
    once, leaving the product as applying each in turn would: a ticket's deletion is
    applied, and it is fetched once if an event after its last deletion said it was
    added or changed (every fetch reads the PSA's current ticket, so the one after the
    last event is the one that counts); the fetched tickets are written with one
    upsert; companies, contacts and members are marked dirty. A ticket that cannot be
    fetched or stored yet is marked dirty, as with one event. Safe to run twice."""
    deleted: dict[str, None] = {}
    fetch: dict[str, None] = {}
    dirty: dict[str, dict[str, None]] = {}
    for event in events:
        key = event.external_id
        if event.entity not in KNOWN_ENTITIES or not key:
            continue
        if event.entity != Entity.TICKET:
            dirty.setdefault(event.entity, {})[key] = None
        elif event.action == "deleted":
            deleted[key] = None
            fetch.pop(key, None)
        else:
            fetch[key] = None
    source_id = integration.data_source_id
    if deleted:
        delete_tickets(list(deleted), data_source_id=source_id)
        DirtyRecord.objects.filter(
            integration_id=integration.pk, entity=Entity.TICKET, external_id__in=list(deleted)
        ).delete()
    if fetch:
        for key in _fetch_and_write(integration, list(fetch)):
            dirty.setdefault(Entity.TICKET, {})[key] = None
    for entity, keys in dirty.items():
        mark_dirty(integration.pk, entity, list(keys))


def _fetch_and_write(integration, keys: list[str]) -> list[str]:
    """Fetch these tickets by id and write them (one upsert; one by one when the PSA
    sent one that cannot be stored yet); returns the ids left for the pull."""
    puller = Puller(integration, event_client(integration))
    records, left, gone = [], [], []
    for key in keys:
        try:
            record = puller.client.ticket(key)
        except PSAError:
            left.append(key)
            continue
        if record is None:
            gone.append(key)
        else:
            records.append(record)
    if gone:
        delete_tickets(gone, data_source_id=integration.data_source_id)
    try:
        with transaction.atomic():
            if records:
                puller._apply_ticket(records)
    except PSAError:  # Autotask's picklists, read before the first ticket is written
        left += [str(record["id"]) for record in records]
    except PageRejected:
        for record in records:
            try:
                with transaction.atomic():
                    puller._apply_ticket([record])
            except (PSAError, PageRejected):
                left.append(str(record["id"]))
    return left
