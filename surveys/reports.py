"""The tables behind the results pages and their CSV exports.

Each report is a plain function returning rows; the page and the CSV share it, so what a
manager downloads is exactly what the page shows (including what it hides).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from core.periods import (
    Period,
    local_day,
    moments_within,
    quarter_label,
    step_start,
)
from organisation.models import Client, Technician

from . import metrics
from .models import (
    Answer,
    Campaign,
    Invitation,
    Metric,
    PublishedFigure,
    PublishedQuarter,
    Question,
    SurveyKind,
)

# --- Client satisfaction -------------------------------------------------------------------


@dataclass
class ClientReport:
    period: Period
    summary: dict
    by_client: list[dict]
    by_month: list[dict]
    comments: list[dict]


def client_report(period: Period, client_ids: list[int] | None = None) -> ClientReport:
    summary = metrics.client_onboarding_summary(period, client_ids)
    per_client = metrics.client_onboarding_by_client(period, client_ids)
    names = dict(Client.objects.filter(pk__in=per_client).values_list("pk", "name"))
    by_client = sorted(
        (
            {"client_id": cid, "client": names.get(cid, "?"), **row}
            for cid, row in per_client.items()
        ),
        key=lambda row: row["client"].lower(),
    )
    by_month = metrics.client_onboarding_by_month(period, client_ids)
    comments_qs = (
        Answer.objects.filter(
            response__survey__kind=SurveyKind.CLIENT_ONBOARDING,
            question__type=Question.Type.TEXT,
            **moments_within("response__submitted_at", period),
        )
        .exclude(text="")
        .order_by("-response__submitted_at")
        .values("text", "response__submitted_at", "response__client__name")
    )
    if client_ids is not None:
        comments_qs = comments_qs.filter(response__client_id__in=client_ids)
    comments = [
        {
            "submitted_at": row["response__submitted_at"],
            "client": row["response__client__name"] or "",
            "text": row["text"],
        }
        for row in comments_qs[:200]
    ]
    return ClientReport(period, summary, by_client, by_month, comments)


# --- Pulse ---------------------------------------------------------------------------------

LOW_PULSE = 2  # a latest answer of 1 or 2 asks for a check-in
DROP = 2  # so does a drop of two or more from the answer before
SILENT_WEEKS = 2  # and two pulses in a row without an answer


def check_in_reasons(series: list[int | None]) -> list[str]:
    """Why a manager should check in, from one technician's pulse answers in order
    (None = a pulse not answered). Returns a subset of ["low", "drop", "silent"]."""
    reasons = []
    answered = [v for v in series if v is not None]
    if answered and answered[-1] <= LOW_PULSE:
        reasons.append("low")
    if len(answered) >= 2 and answered[-2] - answered[-1] >= DROP:
        reasons.append("drop")
    if len(series) >= SILENT_WEEKS and all(v is None for v in series[-SILENT_WEEKS:]):
        reasons.append("silent")
    return reasons


@dataclass
class PulseReport:
    weeks: list[datetime.date]
    rows: list[dict]  # {"technician": Technician, "values": [int|None per week]}
    team: list[dict]  # {"week": date, "average": float|None, "responses": int}
    check_in: list[dict] = field(default_factory=list)


def _pulse_period(weeks: int, today: datetime.date) -> Period:
    """The last ``weeks`` calendar weeks up to the week of ``today``."""
    this_week = Period.of(today, "week")
    return Period(this_week.start - datetime.timedelta(days=7 * (weeks - 1)), this_week.end)


@dataclass
class PulseWeeks:
    """Each technician's pulses by the week of the pulse's start: the answer's value
    (answered pulses only), the invitation's status and when the pulse was sent."""

    values: dict[tuple[int, datetime.date], int]  # (technician id, week): value
    invited: dict[int, dict[datetime.date, str]]  # technician id: {week: status}
    sent_on: dict[int, dict[datetime.date, datetime.datetime]]  # technician id: {week: moment}


def pulse_weeks(shown: Period) -> PulseWeeks:
    """The pulses sent in ``shown`` (open or closed campaigns, to technicians) and their
    answers. Three queries at most: the rows carry their campaign, and each campaign's
    week and moment are read once (not converted row by row: a quarter has thousands of
    rows and a dozen pulses)."""
    invitations = Invitation.objects.filter(
        campaign__survey__kind=SurveyKind.PULSE,
        campaign__status__in=[Campaign.Status.OPEN, Campaign.Status.CLOSED],
        technician__isnull=False,
        **moments_within("campaign__send_at", shown),
    ).values_list("technician_id", "campaign_id", "status")
    answers = (
        metrics.pulse_answers()
        .filter(**moments_within("response__campaign__send_at", shown))
        .values_list("response__invitation__technician_id", "response__campaign_id", "value")
    )
    invitations, answers = list(invitations), list(answers)
    sent = {
        pk: (step_start(local_day(send_at), "week"), send_at)
        for pk, send_at in Campaign.objects.filter(
            pk__in={row[1] for row in invitations} | {row[1] for row in answers}
        )
        .order_by()
        .values_list("pk", "send_at")
    }
    # A campaign deleted since its rows were read took its rows along: they are skipped.
    values = {
        (technician_id, sent[pk][0]): value for technician_id, pk, value in answers if pk in sent
    }
    invited: dict[int, dict[datetime.date, str]] = defaultdict(dict)
    sent_on: dict[int, dict[datetime.date, datetime.datetime]] = defaultdict(dict)
    for technician_id, pk, status in invitations:
        if pk not in sent:
            continue
        week, send_at = sent[pk]
        invited[technician_id][week] = status
        sent_on[technician_id][week] = send_at
    return PulseWeeks(values, invited, sent_on)


