"""Feedback cases: a bad rating followed up.

The rule (``opens_case``): a negative face (1 or 2 on the 1..5 scale every face is stored
on; with three faces the bad one, 1), or a neutral one (3) with a comment, opens a case,
once per rating. ``answered`` hears of every saved answer (``surveys.answers.answers_saved``,
sent inside ``surveys.services.save_response``'s transaction, the invitation row locked):

- no case yet and the answer opens one: the case is stored, each of the client's
  responsible staff (the managers when nobody is responsible, kpis.alerting) gets one
  e-mail through ``core.delivery`` (queued on commit, in the recipient's language), and the
  chat channels that receive feedback cases get a post (organisation.chat.notify);
- a case already: its ``face`` follows the rating; never a second case, never a second
  e-mail. A face changed to positive leaves the case open: the manager closes it.

The manager records what was done (note, contacted yes/no) and closes the case, or
reopens it (``close``, ``reopen``); time to close is closed_at − opened_at.
"""

from __future__ import annotations

import datetime
import functools
import logging
import statistics

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import delivery
from core.chat import ChatMessage
from core.mail import compose
from kpis.alerting import client_recipients
from organisation import chat
from organisation.models import ChatEvent

from .metrics import NEGATIVE_MAX, POSITIVE_MIN, face_kind
from .models import FeedbackCase, FeedbackCaseEmail, TicketRating
from .queries import cases_with_answers

logger = logging.getLogger("ratings.cases")


def opens_case(face: int | None, comment: str) -> bool:
    """Whether an answer opens a feedback case: a negative face (≤ 2 on 1..5), or a
    neutral one (3) with a comment that is not blank."""
    if face is None:
        return False
    if face <= NEGATIVE_MAX:
        return True
    return face < POSITIVE_MIN and bool(comment.strip())


