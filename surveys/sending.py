"""Build and send invitation e-mails, each invitation at most once.

Delivery guarantee: **at most once**, in chunks. A task claims a chunk of queued
invitations (SEND_CHUNK, settings.SURVEY_SEND_CHUNK, default 50) in one short transaction:
it locks them (``SELECT ... FOR UPDATE SKIP LOCKED``), moves them queued -> sending with a
claim timestamp and stores one link token per invitation (one bulk insert). It renders
the chunk, sends it over the batch's single SMTP connection, and marks the delivered ones
sent in one UPDATE. A second task for the same campaign skips locked rows and finds
nothing left to claim, so running the task twice sends nothing twice.

If a worker dies between claim and "sent", at most one chunk stays in "sending" (some of
it may have been delivered); the sweep marks it failed after SEND_CLAIM_TIMEOUT with a
reason ("delivery uncertain") instead of sending it again, because a duplicate survey
e-mail is worse than one a manager re-sends by hand ("send again" on the campaign page).
The rest of the campaign stays queued and is sent by the redelivered task (acks_late) or
the sweep.

A transient SMTP error (4xx, connection refused, timeout) in the middle of a chunk: the
invitations already delivered are marked sent, the one that failed goes back to "queued"
with the reason, the unsent rest of the chunk goes back to "queued" as if never claimed,
their tokens are dropped, and TransientSendError makes the task retry with backoff. A
permanent refusal of one recipient marks that invitation failed with the reason and the
chunk goes on.
"""

from __future__ import annotations

import contextlib
import datetime
import logging

from django.conf import settings
from django.core.mail import mailers
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from msp_maturity.mail import compose, is_transient_smtp_error

from .forms import FACES
from .models import Campaign, Invitation, InvitationStatus, InvitationToken, Metric
from .tokens import issue_token, issue_tokens

logger = logging.getLogger("surveys.sending")

SEND_CLAIM_TIMEOUT = datetime.timedelta(minutes=15)


def send_chunk_size() -> int:
    """How many invitations one claim takes (and at most how many are in doubt when a
    worker dies)."""
    return max(1, int(getattr(settings, "SURVEY_SEND_CHUNK", 50)))


class TransientSendError(Exception):
    """The SMTP server did not take the message this time; try again later."""


def survey_url(token: str, face: int | None = None) -> str:
    path = reverse("surveys:respond", kwargs={"token": token})
    url = f"{settings.SITE_URL}{path}"
    return f"{url}?face={face}" if face else url


_UNLOADED = object()


def pulse_question(survey):
    """The pulse's one question (None for other surveys); load it once per batch."""
    if not survey.is_pulse:
        return None
    return survey.questions.active().filter(metric=Metric.PULSE).first()


