"""E-mail for team rounds: each invited member learns of the round and where to answer."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import mailers
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from msp_maturity.mail import compose, is_transient_smtp_error

from .models import TeamRound

log = logging.getLogger("assessments.rounds")


def member_language(user) -> str:
    """A technician's own language, else the product's default."""
    technician = getattr(user, "technician", None)
    return getattr(technician, "language", None) or settings.LANGUAGE_CODE


def invitation_message(team_round: TeamRound, member):
    with translation.override(member_language(member)):
        context = {
            "round": team_round,
            "member": member,
            "url": settings.SITE_URL + reverse("assessments:round_detail", args=[team_round.pk]),
            "opened_by": team_round.opened_by.get_full_name() or team_round.opened_by.username,
        }
        return compose(
            to=member.email,
            subject=_("Team round: %(name)s") % {"name": team_round.name},
            template="assessments/email/round_invitation",
            context=context,
        )


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_round_invitations(self, round_id: int) -> int:
    """E-mail every invited member once; returns the number of messages sent.

    The round is claimed with a conditional update first, so running the task twice sends
    nothing twice. An SMTP failure releases the claim and retries with backoff.
    """
    claimed = TeamRound.objects.filter(pk=round_id, invitations_sent_at__isnull=True).update(
        invitations_sent_at=timezone.now()
    )
    if not claimed:
        return 0
    team_round = TeamRound.objects.select_related("opened_by").get(pk=round_id)
    members = team_round.members.exclude(email="").select_related("technician")
    messages = [invitation_message(team_round, member) for member in members]
    try:
        with mailers.default as connection:
            sent = connection.send_messages(messages) or 0
    except OSError as exc:  # smtplib's errors are OSErrors too
        if not is_transient_smtp_error(exc):
            log.error(
                "round_invitations round=%s status=failed error=%s", round_id, type(exc).__name__
            )
            raise
        TeamRound.objects.filter(pk=round_id).update(invitations_sent_at=None)
        log.warning(
            "round_invitations round=%s status=retry error=%s", round_id, type(exc).__name__
        )
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
    log.info("round_invitations round=%s sent=%s", round_id, sent)
    return sent