def _settled() -> datetime.datetime:
    """A pulse counts as unanswered for the check-in only two days after it was sent."""
    return timezone.now() - datetime.timedelta(days=2)


def _series(pulses: PulseWeeks, week_starts, settled, pk: int) -> list[int | None]:
    """One technician's pulses in order for check_in_reasons: the answer, or None for a
    pulse not answered (only once settled)."""
    invited, sent_on = pulses.invited[pk], pulses.sent_on[pk]
    series = []
    for week in week_starts:
        if week not in invited:
            continue
        value = pulses.values.get((pk, week))
        if value is None and sent_on[week] > settled:
            continue
        series.append(value)
    return series


def _check_in(
    pulses: PulseWeeks, week_starts: list[datetime.date], today, technicians, settled
) -> list[dict]:
    """The check-in list: the ``technicians`` (in their order) whom check_in_reasons
    names from their pulses, except those who have left."""
    check_in = []
    for technician in technicians:
        series = _series(pulses, week_starts, settled, technician.pk)
        reasons = check_in_reasons(series)
        # Someone who has left needs no check-in; their weeks stay in the heatmap.
        if reasons and technician.is_employed_on(today):
            answered = [v for v in series if v is not None]
            check_in.append(
                {
                    "technician": technician,
                    "reasons": reasons,
                    "latest": answered[-1] if answered else None,
                    "previous": answered[-2] if len(answered) >= 2 else None,
                }
            )
    return check_in


def pulse_report(weeks: int = 12, today: datetime.date | None = None) -> PulseReport:
    """Heatmap (technician x week), team average per week and the check-in list over the
    last ``weeks`` weeks up to ``today``. Five queries at most."""
    today = today or timezone.localdate()
    shown = _pulse_period(weeks, today)
    week_starts = shown.steps("week")
    pulses = pulse_weeks(shown)
    technicians = list(Technician.objects.filter(pk__in=pulses.invited).order_by("name"))
    rows = [
        {
            "technician": technician,
            "values": [pulses.values.get((technician.pk, week)) for week in week_starts],
        }
        for technician in technicians
    ]
    # Weeks of the pulse's start (not of the answers): a late answer counts for its week.
    team = [
        {"week": row["period_start"], "average": row["average"], "responses": row["responses"]}
        for row in metrics.averages_by(
            metrics.pulse_answers(), "response__campaign__send_at", shown, "week", Count("id")
        )
    ]
    check_in = _check_in(pulses, week_starts, today, technicians, _settled())
    return PulseReport(week_starts, rows, team, check_in)


def pulse_check_in(weeks: int = 12, today: datetime.date | None = None) -> list[dict]:
    """pulse_report's check-in list alone, without the heatmap and the team averages (the
    attention page). Four queries at most (fewer when there is nothing to read)."""
    today = today or timezone.localdate()
    shown = _pulse_period(weeks, today)
    pulses, week_starts, settled = pulse_weeks(shown), shown.steps("week"), _settled()
    # Only the technicians with a reason are read (a few of a quarter's hundreds).
    named = [
        pk for pk in pulses.invited if check_in_reasons(_series(pulses, week_starts, settled, pk))
    ]
    technicians = Technician.objects.filter(pk__in=named).order_by("name")
    return _check_in(pulses, week_starts, today, technicians, settled)


def technician_pulse_history(technician: Technician, weeks: int = 26) -> list[dict]:
    """One technician's own pulse answers, newest first: {"week", "value", "comment"}."""
    since = timezone.now() - datetime.timedelta(weeks=weeks)
    answers = (
        Answer.objects.filter(
            response__invitation__technician=technician,
            response__survey__kind=SurveyKind.PULSE,
            response__campaign__send_at__gte=since,
        )
        .select_related("question", "response__campaign")
        .order_by("-response__campaign__send_at")
    )
    by_response: dict[int, dict] = {}
    for answer in answers:
        entry = by_response.setdefault(
            answer.response_id,
            {
                "week": timezone.localdate(answer.response.campaign.send_at),
                "value": None,
                "comment": "",
            },
        )
        if answer.question.metric == Metric.PULSE:
            entry["value"] = answer.value
        elif answer.text:
            entry["comment"] = answer.text
    return list(by_response.values())


# --- Anonymous surveys (in-depth, technician onboarding) -------------------------------------


