"""Celery tasks of the PSA connections. Queued on commit; each safe to run twice."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .models import Event
from .sync import apply_event

logger = logging.getLogger("integrations.tasks")

# An event still unprocessed this long after it arrived was lost by the broker or its
# worker died: the sweep queues it again.
SWEEP_AFTER = datetime.timedelta(minutes=5)
# After this many failed attempts an event waits for a person (its error is shown).
MAX_ATTEMPTS = 5


@shared_task(name="integrations.tasks.process_event")
def process_event(event_id: int) -> str:
    """Apply a stored event once (integrations.sync.apply_event); a processed or
    missing event is left alone."""
    with transaction.atomic():
        event = (
            Event.objects.select_for_update()
            .select_related("integration")
            .filter(pk=event_id, processed_at__isnull=True)
            .first()
        )
        if event is None:
            return "done"
        event.attempts += 1
        try:
            with transaction.atomic():
                result = apply_event(event)
        except Exception as exc:
            event.error = f"{type(exc).__name__}: {exc}"[:2000]
            event.save(update_fields=["attempts", "error"])
            logger.exception(
                "integrations.event_failed event=%s integration=%s",
                event.pk,
                event.integration_id,
            )
            return "failed"
        event.processed_at = timezone.now()
        event.error = ""
        event.save(update_fields=["attempts", "error", "processed_at"])
    return result


@shared_task(name="integrations.tasks.sweep_events")
def sweep_events() -> int:
    """Queue again the events the broker lost or a worker dropped; returns how many."""
    stale = Event.objects.unprocessed().filter(
        received_at__lt=timezone.now() - SWEEP_AFTER, attempts__lt=MAX_ATTEMPTS
    )
    ids = list(stale.values_list("pk", flat=True)[:1000])
    for event_id in ids:
        process_event.delay(event_id)
    if ids:
        logger.info("integrations.event_sweep queued=%s", len(ids))
    return len(ids)
