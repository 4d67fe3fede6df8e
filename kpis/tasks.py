"""Celery tasks of the KPI app. Each is safe to run twice; product code queues them with
``transaction.on_commit`` (see ``queue_*``)."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import alerting, import_jobs, rollups, thresholds

logger = logging.getLogger("kpis.tasks")

# The periodic refresh recomputes this many recent days: tickets of the last days change
# most (responses, resolutions), and it mends anything a failed hook missed.
REFRESH_DAYS = 3


@shared_task(name="kpis.tasks.refresh_rollups")
def refresh_rollups(full: bool = False) -> int:
    """Recompute the rollups of the last REFRESH_DAYS days (all of them with full=True)."""
    if full:
        return rollups.rebuild_all()
    today = timezone.localdate()
    return rollups.refresh(None, today - datetime.timedelta(days=REFRESH_DAYS), today)


@shared_task(name="kpis.tasks.check_thresholds")
def check_thresholds() -> list[int]:
    """Judge every client for the month to date; store the new alerts and e-mail every
    alert of the month not e-mailed yet (kpis/alerting.py)."""
    new_ids = thresholds.record_alerts()
    alerting.email_threshold_alerts()
    if new_ids:
        logger.info("kpis.alerts_raised count=%s", len(new_ids))
    return new_ids


def queue_threshold_check() -> None:
    """Queue the threshold check once the current transaction commits."""
    transaction.on_commit(_queue_check)


def _queue_check() -> None:
    try:
        check_thresholds.delay()
    except Exception:  # the periodic check will catch up
        logger.exception("kpis.queue_failed task=check_thresholds")


def queue_rollup_rebuild() -> None:
    """Queue a full rebuild once the transaction commits (SLA targets changed)."""

    def _queue():
        try:
            refresh_rollups.delay(full=True)
        except Exception:
            logger.exception("kpis.queue_failed task=refresh_rollups")

    transaction.on_commit(_queue)


@shared_task(name="kpis.tasks.run_import")
def run_import(job_id: int) -> str:
    """Import an uploaded file (import_jobs.run); a job is imported once, however often
    the task runs."""
    return import_jobs.run(job_id)


@shared_task(name="kpis.tasks.sweep_imports")
def sweep_imports() -> dict:
    """Queue again the uploads the broker lost, fail those whose worker died, forget old
    ones (import_jobs.sweep)."""
    swept = import_jobs.sweep()
    queued = sum(_queue_import(job_id) for job_id in swept["queued"])
    logger.info(
        "kpis.import_sweep queued=%s failed=%s deleted=%s",
        queued,
        swept["failed"],
        swept["deleted"],
    )
    return {**swept, "queued": queued}


def queue_import(job_id: int) -> None:
    """Queue the import of a stored upload once the current transaction commits."""
    transaction.on_commit(lambda: _queue_import(job_id))


def _queue_import(job_id: int) -> bool:
    try:
        run_import.delay(job_id)
    except Exception:  # the sweep queues it again
        logger.exception("kpis.queue_failed task=run_import job=%s", job_id)
        return False
    return True
