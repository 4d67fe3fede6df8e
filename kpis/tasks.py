"""Celery tasks of the KPI app. Each is safe to run twice; product code queues them with
``transaction.on_commit(partial(task.delay, …), robust=True)``: a broker outage is
logged and the periodic tasks catch up."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from . import import_jobs, rollups
from .thresholds import check_thresholds

__all__ = ["check_thresholds", "refresh_rollups", "run_import", "sweep_imports"]

logger = logging.getLogger("kpis.tasks")

# The periodic refresh recomputes this many recent days: tickets of the last days change
# most (responses, resolutions), and it mends edits made outside the admin, the import
# and the webhook (a shell, a script).
REFRESH_DAYS = 3


@shared_task(name="kpis.tasks.refresh_rollups")
def refresh_rollups(full: bool = False) -> int:
    """Recompute the rollups of the last REFRESH_DAYS days (all of them with full=True)."""
    if full:
        return rollups.rebuild_all()
    today = timezone.localdate()
    return rollups.refresh(None, today - datetime.timedelta(days=REFRESH_DAYS), today)


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
    for job_id in swept["queued"]:
        run_import.delay(job_id)
    logger.info(
        "kpis.import_sweep queued=%s failed=%s deleted=%s",
        len(swept["queued"]),
        swept["failed"],
        swept["deleted"],
    )
    return {**swept, "queued": len(swept["queued"])}
