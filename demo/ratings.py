"""Ticket ratings of the last 90 days for the demo organisation: the client tickets
resolved then, each contact asked at most once a week (the fatigue rule), most answered
with a face, a few with a comment; so the ratings list and ticket CSAT are not empty.
The bad answers have their feedback cases (the rule of ratings.cases): the recent ones
open, the older ones closed with what was done.

Written directly (as demo.surveys writes its history): invitations already sent, no
e-mail goes out. Idempotent: a second run finds the demo ratings and returns.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from core.periods import day_start
from kpis.models import Ticket
from ratings.cases import opens_case
from ratings.models import FeedbackCase, TicketRating
from ratings.services import campaign_key
from surveys.models import (
    Answer,
    Campaign,
    Invitation,
    InvitationStatus,
    Response,
    Survey,
    SurveyKind,
    SurveySettings,
)

DAYS = 90
# (face, share of the ratings): mostly good, a few neutral and bad, some unanswered; the
# clients served poorly (demo/kpis.py SLA_HIT_RATES) are less pleased.
FACES = [(5, 0.8), (3, 0.04), (1, 0.02), (None, 0.14)]
FACES_OF = {
    "DEMO-C002": [(5, 0.6), (3, 0.14), (1, 0.12), (None, 0.14)],
    "DEMO-C008": [(5, 0.6), (3, 0.14), (1, 0.12), (None, 0.14)],
    "DEMO-C006": [(5, 0.74), (3, 0.08), (1, 0.04), (None, 0.14)],
    "DEMO-C011": [(5, 0.74), (3, 0.08), (1, 0.04), (None, 0.14)],
}
COMMENTS = {
    5: ["Schnell und freundlich, danke!", "Super, alles funktioniert wieder."],
    3: ["Hat etwas gedauert."],
    1: ["Das Problem ist nach zwei Tagen wieder da.", "Niemand hat sich zurückgemeldet."],
}


# Cases opened within the last days are still open; older ones were closed.
CASE_OPEN_DAYS = 21
CASE_NOTES = [
    "Kunden angerufen, Ursache erklärt und Nachschulung vereinbart.",
    "Ticket wieder geöffnet und das Problem endgültig behoben.",
    "Mit dem Techniker besprochen; Rückmeldung per E-Mail an den Kunden.",
]


def _face(rng, faces) -> int | None:
    draw, total = rng.random(), 0.0
    for face, share in faces:
        total += share
        if draw < total:
            return face
    return None


def seed(org, rng, today: datetime.date, stdout) -> None:
    if TicketRating.objects.filter(ticket__external_id__startswith="DEMO-").exists():
        stdout.write("Ratings: demo ratings already present.")
        return
    survey = Survey.objects.get(kind=SurveyKind.TICKET_RATING)
    questions = {q.key: q for q in survey.questions.all()}
    config = SurveySettings.load()
    now = timezone.now()
    since = now - datetime.timedelta(days=DAYS)
    window = datetime.timedelta(days=config.rating_fatigue_days)
    delay = datetime.timedelta(minutes=config.rating_delay_minutes)
    last_asked: dict[int, datetime.datetime] = {}
    campaigns: dict[datetime.date, Campaign] = {}
    created = 0
    cases: list[FeedbackCase] = []
    tickets = (
        Ticket.objects.filter(
            external_id__startswith="DEMO-",
            source="client",
            requester__isnull=False,
            resolved_at__gte=since,
            resolved_at__lte=now - delay,
        )
        .select_related("requester", "client")
        .order_by("resolved_at", "pk")
    )
    for ticket in tickets:
        contact = ticket.requester
        sent_at = ticket.resolved_at + delay
        if contact.pk in last_asked and sent_at - last_asked[contact.pk] < window:
            continue
        last_asked[contact.pk] = sent_at
        day = timezone.localdate(sent_at)
        if day not in campaigns:
            closes_at = day_start(day + datetime.timedelta(days=1 + config.rating_open_days))
            closed = closes_at <= now
            campaigns[day] = Campaign.objects.create(
                survey=survey,
                name=f"{survey.title()} · {day.isoformat()}",
                status=Campaign.Status.CLOSED if closed else Campaign.Status.OPEN,
                send_at=day_start(day),
                started_at=day_start(day),
                closes_at=closes_at,
                closed_at=closes_at if closed else None,
                auto_key=campaign_key(day),
            )
        campaign = campaigns[day]
        face = _face(rng, FACES_OF.get(ticket.client.external_id, FACES))
        answered_at = sent_at + datetime.timedelta(minutes=rng.randrange(5, 600))
        if answered_at > now:
            face = None
        invitation = Invitation.objects.create(
            campaign=campaign,
            contact=contact,
            email=contact.email,
            language=contact.language,
            status=InvitationStatus.SENT if face is None else InvitationStatus.ANSWERED,
            sent_at=sent_at,
            answered_at=None if face is None else answered_at,
        )
        rating = TicketRating.objects.create(
            ticket=ticket,
            contact=contact,
            client_id=ticket.client_id,
            technician_id=ticket.technician_id,
            priority=ticket.priority,
            source=ticket.source,
            resolved_at=ticket.resolved_at,
            send_after=sent_at,
            status=TicketRating.Status.INVITED,
            invitation=invitation,
            invited_at=sent_at,
        )
        created += 1
        if face is None:
            continue
        response = Response.objects.create(
            invitation=invitation,
            survey=survey,
            campaign=campaign,
            client_id=ticket.client_id,
            submitted_at=answered_at,
            updated_at=answered_at,
        )
        answers = [Answer(response=response, question=questions["rating"], value=face)]
        text = ""
        if rng.random() < 0.35:
            text = rng.choice(COMMENTS[face])
            answers.append(Answer(response=response, question=questions["comment"], text=text))
            if face <= 3:
                answers.append(
                    Answer(response=response, question=questions["may_contact"], value=1)
                )
        Answer.objects.bulk_create(answers)
        if opens_case(face, text):
            cases.append(_case(rating, face, answered_at, now, rng))
    FeedbackCase.objects.bulk_create(cases)
    stdout.write(
        f"Ratings: {created} rated tickets of the last {DAYS} days, {len(cases)} feedback cases."
    )


def _case(rating, face, opened_at, now, rng) -> FeedbackCase:
    """The feedback case the answer opened (by the product's rule, ratings.cases): those
    older than CASE_OPEN_DAYS closed some hours later with what was done, the recent
    ones open."""
    case = FeedbackCase(
        rating=rating, client_id=rating.client_id, opening_face=face, face=face, opened_at=opened_at
    )
    if now - opened_at > datetime.timedelta(days=CASE_OPEN_DAYS):
        case.status = FeedbackCase.Status.CLOSED
        case.closed_at = opened_at + datetime.timedelta(hours=rng.randrange(2, 72))
        case.contacted = rng.random() < 0.8
        case.note = rng.choice(CASE_NOTES)
    return case