def build_message(invitation: Invitation, token: str, reminder: bool = False, question=_UNLOADED):
    """The e-mail (plain text + HTML) in the recipient's language with the personal link.

    ``question``: the survey's pulse question from pulse_question(), so a batch reads it
    once; read here when not given."""
    campaign = invitation.campaign
    survey = campaign.survey
    if question is _UNLOADED:
        question = pulse_question(survey)
    with translation.override(invitation.language or settings.LANGUAGE_CODE):
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
        return compose(
            to=invitation.email,
            subject=_("Reminder: %(title)s") % {"title": title} if reminder else title,
            template="surveys/email/invitation",
            context=context,
        )


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def _claim_chunk(campaign: Campaign, size: int) -> tuple[list[Invitation], dict]:
    """Claim up to ``size`` queued invitations and store a link token for each, in one
    transaction. Returns (the claimed invitations, {invitation id: IssuedToken})."""
    now = timezone.now()
    with transaction.atomic():
        chunk = list(
            Invitation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("contact", "technician")
            .filter(campaign=campaign, status=InvitationStatus.QUEUED)
            .order_by("pk")[:size]
        )
        if not chunk:
            return [], {}
        ids = [invitation.pk for invitation in chunk]
        claimed = Invitation.objects.filter(pk__in=ids, status=InvitationStatus.QUEUED).update(
            status=InvitationStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        if claimed != len(ids):
            # Only where rows cannot be locked (SQLite): another task took some first.
            mine = set(
                Invitation.objects.filter(
                    pk__in=ids, status=InvitationStatus.SENDING, claimed_at=now
                ).values_list("pk", flat=True)
            )
            chunk = [invitation for invitation in chunk if invitation.pk in mine]
        for invitation in chunk:
            invitation.campaign = campaign
            invitation.status = InvitationStatus.SENDING
            invitation.claimed_at = now
        tokens = issue_tokens(chunk)
    return chunk, tokens


class _Chunk:
    """What became of each claimed invitation while its chunk was sent."""

    def __init__(self, invitations: list[Invitation], tokens: dict):
        self.invitations, self.tokens = invitations, tokens
        self.sent: list[int] = []
        self.failed: dict[int, str] = {}  # refused for good: id -> reason
        self.deferred: tuple[int, str] | None = None  # transient error: (id, reason)
        self.in_flight: int | None = None  # handed to SMTP, no answer yet

    def settle(self) -> None:
        """Record the outcome: delivered -> sent (one UPDATE), refused -> failed with the
        reason, deferred -> queued with the reason, never tried -> queued as if not
        claimed. One still in flight (the worker is being stopped mid-send) stays in
        "sending" for the sweep: it may have been delivered. The tokens of the e-mails
        not delivered are dropped."""
        if self.sent:
            Invitation.objects.filter(pk__in=self.sent, status=InvitationStatus.SENDING).update(
                status=InvitationStatus.SENT, sent_at=timezone.now(), failure_reason=""
            )
        by_reason: dict[str, list[int]] = {}
        for pk, reason in self.failed.items():
            by_reason.setdefault(reason, []).append(pk)
        for reason, pks in by_reason.items():
            Invitation.objects.filter(pk__in=pks, status=InvitationStatus.SENDING).update(
                status=InvitationStatus.FAILED, failure_reason=reason
            )
        if self.deferred is not None:
            pk, reason = self.deferred
            Invitation.objects.filter(pk=pk, status=InvitationStatus.SENDING).update(
                status=InvitationStatus.QUEUED, claimed_at=None, failure_reason=reason
            )
        settled = {*self.sent, *self.failed, self.in_flight}
        if self.deferred is not None:
            settled.add(self.deferred[0])
        untried = [inv.pk for inv in self.invitations if inv.pk not in settled]
        if untried:
            Invitation.objects.filter(pk__in=untried, status=InvitationStatus.SENDING).update(
                status=InvitationStatus.QUEUED, claimed_at=None, attempts=F("attempts") - 1
            )
        dropped = [*self.failed, *untried]
        if self.deferred is not None:
            dropped.append(self.deferred[0])
        if dropped:
            InvitationToken.objects.filter(
                token_hash__in=[self.tokens[pk].hash for pk in dropped]
            ).delete()


def _send_chunk(connection, campaign: Campaign, chunk: _Chunk, question) -> None:
    for invitation in chunk.invitations:
        try:
            message = build_message(
                invitation, chunk.tokens[invitation.pk].url_token, question=question
            )
            # Opened once, on the first message; send_messages() would otherwise open and
            # close a connection for every message.
            connection.open()
            chunk.in_flight = invitation.pk
            connection.send_messages([message])
        except Exception as exc:
            chunk.in_flight = None
            if is_transient_smtp_error(exc):
                chunk.deferred = (invitation.pk, _reason(exc))
                logger.warning(
                    "survey.send_deferred campaign=%s invitation=%s error=%s",
                    campaign.pk,
                    invitation.pk,
                    type(exc).__name__,
                )
                return
            chunk.failed[invitation.pk] = _reason(exc)
            logger.warning(
                "survey.send_failed campaign=%s invitation=%s error=%s",
                campaign.pk,
                invitation.pk,
                type(exc).__name__,
            )
            continue
        chunk.in_flight = None
        chunk.sent.append(invitation.pk)


def send_queued(campaign_id: int) -> dict[str, int]:
    """Send every queued invitation of an open campaign over one SMTP connection, claimed
    and recorded a chunk at a time (see the module docstring).

    Returns {"sent": n, "failed": n}. Raises TransientSendError (after putting the failed
    invitation and the unsent rest of its chunk back in the queue) when the SMTP server
    asks to try later.
    """
    counts = {"sent": 0, "failed": 0}
    campaign = Campaign.objects.select_related("survey").filter(pk=campaign_id).first()
    if campaign is None or not campaign.is_open_for_answers():
        return counts
    question = pulse_question(campaign.survey)
    size = send_chunk_size()
    claimed = 0
    # One SMTP connection for the whole batch (Django 6.1 mailers).
    connection = mailers.default
    try:
        while True:
            chunk = _Chunk(*_claim_chunk(campaign, size))
            if not chunk.invitations:
                break
            claimed += len(chunk.invitations)
            try:
                _send_chunk(connection, campaign, chunk, question)
            finally:
                # Also when the worker is being stopped: what was delivered is recorded.
                chunk.settle()
                counts["sent"] += len(chunk.sent)
                counts["failed"] += len(chunk.failed)
            if chunk.deferred is not None:
                raise TransientSendError(chunk.deferred[1])
            if len(chunk.invitations) < size:
                break  # nothing left that another task has not locked
    finally:
        # Closing a connection the server already dropped may fail; nothing to do then.
        with contextlib.suppress(Exception):
            connection.close()
        logger.info(
            "survey.send_batch campaign=%s queued=%s sent=%s failed=%s",
            campaign_id,
            claimed,
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
                if is_transient_smtp_error(exc):
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