def _face(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def answered(invitation_id: int, values: dict) -> FeedbackCase | None:
    """Open or update the case of the rating whose invitation was answered (see the
    module's docstring); returns the case, or None (no rating, or no case)."""
    rating = TicketRating.objects.select_related("case").filter(invitation_id=invitation_id).first()
    if rating is None:
        return None  # the answer of another survey
    face = _face(values.get("rating"))
    case = getattr(rating, "case", None)
    if case is not None:
        if face is not None and face != case.face:
            case.face = face
            case.save(update_fields=["face"])
        return case
    if not opens_case(face, str(values.get("comment") or "")):
        return None
    case = FeedbackCase.objects.create(
        rating=rating,
        client_id=rating.client_id,
        opening_face=face,
        face=face,
        opened_at=timezone.now(),
    )
    address(case)
    logger.info("ratings.case_opened case=%s rating=%s face=%s", case.pk, rating.pk, face)
    return case


def address(case: FeedbackCase) -> int:
    """Store one e-mail per recipient of ``case``, queue them on commit and post the case
    to the chat channels; returns how many e-mails."""
    users = {u.email.strip().lower(): u for u in client_recipients(case.client)}
    with transaction.atomic():
        chat.notify(
            ChatEvent.FEEDBACK_CASE,
            case.pk,
            functools.partial(chat_message, case.pk),
            raised_at=case.opened_at,
        )
        if not users:
            logger.warning("ratings.case_without_recipients case=%s", case.pk)
            return 0
        FeedbackCaseEmail.objects.bulk_create(
            [
                FeedbackCaseEmail(case=case, user=user, email=email)
                for email, user in sorted(users.items())
            ],
            ignore_conflicts=True,
        )
        delivery.queue(CASE_EMAILS.name, case.pk)
    return len(users)


def load(case_id: int) -> FeedbackCase | None:
    """The case with what its e-mail and chat post name: client, contact, ticket,
    technician, comment and "may we contact you?"."""
    return (
        cases_with_answers(FeedbackCase.objects.filter(pk=case_id))
        .select_related("client", "rating__ticket", "rating__contact", "rating__technician")
        .first()
    )


def case_url(case_id: int) -> str:
    return settings.SITE_URL + reverse("ratings:case_detail", args=[case_id])


def may_contact_text(value) -> str:
    return {1: _("yes"), 0: _("no")}.get(value, _("not answered"))


def face_text(face: int) -> str:
    """A face on the 1..5 scale in words, e.g. "2 of 5 (negative)"."""
    kind = {"positive": _("positive"), "negative": _("negative"), "neutral": _("neutral")}[
        face_kind(face)
    ]
    return _("%(face)s of 5 (%(kind)s)") % {"face": face, "kind": kind}


def facts(case: FeedbackCase) -> list[tuple[str, str]]:
    """What the e-mail and the chat post name, as (label, value), in the active language."""
    rating = case.rating
    return [
        (_("Client"), case.client.name),
        (_("Contact"), rating.contact.name),
        (_("Ticket"), f"{rating.ticket.external_id} · {rating.ticket.title}"),
        (_("Technician"), rating.technician.name if rating.technician else "—"),
        (_("Rating"), face_text(case.face)),
        (_("Comment"), case.comment or "—"),
        (_("May we contact you?"), may_contact_text(case.may_contact)),
    ]


def chat_message(case_id: int) -> ChatMessage:
    case = load(case_id)
    return ChatMessage(
        title=_("Feedback case: %(client)s") % {"client": case.client.name},
        facts=facts(case),
        link=case_url(case.pk),
        link_text=_("Open the feedback case"),
    )


class FeedbackCaseEmailKind(delivery.Kind):
    """The e-mail about a new case to each recipient; the batch is the case."""

    name = "ratings.feedback_case"
    model = FeedbackCaseEmail
    batch_field = "case"
    related = ("user__technician",)

    def load_batch(self, case_id: int):
        return load(case_id)

    def address(self, row):
        return row.user.email if row.user else row.email

    def addressee(self, row):
        return getattr(row.user, "technician", None)

    def language(self, case, row):
        """The recipient's own language (their technician record's), else the product's."""
        technician = getattr(row.user, "technician", None)
        return getattr(technician, "language", None) or settings.LANGUAGE_CODE

    def message(self, case, row, prepared):
        return compose(
            to=row.email,
            subject=_("Feedback case: %(client)s, ticket %(number)s")
            % {"client": case.client.name, "number": case.rating.ticket.external_id},
            template="ratings/email/feedback_case",
            context={"case": case, "facts": facts(case), "url": case_url(case.pk)},
        )

    def delivered(self, case_id, row_ids, now):
        FeedbackCase.objects.filter(pk=case_id, emailed_at__isnull=True).update(emailed_at=now)


CASE_EMAILS = delivery.register(FeedbackCaseEmailKind())


def close(case: FeedbackCase, user, note: str, contacted: bool | None) -> bool:
    """Record what was done and close the case (closed_at now, by ``user``); False when
    it was closed meanwhile (a second manager's close keeps the first's time)."""
    now = timezone.now()
    closed = FeedbackCase.objects.filter(pk=case.pk, status=FeedbackCase.Status.OPEN).update(
        note=note,
        contacted=contacted,
        status=FeedbackCase.Status.CLOSED,
        closed_at=now,
        closed_by=user,
    )
    if closed:
        case.note, case.contacted = note, contacted
        case.status, case.closed_at, case.closed_by = FeedbackCase.Status.CLOSED, now, user
    return bool(closed)


def record(case: FeedbackCase, note: str, contacted: bool | None) -> None:
    """Record what was done so far, leaving the case as it is."""
    case.note, case.contacted = note, contacted
    case.save(update_fields=["note", "contacted"])


def reopen(case: FeedbackCase) -> None:
    """Open a closed case again: its time to close counts from its opening once more."""
    case.status = FeedbackCase.Status.OPEN
    case.closed_at, case.closed_by = None, None
    case.save(update_fields=["status", "closed_at", "closed_by"])


def time_to_close(durations: list[datetime.timedelta]) -> dict:
    """{"median", "average"} of the times to close (closed_at − opened_at), in hours;
    None without a closed case."""
    if not durations:
        return {"median": None, "average": None}
    hours = [d.total_seconds() / 3600 for d in durations]
    return {"median": statistics.median(hours), "average": statistics.fmean(hours)}
