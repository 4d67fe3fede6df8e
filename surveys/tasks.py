"""Celery tasks of the surveys app. Each is safe to run twice. The e-mails themselves are
sent by core.delivery (see surveys/sending.py)."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import one_click, publication, rollups, services

logger = logging.getLogger("surveys.tasks")


@shared_task(name="surveys.tasks.dispatch_due")
def dispatch_due() -> dict:
    """Run the schedules: start scheduled campaigns, create the weekly pulse, onboarding
    and quarterly campaigns, queue reminders, close campaigns past their date and decide
    the quarters of anonymous surveys that this closing (or the calendar) completed."""
    now = timezone.now()
    closed = services.close_due_campaigns(now)
    decided = publication.publish_due_quarters(now)
    started = services.start_due_campaigns(now)
    created = services.dispatch_schedules(now)
    reminders = services.queue_due_reminders(now)
    one_click.forget_old_openings(now)
    logger.info(
        "survey.dispatch started=%s closed=%s created=%s reminders=%s quarters=%s min_aggregate=%s",
        len(started),
        closed,
        created,
        len(reminders),
        decided,
        settings.SURVEY_MIN_AGGREGATE,
    )
    return {
        "started": started,
        "closed": closed,
        "created": created,
        "reminders": reminders,
        "quarters": decided,
    }


@shared_task(name="surveys.tasks.refresh_rollups")
def refresh_rollups(full: bool = False) -> int:
    """Recompute the daily survey figures of the last rollups.REFRESH_DAYS days (all of
    them with full=True)."""
    if full:
        return rollups.rebuild_all()
    today = timezone.localdate()
    return rollups.refresh(
        first_day=today - datetime.timedelta(days=rollups.REFRESH_DAYS), last_day=today
    )
