"""Celery tasks of the PSA connections. Queued on commit; each safe to run twice."""

from __future__ import annotations

import datetime
import logging
import time

from celery import shared_task
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import health
from .models import Event
from .sync import apply_event, apply_together

logger = logging.getLogger("integrations.tasks")

# An event still unprocessed this long after it arrived was lost by the broker or its
# worker died: the sweep queues it again.
SWEEP_AFTER = datetime.timedelta(minutes=5)
# After this many failed attempts an event waits for a person (its error is shown).
MAX_ATTEMPTS = 5


def _process(event_id: int) -> str:
    """Apply the stored event ``event_id`` once (integrations.sync.apply_event) in a
    transaction of its own that locks it; a processed or missing event is left alone
    ("done"), a failing one keeps its error and one more attempt ("failed")."""
    with transaction.atomic():
        # Only the event's row is locked: a lock on the connection's row as well would
        # hold up every event the endpoint stores meanwhile (its INSERT checks the
        # foreign key with a share lock on that row) until this one is applied.
        event = (
            Event.objects.select_for_update(of=("self",))
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


@shared_task(name="integrations.tasks.process_event")
def process_event(event_id: int) -> str:
    """Apply one stored event once (the sweep's retries; see _process)."""
    return _process(event_id)


# Applying a connection's new events: one task for many events. An event's request
# sets the connection's "queued" flag in the cache and publishes the task only when the
# flag was not set; a task clears the flag before it first looks for events, so an event
# whose request found the flag set is seen by that look. One task at a time per
# connection (a lock in the cache) keeps the events in the order they arrived; a task
# that finds the lock taken leaves the flag and its events to the holder, which clears
# the flag and looks once more after releasing the lock.
QUEUED_SECONDS = 30  # a flag whose task was lost stops holding back publishes after this
# The task looks this long after the event that queued it: the events of the next second
# publish nothing and are applied together (well within the minute events may take).
GATHER_SECONDS = 1
APPLY_LOCK_SECONDS = 10 * 60  # a worker killed mid-run frees the connection after this
APPLY_RUN_SECONDS = 30  # then the task makes way for other work and queues itself again
APPLY_BATCH = 200


def _queued_key(integration_id: int) -> str:
    return f"integrations:events-queued:{integration_id}"


def _apply_lock_key(integration_id: int) -> str:
    return f"integrations:events-applying:{integration_id}"


def queue_apply(integration_id: int) -> None:
    """Make sure a task applies the connection's new events after this moment: publish
    one unless one is queued and has not looked for events yet (called on commit)."""
    key = _queued_key(integration_id)
    try:
        first = cache.add(key, "1", QUEUED_SECONDS)
    except Exception:  # the cache is down: publish anyway
        first = True
    if not first:
        return
    try:
        apply_events.apply_async((integration_id,), countdown=GATHER_SECONDS)
    except Exception:
        cache.delete(key)  # nothing is queued: the next event publishes again
        raise


def _new_events(integration_id: int):
    """The connection's events not applied and never tried, in the order they arrived
    (failed ones wait for the sweep, as each event's own task left them)."""
    return (
        Event.objects.unprocessed()
        .filter(integration_id=integration_id, attempts=0)
        .order_by("received_at", "pk")
    )


def _apply_batch(ids: list[int]) -> int:
    """Apply these new events of one connection together in one transaction
    (integrations.sync.apply_together); when that fails, each on its own as its own
    task did (its error kept for the sweep). Returns how many were looked at."""
    try:
        with transaction.atomic():
            events = list(
                Event.objects.select_for_update(of=("self",))
                .select_related("integration")
                .unprocessed()
                .filter(pk__in=ids, attempts=0)
                .order_by("received_at", "pk")
            )
            if events:
                apply_together(events[0].integration, events)
                Event.objects.filter(pk__in=[event.pk for event in events]).update(
                    processed_at=timezone.now(), attempts=F("attempts") + 1, error=""
                )
    except Exception:
        logger.exception("integrations.event_batch_failed events=%s: one by one", len(ids))
        for event_id in ids:
            _process(event_id)
    return len(ids)


def _apply_new(integration_id: int, until: float) -> tuple[int, bool]:
    """Apply the new events until there are none or ``until`` (monotonic) has passed;
    returns how many were applied and whether some are left."""
    applied = 0
    # Events whose request found the flag set are stored by now; one stored after this
    # sets it again and queues a task of its own (which finds the lock taken or looks).
    cache.delete(_queued_key(integration_id))
    while True:
        ids = list(_new_events(integration_id).values_list("pk", flat=True)[:APPLY_BATCH])
        if not ids:
            return applied, False
        applied += _apply_batch(ids)
        if time.monotonic() > until:
            return applied, True


@shared_task(name="integrations.tasks.apply_events")
def apply_events(integration_id: int) -> int:
    """Apply the connection's new events in the order they arrived, in batches of
    APPLY_BATCH (see _apply_batch); returns how many (0 when another task was applying
    them: that one looks again after releasing the lock)."""
    lock = _apply_lock_key(integration_id)
    until = time.monotonic() + APPLY_RUN_SECONDS
    applied = 0
    while cache.add(lock, "1", APPLY_LOCK_SECONDS):
        try:
            count, more = _apply_new(integration_id, until)
        finally:
            cache.delete(lock)
        applied += count
        if more:
            apply_events.delay(integration_id)  # after the lock is free: it will look
            break
        # An event stored after the last look, whose task found the lock taken: look
        # once more now that the lock is free.
        cache.delete(_queued_key(integration_id))
        if not _new_events(integration_id).exists():
            break
    return applied


@shared_task(name="integrations.tasks.sweep_events")
def sweep_events() -> int:
    """Queue again what the broker lost or a worker dropped: the applying of each
    connection with new events left, and each failed event (until MAX_ATTEMPTS);
    returns how many tasks were queued."""
    stale = Event.objects.unprocessed().filter(
        received_at__lt=timezone.now() - SWEEP_AFTER, attempts__lt=MAX_ATTEMPTS
    )
    connections = list(
        stale.filter(attempts=0).order_by().values_list("integration_id", flat=True).distinct()
    )
    failed = list(stale.filter(attempts__gt=0).values_list("pk", flat=True)[:1000])
    for integration_id in connections:
        apply_events.delay(integration_id)
    for event_id in failed:
        process_event.delay(event_id)
    if connections or failed:
        logger.info(
            "integrations.event_sweep connections=%s failed=%s", len(connections), len(failed)
        )
    return len(connections) + len(failed)


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
        return "failed" if summary.failed else "done"
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
