"""Build and send invitation e-mails, each invitation at most once.

Delivery guarantee: **at most once**. Each invitation is claimed by a conditional UPDATE
(queued -> sending, with a claim timestamp) right before its e-mail goes out and marked
sent right after the SMTP server accepted it. A second task for the same campaign finds
nothing left to claim, so running the task twice sends nothing twice. If a worker dies
between claim and "sent", that single invitation stays in "sending"; the sweep marks it
failed after SEND_CLAIM_TIMEOUT with a reason ("delivery uncertain") instead of sending
it again, because a duplicate survey e-mail is worse than one a manager re-sends by hand
("send again" on the campaign page). Claiming one invitation at a time keeps that window
to a single message; the rest of the batch stays queued and is sent by the redelivered
task (acks_late) or the sweep.

A transient SMTP error (4xx, connection refused, timeout) puts the claimed invitation
back to "queued" and raises TransientSendError so the task retries with backoff; a
permanent refusal of the recipient marks it failed with the reason.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .forms import FACES
from .models import Campaign, Invitation, InvitationStatus, InvitationToken
from .tokens import issue_token

logger = logging.getLogger("surveys.sending")

SEND_CLAIM_TIMEOUT = datetime.timedelta(minutes=15)


class TransientSendError(Exception):
    """The SMTP server did not take the message this time; try again later."""


def survey_url(token: str, face: int | None = None) -> str:
    path = reverse("surveys:respond", kwargs={"token": token})
    url = f"{settings.SITE_URL}{path}"
    return f"{url}?face={face}" if face else url


def build_message(invitation: Invitation, token: str, reminder: bool = False):
    """The e-mail (plain text + HTML) in the recipient's language with the personal link."""
    campaign = invitation.campaign
    survey = campaign.survey
    with translation.override(invitation.language or settings.LANGUAGE_CODE):
        question = survey.questions.active().filter(metric="pulse").first()
        faces = []
        if survey.is_pulse and question:
            labels = {
                1: question.label_min(),
                5: question.label_max(),
            }
            faces = [
                {"value": v, "emoji": e, "url": survey_url(token, v), "label": labels.get(v, "")}
                for v, e in FACES.items()
            ]
        context = {
            "invitation": invitation,
            "name": invitation.recipient_name,
            "survey_title": survey.title(),
            "intro": survey.intro(),
            "url": survey_url(token),
            "faces": faces,
            "question_text": question.text() if question else "",
            "for_clients": survey.for_clients,
            "closes_at": campaign.closes_at,
            "reminder": reminder,
            "site_url": settings.SITE_URL,
        }
        title = survey.title()
        subject = _("Reminder: %(title)s") % {"title": title} if reminder else title
        text = render_to_string("surveys/email/invitation.txt", context)
        html = render_to_string("surveys/email/invitation.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[invitation.email],
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
    )
    message.attach_alternative(html, "text/html")
    return message


