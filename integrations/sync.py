"""Applying what the PSAs say. For now (the HTTP clients and their record normalisers
come with ``integrations.clients``): a deleted ticket leaves the product at once; every
other event marks its record "dirty" for the next pull, which fetches it by id (an
event's body is never trusted beyond the id: Autotask sends only some fields, Halo's
payload is configured by hand, ConnectWise's is re-read anyway)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kpis.upsert import delete_tickets

from .models import DirtyRecord, Entity, Event

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


@transaction.atomic
def apply_event(event: Event) -> str:
    """Apply one stored event; returns what was done: "deleted" (a ticket deletion:
    the ticket and its figures are gone), "dirty" (the record waits for the next pull)
    or "ignored" (an entity the product does not keep, or no id). Safe to run twice."""
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
    mark_dirty(event.integration_id, event.entity, [event.external_id])
    return "dirty"
