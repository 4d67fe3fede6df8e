"""The ticket rating's periodic work; safe to run twice (a due rating is claimed once)."""

from celery import shared_task

from . import services


@shared_task(name="ratings.tasks.invite_due")
def invite_due() -> dict:
    """Invite or skip the ticket ratings whose delay has passed (ratings.services)."""
    return services.invite_due()