def _is_transient(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, (smtplib.SMTPException, OSError))


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def send_queued(campaign_id: int) -> dict[str, int]:
    """Send every queued invitation of an open campaign over one SMTP connection.

    Returns {"sent": n, "failed": n}. Raises TransientSendError (after putting the
    invitation back in the queue) when the SMTP server asks to try later.
    """
    counts = {"sent": 0, "failed": 0}
    campaign = Campaign.objects.select_related("survey").filter(pk=campaign_id).first()
    if campaign is None or not campaign.is_open_for_answers():
        return counts
    queued = list(
        Invitation.objects.filter(campaign=campaign, status=InvitationStatus.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not queued:
        return counts
    # One SMTP connection for the whole batch (Django 6.1 mailers).
    connection = mailers.default
    try:
        for invitation_id in queued:
            now = timezone.now()
            claimed = Invitation.objects.filter(
                pk=invitation_id, status=InvitationStatus.QUEUED
            ).update(status=InvitationStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
            if not claimed:
                continue  # another task has it
            invitation = Invitation.objects.select_related(
                "campaign__survey", "contact", "technician"
            ).get(pk=invitation_id)
            invitation.campaign = campaign
            token = issue_token(invitation)
            message = build_message(invitation, token)
            try:
                # Opened once, on the first message; send_messages() would otherwise open
                # and close a connection for every message.
                connection.open()
                connection.send_messages([message])
            except Exception as exc:
                InvitationToken.objects.filter(invitation=invitation, created_at__gte=now).delete()
                if _is_transient(exc):
                    Invitation.objects.filter(
                        pk=invitation_id, status=InvitationStatus.SENDING
                    ).update(
                        status=InvitationStatus.QUEUED, claimed_at=None, failure_reason=_reason(exc)
                    )
                    logger.warning(
                        "survey.send_deferred campaign=%s invitation=%s error=%s",
                        campaign_id,
                        invitation_id,
                        type(exc).__name__,
                    )
                    raise TransientSendError(_reason(exc)) from exc
                Invitation.objects.filter(pk=invitation_id, status=InvitationStatus.SENDING).update(
                    status=InvitationStatus.FAILED, failure_reason=_reason(exc)
                )
                counts["failed"] += 1
                logger.warning(
                    "survey.send_failed campaign=%s invitation=%s error=%s",
                    campaign_id,
                    invitation_id,
                    type(exc).__name__,
                )
                continue
            Invitation.objects.filter(pk=invitation_id, status=InvitationStatus.SENDING).update(
                status=InvitationStatus.SENT, sent_at=timezone.now(), failure_reason=""
            )
            counts["sent"] += 1
    finally:
        # Closing a connection the server already dropped may fail; nothing to do then.
        with contextlib.suppress(Exception):
            connection.close()
        logger.info(
            "survey.send_batch campaign=%s queued=%s sent=%s failed=%s",
            campaign_id,
            len(queued),
            counts["sent"],
            counts["failed"],
        )
    return counts


def fail_remaining(campaign_id: int, reason: str) -> int:
    """After the last retry: mark what is still queued as failed, with the reason."""
    return Invitation.objects.filter(
        campaign_id=campaign_id, status=InvitationStatus.QUEUED
    ).update(status=InvitationStatus.FAILED, failure_reason=reason[:300])


def send_reminders(campaign_id: int) -> dict[str, int]:
    """Remind invitees who have not answered; at most the campaign's maximum (two).

    At most once as well: the reminder count is raised by a conditional UPDATE before the
    e-mail goes out; a transient SMTP error lowers it again and raises TransientSendError.
    """
    from .services import reminder_candidates

    counts = {"sent": 0, "failed": 0}
    campaign = Campaign.objects.select_related("survey").filter(pk=campaign_id).first()
    if campaign is None or not campaign.is_open_for_answers():
        return counts
    candidates = list(reminder_candidates(campaign).select_related("contact", "technician"))
    if not candidates:
        return counts
    # One SMTP connection for the whole batch (Django 6.1 mailers).
    connection = mailers.default
    try:
        for invitation in candidates:
            now = timezone.now()
            previous = invitation.reminders_sent, invitation.last_reminder_at
            claimed = Invitation.objects.filter(
                pk=invitation.pk,
                status=InvitationStatus.SENT,
                reminders_sent=invitation.reminders_sent,
            ).update(reminders_sent=F("reminders_sent") + 1, last_reminder_at=now)
            if not claimed:
                continue
            invitation.campaign = campaign
            token = issue_token(invitation)
            try:
                connection.open()  # once per batch, as above
                connection.send_messages([build_message(invitation, token, reminder=True)])
            except Exception as exc:
                InvitationToken.objects.filter(invitation=invitation, created_at__gte=now).delete()
                Invitation.objects.filter(pk=invitation.pk).update(
                    reminders_sent=previous[0], last_reminder_at=previous[1]
                )
                if _is_transient(exc):
                    raise TransientSendError(_reason(exc)) from exc
                counts["failed"] += 1
                continue
            counts["sent"] += 1
    finally:
        # Closing a connection the server already dropped may fail; nothing to do then.
        with contextlib.suppress(Exception):
            connection.close()
        logger.info(
            "survey.remind_batch campaign=%s candidates=%s sent=%s failed=%s",
            campaign_id,
            len(candidates),
            counts["sent"],
            counts["failed"],
        )
    return counts


def fail_stale_claims(now: datetime.datetime | None = None) -> int:
    """Invitations stuck in "sending" (their worker died mid-send) become failed rather
    than being sent again: see the module docstring."""
    now = now or timezone.now()
    return Invitation.objects.filter(
        status=InvitationStatus.SENDING, claimed_at__lt=now - SEND_CLAIM_TIMEOUT
    ).update(
        status=InvitationStatus.FAILED,
        failure_reason=(
            "Delivery uncertain: the sending worker stopped. Not re-sent automatically to "
            "avoid a duplicate; use 'Send again' if needed."
        ),
    )
