"""One click on a face in an e-mail records the answer; a mail scanner's clicks do not.

A face link (``/surveys/r/<token>/?face=4``, the weekly pulse and the ticket rating) opened
with GET records nothing but the opening (``FaceOpening``) and shows a page whose own
static script (``static/js/one_click.js``) POSTs at once a nonce embedded in the page:
signed, bound to the invitation, the opening and the face, good for ``NONCE_MAX_AGE``
seconds and once. Without JavaScript the page's button sends the same form.

Mail security sandboxes open links and run scripts too, but they open every link of a
message: when a second face of the same e-mail is opened within ``WINDOW`` of another,
none of those openings records (one already recorded is undone) and the page asks the
person to choose with the full form. Both steps lock the invitation row, so an opening
and a click of the same e-mail are decided one after the other, never both "first".
"""

from __future__ import annotations

import datetime

from django.core import signing
from django.db import transaction
from django.utils import timezone

from .models import FaceOpening, Invitation, Metric, Question
from .services import current_values, save_response, withdraw_response

WINDOW = datetime.timedelta(minutes=2)
NONCE_MAX_AGE = 120  # seconds
SALT = "surveys.one-click"
# Questions answered by a face in the e-mail.
FACE_METRICS = (Metric.PULSE, Metric.TICKET_RATING)


class ClickRefused(Exception):
    """The click records nothing: ``reason`` is "invalid" (forged or for another link),
    "expired", "used" (a replay) or "ambiguous" (several faces opened)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def face_question(questions: list[Question]) -> Question | None:
    return next((q for q in questions if q.metric in FACE_METRICS), None)


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def nonce_for(opening: FaceOpening) -> str:
    return _signer().sign(f"{opening.invitation_id}.{opening.pk}.{opening.value}")


def _lock(invitation: Invitation) -> None:
    Invitation.objects.select_for_update().filter(pk=invitation.pk).values_list("pk").get()


def _others(opening: FaceOpening):
    """Openings of other faces of the same e-mail within WINDOW of ``opening``."""
    return FaceOpening.objects.filter(
        invitation_id=opening.invitation_id,
        opened_at__gte=opening.opened_at - WINDOW,
        opened_at__lte=opening.opened_at + WINDOW,
    ).exclude(value=opening.value)


def open_face(
    invitation: Invitation, value: int, question: Question, now: datetime.datetime | None = None
) -> tuple[FaceOpening, bool]:
    """Note that a face link was opened; returns (the opening, whether it is ambiguous:
    another face of the e-mail was opened within WINDOW). An ambiguous opening undoes
    what a click of those openings recorded, back to the answer stored before it."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock(invitation)
        opening = FaceOpening.objects.create(invitation=invitation, value=value, opened_at=now)
        others = list(_others(opening).order_by("opened_at"))
        if not others:
            return opening, False
        recorded = [other for other in others if other.recorded_at is not None]
        if recorded:
            previous = min(recorded, key=lambda other: other.recorded_at).previous
            if previous is None:
                withdraw_response(invitation)
            else:
                save_response(invitation, {**current_values(invitation), question.key: previous})
            FaceOpening.objects.filter(pk__in=[other.pk for other in recorded]).update(
                recorded_at=None
            )
    return opening, True


def record_click(
    invitation: Invitation,
    nonce: str,
    value: int,
    questions: list[Question],
    now: datetime.datetime | None = None,
):
    """Store the face ``value`` for the page's one POST, keeping the invitation's other
    answers; raises ClickRefused (nothing stored) or surveys.services.CampaignClosed.
    Returns the response."""
    now = now or timezone.now()
    question = face_question(questions)
    try:
        payload = _signer().unsign(nonce or "", max_age=NONCE_MAX_AGE)
    except signing.SignatureExpired:
        raise ClickRefused("expired") from None
    except signing.BadSignature:
        raise ClickRefused("invalid") from None
    invitation_id, opening_id, signed_value = payload.split(".")
    if question is None or int(invitation_id) != invitation.pk or int(signed_value) != value:
        raise ClickRefused("invalid")
    with transaction.atomic():
        _lock(invitation)
        opening = FaceOpening.objects.filter(
            pk=int(opening_id), invitation=invitation, value=value
        ).first()
        if opening is None:
            raise ClickRefused("invalid")
        if not FaceOpening.objects.filter(pk=opening.pk, used_at__isnull=True).update(used_at=now):
            raise ClickRefused("used")
        if _others(opening).exists():
            raise ClickRefused("ambiguous")
        stored = current_values(invitation)
        response = save_response(invitation, {**stored, question.key: value}, questions)
        FaceOpening.objects.filter(pk=opening.pk).update(
            recorded_at=now, previous=stored.get(question.key)
        )
    return response


def forget_old_openings(now: datetime.datetime | None = None) -> int:
    """Delete openings older than a day (only the last WINDOW matters); returns how many."""
    now = now or timezone.now()
    deleted, _ = FaceOpening.objects.filter(opened_at__lt=now - datetime.timedelta(days=1)).delete()
    return deleted
