"""Celery tasks of the surveys app. Each is safe to run twice (see surveys/sending.py for
the at-most-once delivery of invitations)."""

import logging
import random

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import publication, sending, services
from .models import Campaign, Invitation, InvitationStatus

logger = logging.getLogger("surveys.tasks")

MAX_SEND_RETRIES = 6
# Queued invitations younger than this are left to the task queued on commit.
SWEEP_GRACE_SECONDS = 120


def backoff_seconds(retries: int) -> int:
    """Exponential backoff with jitter: about 30 s, 60 s, 2 min, ... capped at one hour
    (the first delay is settings.SURVEY_RETRY_BASE_SECONDS)."""
    first = max(1, int(getattr(settings, "SURVEY_RETRY_BASE_SECONDS", 30)))
    base = min(first * 2**retries, 3600)
    return base + random.randint(0, max(1, base // 5))  # noqa: S311 - jitter, not security


@shared_task(bind=True, name="surveys.tasks.send_campaign", max_retries=MAX_SEND_RETRIES)
def send_campaign(self, campaign_id: int) -> dict:
    """Send the queued invitations of one campaign; retried with backoff on SMTP errors."""
    try:
        return sending.send_queued(campaign_id)
    except sending.TransientSendError as exc:
        if self.request.retries >= self.max_retries:
            failed = sending.fail_remaining(campaign_id, f"SMTP: {exc} (gave up after retries)")
            logger.error("survey.send_gave_up campaign=%s failed=%s", campaign_id, failed)
            return {"sent": 0, "failed": failed}
        raise self.retry(exc=exc, countdown=backoff_seconds(self.request.retries)) from exc


@shared_task(bind=True, name="surveys.tasks.send_reminders", max_retries=MAX_SEND_RETRIES)
def send_reminders(self, campaign_id: int) -> dict:
    try:
        return sending.send_reminders(campaign_id)
    except sending.TransientSendError as exc:
        if self.request.retries >= self.max_retries:
            logger.error("survey.remind_gave_up campaign=%s", campaign_id)
            return {"sent": 0, "failed": 0}
        raise self.retry(exc=exc, countdown=backoff_seconds(self.request.retries)) from exc


def _queue(task, campaign_id: int) -> bool:
    try:
        task.delay(campaign_id)
    except Exception:
        logger.exception("survey.queue_failed task=%s campaign=%s", task.name, campaign_id)
        return False
    return True


@shared_task(name="surveys.tasks.sweep_unsent")
def sweep_unsent() -> dict:
    """Re-queue invitations that were stored but never sent (the broker was down, or a
    worker lost the task), and give up on stale claims (at most once)."""
    now = timezone.now()
    stale = sending.fail_stale_claims(now)
    campaign_ids = sorted(
        set(
            Invitation.objects.filter(
                status=InvitationStatus.QUEUED,
                created_at__lte=now - timezone.timedelta(seconds=SWEEP_GRACE_SECONDS),
                campaign__status=Campaign.Status.OPEN,
                campaign__closes_at__gt=now,
            ).values_list("campaign_id", flat=True)
        )
    )
    queued = sum(_queue(send_campaign, cid) for cid in campaign_ids)
    logger.info(
        "survey.sweep campaigns=%s queued=%s stale_claims_failed=%s",
        len(campaign_ids),
        queued,
        stale,
    )
    return {"campaigns": len(campaign_ids), "queued": queued, "stale": stale}


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
    reminders = [
        cid for cid in services.campaigns_due_for_reminders(now) if _queue(send_reminders, cid)
    ]
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