@dataclass
class AggregateReport:
    kind: str
    # {"quarter": date, "label", "state": "published" | "withheld" | "pending",
    #  "respondents": int | None (published only), "shown": bool, "headline": float | None}
    quarters: list[dict]
    quarter: datetime.date | None
    state: str | None
    respondents: int
    shown: bool
    questions: list[dict]  # {"question", "average"|None, "answers": people|None}
    texts: list[dict]  # {"question", "texts": [str]} only when shown
    trend: list[dict]  # {"quarter", "label", "average"|None, "respondents"} of the headline
    minimum: int
    # For a pending quarter: whether it has ended, and how many campaigns are not closed.
    ended: bool = False
    unclosed: int = 0


PUBLISHED, WITHHELD, PENDING = "published", "withheld", "pending"
HEADLINE_KEYS = {
    SurveyKind.IN_DEPTH: "job_satisfaction",
    SurveyKind.TECHNICIAN_ONBOARDING: "overall_onboarding",
}


def _pending_quarters(kind: str, decided: set[datetime.date]) -> dict[datetime.date, int]:
    """{quarter: campaigns not closed} of the quarters with campaigns and no decision."""
    rows = (
        Campaign.objects.filter(survey__kind=kind, publication__isnull=True)
        .annotate(quarter=metrics.truncated("send_at", "quarter"))
        .values("quarter")
        .order_by()
        .annotate(unclosed=Count("id", filter=~Q(status=Campaign.Status.CLOSED)))
    )
    pending = {local_day(row["quarter"]): row["unclosed"] for row in rows}
    return {quarter: n for quarter, n in pending.items() if quarter not in decided}


def aggregate_report(kind: str, quarter: datetime.date | None = None) -> AggregateReport:
    """An anonymous survey per calendar quarter, from its published quarters only
    (surveys.publication): figures per question, the headline per quarter and the open
    answers, unattributed and sorted. Quarters still waiting for their decision, and
    quarters withheld because fewer than the minimum of people answered, are listed with
    their state and nothing else: no live answer is read here. Six queries at most.

    ``quarter`` selects a quarter; by default the latest published one (else the latest).
    """
    if kind not in HEADLINE_KEYS:
        raise ValueError(kind)
    decided = {p.quarter: p for p in PublishedQuarter.objects.of_kind(kind)}
    pending = _pending_quarters(kind, set(decided))
    headlines = dict(
        PublishedFigure.objects.filter(
            publication__survey__kind=kind, question__key=HEADLINE_KEYS[kind]
        ).values_list("publication__quarter", "average")
    )
    quarters = []
    for day in sorted({*decided, *pending}):
        publication = decided.get(day)
        state = PENDING if publication is None else publication.outcome
        shown = state == PUBLISHED
        headline = headlines.get(day) if shown else None
        quarters.append(
            {
                "quarter": day,
                "label": quarter_label(day),
                "state": state,
                "respondents": publication.respondents if shown else None,
                "shown": shown,
                "headline": float(headline) if headline is not None else None,
            }
        )
    if quarter is None and quarters:
        published = [q["quarter"] for q in quarters if q["shown"]]
        quarter = (published or [quarters[-1]["quarter"]])[-1]
    selected = next((q for q in quarters if q["quarter"] == quarter), None)
    shown = bool(selected and selected["shown"])
    question_rows, texts = [], []
    survey_questions = list(Question.objects.filter(survey__kind=kind).order_by("position", "id"))
    if selected:
        figures = {}
        grouped: dict[int, list[str]] = defaultdict(list)
        if shown:
            publication = decided[quarter]
            figures = {f.question_id: f for f in publication.figures.all()}
            for comment in publication.comments.all():
                grouped[comment.question_id].append(comment.text)
        for question in survey_questions:
            if question.is_scale:
                figure = figures.get(question.pk)
                question_rows.append(
                    {
                        "question": question,
                        "answers": (figure.respondents if figure else 0) if shown else None,
                        "average": float(figure.average)
                        if figure is not None and figure.average is not None
                        else None,
                    }
                )
            elif grouped.get(question.pk):
                texts.append({"question": question, "texts": grouped[question.pk]})
    trend = [
        {
            "quarter": q["quarter"],
            "label": q["label"],
            "average": q["headline"],
            "respondents": q["respondents"],
        }
        for q in quarters
    ]
    return AggregateReport(
        kind=kind,
        quarters=quarters,
        quarter=quarter,
        state=selected["state"] if selected else None,
        respondents=(selected["respondents"] or 0) if selected else 0,
        shown=shown,
        questions=question_rows,
        texts=texts,
        trend=trend,
        minimum=decided[quarter].minimum
        if selected and quarter in decided
        else metrics.minimum_respondents(),
        ended=bool(selected) and quarter < step_start(timezone.localdate(), "quarter"),
        unclosed=pending.get(quarter, 0) if selected else 0,
    )


def invitation_counts(campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """{campaign id: {status: count, "total": n}} in one query."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in (
        Invitation.objects.filter(campaign_id__in=campaign_ids)
        .values("campaign_id", "status")
        .order_by()
        .annotate(n=Count("id"))
    ):
        counts[row["campaign_id"]][row["status"]] = row["n"]
        counts[row["campaign_id"]]["total"] += row["n"]
    return counts
