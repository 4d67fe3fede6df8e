"""Survey figures as plain functions.

The score formulas (``nps``, ``csat``, ``ces``) take plain numbers; the ``*_summary`` and
``*_by_*`` functions aggregate in the database and use the same formulas on the counts.
Every figure is ``None`` when nothing was answered: templates render ``None`` as "—".

Periods are half-open, ``[start, end)``, in the project's time zone (settings.TIME_ZONE).
This module is the interface the KPI dashboard calls; keep the signatures stable.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncQuarter, TruncWeek

from .models import (
    Answer,
    Invitation,
    InvitationStatus,
    Metric,
    PublishedFigure,
    PublishedQuarter,
    SurveyKind,
)

PROMOTER_MIN = 9  # NPS: 9 and 10 are promoters
DETRACTOR_MAX = 6  # NPS: 0 to 6 are detractors
CSAT_SATISFIED_MIN = 4  # CSAT: 4 and 5 count as satisfied

PERIODS = ("week", "month", "quarter")


# --- Formulas ------------------------------------------------------------------------


def nps_from_counts(promoters: int, detractors: int, total: int) -> float | None:
    """Net Promoter Score in percentage points (-100..100); None when total is 0."""
    if not total:
        return None
    return (promoters - detractors) * 100.0 / total


def csat_from_counts(satisfied: int, total: int) -> float | None:
    """Share of satisfied answers as a percentage (0..100); None when total is 0."""
    if not total:
        return None
    return satisfied * 100.0 / total


def rate(part: int, whole: int) -> float | None:
    """part / whole as a percentage (0..100); None when whole is 0."""
    if not whole:
        return None
    return part * 100.0 / whole


def nps(scores: Iterable[int]) -> float | None:
    """% promoters (9-10) minus % detractors (0-6) of 0..10 answers, in percentage points
    -100..100; None for no answers."""
    values = list(scores)
    promoters = sum(1 for v in values if v >= PROMOTER_MIN)
    detractors = sum(1 for v in values if v <= DETRACTOR_MAX)
    return nps_from_counts(promoters, detractors, len(values))


def csat(scores: Iterable[int]) -> float | None:
    """Percentage (0..100) of 1..5 answers that are 4 or 5; None for no answers."""
    values = list(scores)
    return csat_from_counts(sum(1 for v in values if v >= CSAT_SATISFIED_MIN), len(values))


def ces(scores: Iterable[int]) -> float | None:
    """Customer Effort Score: the mean of 1..7 answers; None for no answers."""
    values = list(scores)
    if not values:
        return None
    return sum(values) / len(values)


# --- Periods -------------------------------------------------------------------------


def project_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the project's time zone (aware)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=project_zone())


def period_start(day: datetime.date, period: str) -> datetime.date:
    if period == "week":
        return day - datetime.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    raise ValueError(f"period must be one of {PERIODS}, not {period!r}")


def next_period(day: datetime.date, period: str) -> datetime.date:
    if period == "week":
        return day + datetime.timedelta(days=7)
    months = 1 if period == "month" else 3
    month = day.month - 1 + months
    return datetime.date(day.year + month // 12, month % 12 + 1, 1)


def period_starts(start: datetime.date, end: datetime.date, period: str) -> list[datetime.date]:
    """The starts of all periods that overlap [start, end)."""
    if end <= start:
        return []
    starts = []
    current = period_start(start, period)
    while current < end:
        starts.append(current)
        current = next_period(current, period)
    return starts


def _trunc(period: str, field: str):
    zone = project_zone()
    functions = {"week": TruncWeek, "month": TruncMonth, "quarter": TruncQuarter}
    if period not in functions:
        raise ValueError(f"period must be one of {PERIODS}, not {period!r}")
    return functions[period](field, tzinfo=zone)


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(project_zone())
        return value.date()
    return value


# --- Client onboarding ---------------------------------------------------------------


def _client_answers(start, end, client_ids) -> QuerySet:
    answers = Answer.objects.filter(
        response__survey__kind=SurveyKind.CLIENT_ONBOARDING,
        response__submitted_at__gte=day_start(start),
        response__submitted_at__lt=day_start(end),
    )
    if client_ids is not None:
        answers = answers.filter(response__client_id__in=list(client_ids))
    return answers


def _client_invitations(start, end, client_ids) -> QuerySet:
    # Invited: client onboarding invitations first sent in the period. The response rate
    # is the share of those that were answered (whenever), so it never exceeds 100 %.
    invitations = Invitation.objects.filter(
        campaign__survey__kind=SurveyKind.CLIENT_ONBOARDING,
        sent_at__gte=day_start(start),
        sent_at__lt=day_start(end),
    )
    if client_ids is not None:
        invitations = invitations.filter(contact__client_id__in=list(client_ids))
    return invitations


_CLIENT_AGGREGATES = {
    "nps_n": Count("id", filter=Q(question__metric=Metric.NPS, value__isnull=False)),
    "nps_promoters": Count("id", filter=Q(question__metric=Metric.NPS, value__gte=PROMOTER_MIN)),
    "nps_detractors": Count("id", filter=Q(question__metric=Metric.NPS, value__lte=DETRACTOR_MAX)),
    "csat_n": Count("id", filter=Q(question__metric=Metric.CSAT, value__isnull=False)),
    "csat_satisfied": Count(
        "id", filter=Q(question__metric=Metric.CSAT, value__gte=CSAT_SATISFIED_MIN)
    ),
    "ces_avg": Avg("value", filter=Q(question__metric=Metric.CES)),
    "responses": Count("response", distinct=True),
}

_INVITATION_AGGREGATES = {
    "invited": Count("id"),
    "answered": Count("id", filter=Q(status=InvitationStatus.ANSWERED)),
}


def _client_figures(row: dict | None, invitations: dict | None) -> dict:
    row = row or {}
    invitations = invitations or {}
    invited = invitations.get("invited") or 0
    return {
        "nps": nps_from_counts(
            row.get("nps_promoters") or 0, row.get("nps_detractors") or 0, row.get("nps_n") or 0
        ),
        "csat": csat_from_counts(row.get("csat_satisfied") or 0, row.get("csat_n") or 0),
        "ces": float(row["ces_avg"]) if row.get("ces_avg") is not None else None,
        "responses": row.get("responses") or 0,
        "invited": invited,
        "response_rate": rate(invitations.get("answered") or 0, invited),
    }


def client_onboarding_summary(
    start: datetime.date, end: datetime.date, client_ids: Iterable[int] | None = None
) -> dict:
    """Client onboarding figures for responses submitted in [start, end).

    Returns {"nps": points -100..100 | None, "csat": % 0..100 | None, "ces": mean 1..7 |
    None, "responses": int, "invited": int (invitations sent in the period),
    "response_rate": % 0..100 of those invitations answered | None}. Two queries.
    """
    if client_ids is not None:
        client_ids = list(client_ids)
    row = _client_answers(start, end, client_ids).aggregate(**_CLIENT_AGGREGATES)
    invitations = _client_invitations(start, end, client_ids).aggregate(**_INVITATION_AGGREGATES)
    return _client_figures(row, invitations)


def client_onboarding_by_client(
    start: datetime.date, end: datetime.date, client_ids: Iterable[int] | None = None
) -> dict[int, dict]:
    """{client id: figures as in client_onboarding_summary} for every client with an
    invitation sent or a response submitted in the period. Two queries."""
    if client_ids is not None:
        client_ids = list(client_ids)
    rows = {
        row["response__client_id"]: row
        for row in _client_answers(start, end, client_ids)
        .values("response__client_id")
        .order_by()
        .annotate(**_CLIENT_AGGREGATES)
    }
    invitations = {
        row["contact__client_id"]: row
        for row in _client_invitations(start, end, client_ids)
        .values("contact__client_id")
        .order_by()
        .annotate(**_INVITATION_AGGREGATES)
    }
    ids = sorted({*rows, *invitations} - {None})
    return {cid: _client_figures(rows.get(cid), invitations.get(cid)) for cid in ids}


def client_onboarding_by_month(
    start: datetime.date, end: datetime.date, client_ids: Iterable[int] | None = None
) -> list[dict]:
    """One dict per month overlapping [start, end), oldest first: {"month": date (first of
    the month), plus the keys of client_onboarding_summary}. Months without data have
    None figures and zero counts. Two queries."""
    if client_ids is not None:
        client_ids = list(client_ids)
    rows = {
        _as_date(row["month"]): row
        for row in _client_answers(start, end, client_ids)
        .annotate(month=_trunc("month", "response__submitted_at"))
        .values("month")
        .order_by()
        .annotate(**_CLIENT_AGGREGATES)
    }
    invitations = {
        _as_date(row["month"]): row
        for row in _client_invitations(start, end, client_ids)
        .annotate(month=_trunc("month", "sent_at"))
        .values("month")
        .order_by()
        .annotate(**_INVITATION_AGGREGATES)
    }
    return [
        {"month": month, **_client_figures(rows.get(month), invitations.get(month))}
        for month in period_starts(start, end, "month")
    ]


# --- Technicians ---------------------------------------------------------------------


def _pulse_answers(start, end) -> QuerySet:
    # The pulse is named by design, so its live answers may be read. Answers to the
    # anonymous surveys are never read here: see the published quarters below.
    return Answer.objects.filter(
        response__survey__kind=SurveyKind.PULSE,
        question__metric=Metric.PULSE,
        value__isnull=False,
        response__submitted_at__gte=day_start(start),
        response__submitted_at__lt=day_start(end),
    )


def pulse_average(start: datetime.date, end: datetime.date) -> float | None:
    """Mean (1..5) of weekly pulse answers submitted in [start, end); None if none."""
    value = _pulse_answers(start, end).aggregate(avg=Avg("value"))["avg"]
    return float(value) if value is not None else None


def _by_period(answers: QuerySet, start, end, period: str) -> list[dict]:
    rows = {
        _as_date(row["p"]): row
        for row in answers.annotate(p=_trunc(period, "response__submitted_at"))
        .values("p")
        .order_by()
        .annotate(avg=Avg("value"), n=Count("response", distinct=True))
    }
    result = []
    for begin in period_starts(start, end, period):
        row = rows.get(begin) or {}
        average = row.get("avg")
        result.append(
            {
                "period_start": begin,
                "average": float(average) if average is not None else None,
                "responses": row.get("n") or 0,
            }
        )
    return result


def pulse_average_by_period(
    start: datetime.date, end: datetime.date, period: str = "month"
) -> list[dict]:
    """[{"period_start": date, "average": 1..5 | None, "responses": int}] for every week,
    month or quarter overlapping [start, end), oldest first. One query."""
    return _by_period(_pulse_answers(start, end), start, end, period)


def minimum_respondents() -> int:
    return max(1, int(getattr(settings, "SURVEY_MIN_AGGREGATE", 5)))


# Job satisfaction comes from the anonymous in-depth survey, so it is read from published
# quarters only (surveys.publication): never from live answers, never split by date.


def _published_job_satisfaction(start: datetime.date, end: datetime.date) -> dict:
    """{quarter start: PublishedFigure} of the published quarters overlapping [start, end)."""
    return {
        figure.publication.quarter: figure
        for figure in PublishedFigure.objects.filter(
            publication__outcome=PublishedQuarter.Outcome.PUBLISHED,
            publication__survey__kind=SurveyKind.IN_DEPTH,
            publication__quarter__gte=period_start(start, "quarter"),
            publication__quarter__lt=end,
            question__metric=Metric.JOB_SATISFACTION,
        ).select_related("publication")
    }


def job_satisfaction_average(start: datetime.date, end: datetime.date) -> float | None:
    """Mean (0..10) of overall job satisfaction over the published in-depth quarters
    overlapping [start, end), each quarter weighted by its number of people: the pool of
    figures already published, so it reveals nothing they do not. None when no such
    quarter has a published average. One query."""
    figures = [f for f in _published_job_satisfaction(start, end).values() if f.average is not None]
    people = sum(f.respondents for f in figures)
    if not people:
        return None
    return float(sum(f.average * f.respondents for f in figures) / people)


def job_satisfaction_by_period(
    start: datetime.date, end: datetime.date, period: str = "quarter"
) -> list[dict]:
    """[{"period_start": date, "average": 0..10 | None, "responses": int}] for every
    quarter overlapping [start, end), oldest first, from published quarters: "responses"
    is the number of people behind the published average, and both are None/0 for a
    quarter not (or never) published. Quarters only: that is how the figure is published.
    One query."""
    if period != "quarter":
        raise ValueError("job satisfaction is published per quarter only")
    figures = _published_job_satisfaction(start, end)
    result = []
    for begin in period_starts(start, end, "quarter"):
        figure = figures.get(begin)
        shown = figure is not None and figure.average is not None
        result.append(
            {
                "period_start": begin,
                "average": float(figure.average) if shown else None,
                "responses": figure.respondents if shown else 0,
            }
        )
    return result


__all__ = [
    "ces",
    "client_onboarding_by_client",
    "client_onboarding_by_month",
    "client_onboarding_summary",
    "csat",
    "job_satisfaction_average",
    "job_satisfaction_by_period",
    "nps",
    "pulse_average",
    "pulse_average_by_period",
]
