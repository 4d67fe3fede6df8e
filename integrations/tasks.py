"""Celery tasks of the PSA connections. Queued on commit; each safe to run twice."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from . import health
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


# How long a pull may hold its lock; a worker killed mid-pull frees it after this.
PULL_LOCK_SECONDS = 60 * 60


def pull_lock_key(integration_id: int) -> str:
    return f"integrations:pull:{integration_id}"


@shared_task(name="integrations.tasks.pull")
def pull(integration_id: int) -> str:
    """Pull one connection (integrations.pull); "busy" when another pull of it runs
    (a lock per connection in the cache), "gone" when it was deleted."""
    from .models import Integration
    from .pull import pull as run_pull

    key = pull_lock_key(integration_id)
    if not cache.add(key, "1", PULL_LOCK_SECONDS):
        logger.info("integrations.pull_busy integration=%s", integration_id)
        return "busy"
    try:
        integration = Integration.objects.filter(pk=integration_id).first()
        if integration is None:
            return "gone"
        summary = run_pull(integration)
        if summary.retry_after:
            # A PSA's rate limit (Autotask's hourly budget): go on from the stored cursor
            # once it allows, not only at the next quarter hour.
            pull.apply_async((integration_id,), countdown=round(summary.retry_after))
            return "rate-limited"
        integration.refresh_from_db(fields=["last_sync_ok"])
        return "done" if integration.last_sync_ok else "failed"
    finally:
        cache.delete(key)


@shared_task(name="integrations.tasks.pull_all")
def pull_all() -> int:
    """Queue the catch-up pull of every connection."""
    from .models import Integration

    ids = list(Integration.objects.values_list("pk", flat=True))
    for integration_id in ids:
        pull.delay(integration_id)
    return len(ids)


@shared_task(name="integrations.tasks.check_health")
def check_health() -> dict:
    """Raise or close the alerts of silent and failing connections (integrations.health)."""
    return health.check()
