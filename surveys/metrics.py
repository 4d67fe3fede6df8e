"""Survey figures as plain functions.

The client onboarding and pulse figures add up the daily sums and counts that
``surveys.rollups`` keeps (``SurveyDailyRollup``) and apply the formulas
(``nps_from_counts``, ``share``, ``mean``) to them: one query each, whatever the period.
The anonymous surveys' figures come from the published quarters only.
Every figure is ``None`` when nothing was answered: templates render ``None`` as "—".

Units, as everywhere the figures leave an app: shares (CSAT, response rate) 0..1, NPS in
points -100..100, averages on their own scales (CES 1..7, pulse 1..5, job satisfaction
0..10). Periods are ``core.periods.Period`` (half-open, local days).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Avg, Count, F, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncWeek

from core.periods import Period, local_day, moments_within, project_zone

from .models import (
    Answer,
    Metric,
    PublishedFigure,
    PublishedQuarter,
    SurveyDailyRollup,
    SurveyKind,
)

PROMOTER_MIN = 9  # NPS: 9 and 10 are promoters
DETRACTOR_MAX = 6  # NPS: 0 to 6 are detractors
CSAT_SATISFIED_MIN = 4  # CSAT: 4 and 5 count as satisfied

# --- Formulas ------------------------------------------------------------------------


def nps_from_counts(promoters: int, detractors: int, total: int) -> float | None:
    """Net Promoter Score in percentage points (-100..100); None when total is 0."""
    if not total:
        return None
    return (promoters - detractors) * 100.0 / total


def share(part: int, whole: int) -> float | None:
    """part / whole as a share 0..1; None when whole is 0."""
    if not whole:
        return None
    return part / whole


# --- Grouping ------------------------------------------------------------------------

_TRUNCATIONS = {"week": TruncWeek, "month": TruncMonth, "quarter": TruncQuarter}


def truncated(field: str, by: str):
    """``field`` (a moment) cut to the first local day of its week, month or quarter."""
    if by not in _TRUNCATIONS:
        raise ValueError(f"by must be one of {tuple(_TRUNCATIONS)}, not {by!r}")
    return _TRUNCATIONS[by](field, tzinfo=project_zone())


def grouped(rows: QuerySet, group, aggregates: dict) -> dict:
    """{group value: row with ``aggregates``} of ``rows`` grouped by the expression
    ``group``; truncated moments come back as local days. One query."""
    return {
        local_day(row["group"]): row
        for row in rows.annotate(group=group).values("group").order_by().annotate(**aggregates)
    }


def _of_clients(rows: QuerySet, client_field: str, client_ids: list[int] | None) -> QuerySet:
    if client_ids is None:
        return rows
    return rows.filter(**{f"{client_field}__in": client_ids})


# --- Daily figures (surveys.rollups) -------------------------------------------------


def day_truncated(by: str):
    """The rollups' ``day`` cut to the first day of its week, month or quarter."""
    if by not in _TRUNCATIONS:
        raise ValueError(f"by must be one of {tuple(_TRUNCATIONS)}, not {by!r}")
    return _TRUNCATIONS[by]("day")


def _daily(kind: str, period: Period, client_ids: Iterable[int] | None = None) -> QuerySet:
    """The daily rows of a named survey on the period's days (of these clients)."""
    rows = SurveyDailyRollup.objects.filter(kind=kind, day__gte=period.start, day__lt=period.end)
    return _of_clients(rows, "client_id", None if client_ids is None else list(client_ids))


def _sums(*names: str) -> dict:
    return {name: Sum(name, default=0) for name in names}


# --- Client onboarding ---------------------------------------------------------------

# Answer figures sit on the day a response was first submitted; "invited" counts the
# invitations first sent in the period and "answered" those of them answered (whenever),
# so the response rate never exceeds 1.
_CLIENT_SUMS = _sums(
    "invited",
    "answered",
    "responses",
    "nps_n",
    "nps_promoters",
    "nps_detractors",
    "csat_n",
    "csat_satisfied",
    "ces_sum",
    "ces_n",
)


def _client_figures(row: dict | None) -> dict:
    row = row or {}
    invited = row.get("invited", 0)
    return {
        "nps": nps_from_counts(
            row.get("nps_promoters", 0), row.get("nps_detractors", 0), row.get("nps_n", 0)
        ),
        "csat": share(row.get("csat_satisfied", 0), row.get("csat_n", 0)),
        "ces": share(row.get("ces_sum", 0), row.get("ces_n", 0)),
        "responses": row.get("responses", 0),
        "invited": invited,
        "response_rate": share(row.get("answered", 0), invited),
    }


def client_onboarding_summary(period: Period, client_ids: Iterable[int] | None = None) -> dict:
    """Client onboarding figures for responses submitted in the period.

    Returns {"nps": points -100..100 | None, "csat": share 0..1 | None, "ces": mean 1..7 |
    None, "responses": int, "invited": int (invitations sent in the period),
    "response_rate": share 0..1 of those invitations answered | None}. One query, on the
    daily rows.
    """
    rows = _daily(SurveyKind.CLIENT_ONBOARDING, period, client_ids)
    return _client_figures(rows.aggregate(**_CLIENT_SUMS))


def client_onboarding_by_client(
    period: Period, client_ids: Iterable[int] | None = None
) -> dict[int, dict]:
    """{client id: figures as in client_onboarding_summary} for every client with an
    invitation sent or a response submitted in the period. One query."""
    rows = grouped(
        _daily(SurveyKind.CLIENT_ONBOARDING, period, client_ids).exclude(client=None),
        F("client_id"),
        _CLIENT_SUMS,
    )
    return {cid: _client_figures(rows[cid]) for cid in sorted(rows)}


def client_onboarding_by_month(
    period: Period, client_ids: Iterable[int] | None = None
) -> list[dict]:
    """One dict per month overlapping the period, oldest first: {"month": date (first of
    the month), plus the keys of client_onboarding_summary}. Months without data have
    None figures and zero counts. One query."""
    rows = grouped(
        _daily(SurveyKind.CLIENT_ONBOARDING, period, client_ids),
        day_truncated("month"),
        _CLIENT_SUMS,
    )
    return [{"month": month, **_client_figures(rows.get(month))} for month in period.steps("month")]


# --- Technicians ---------------------------------------------------------------------


def pulse_answers() -> QuerySet:
    """The answers to the weekly pulse's scale question. The pulse is named by design, so
    its live answers may be read. Answers to the anonymous surveys are never read here:
    see the published quarters below."""
    return Answer.objects.filter(
        response__survey__kind=SurveyKind.PULSE, question__metric=Metric.PULSE, value__isnull=False
    )


def pulse_average(period: Period) -> float | None:
    """Mean (1..5) of weekly pulse answers submitted in the period; None if none. One
    query, on the daily rows."""
    row = _daily(SurveyKind.PULSE, period).aggregate(**_sums("pulse_sum", "pulse_n"))
    return share(row["pulse_sum"], row["pulse_n"])


def averages_by(
    answers: QuerySet, field: str, period: Period, by: str, responses=None
) -> list[dict]:
    """[{"period_start": date, "average": float | None, "responses": int}] of ``answers``
    for every week, month or quarter of ``field`` (a moment) overlapping the period, oldest
    first; ``responses`` counts distinct responses unless another count is given. One
    query."""
    rows = grouped(
        answers.filter(**moments_within(field, period)),
        truncated(field, by),
        {"avg": Avg("value"), "n": responses or Count("response", distinct=True)},
    )
    result = []
    for begin in period.steps(by):
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


def pulse_average_by_period(period: Period, by: str = "month") -> list[dict]:
    """[{"period_start": date, "average": 1..5 | None, "responses": int}] for every week,
    month or quarter overlapping the period, oldest first. One query, on the daily rows."""
    rows = grouped(
        _daily(SurveyKind.PULSE, period),
        day_truncated(by),
        _sums("pulse_sum", "pulse_n", "pulse_responses"),
    )
    result = []
    for begin in period.steps(by):
        row = rows.get(begin) or {}
        result.append(
            {
                "period_start": begin,
                "average": share(row.get("pulse_sum", 0), row.get("pulse_n", 0)),
                "responses": row.get("pulse_responses", 0),
            }
        )
    return result


def minimum_respondents() -> int:
    return max(1, int(getattr(settings, "SURVEY_MIN_AGGREGATE", 5)))


# Job satisfaction comes from the anonymous in-depth survey, so it is read from published
# quarters only (surveys.publication): never from live answers, never split by date.


def _published_job_satisfaction(period: Period) -> dict:
    """{quarter start: PublishedFigure} of the published quarters overlapping the period."""
    return {
        figure.publication.quarter: figure
        for figure in PublishedFigure.objects.filter(
            publication__outcome=PublishedQuarter.Outcome.PUBLISHED,
            publication__survey__kind=SurveyKind.IN_DEPTH,
            publication__quarter__gte=Period.of(period.start, "quarter").start,
            publication__quarter__lt=period.end,
            question__metric=Metric.JOB_SATISFACTION,
        ).select_related("publication")
    }


def job_satisfaction_average(period: Period) -> float | None:
    """Mean (0..10) of overall job satisfaction over the published in-depth quarters
    overlapping the period, each quarter weighted by its number of people: the pool of
    figures already published, so it reveals nothing they do not. None when no such
    quarter has a published average. One query."""
    figures = [f for f in _published_job_satisfaction(period).values() if f.average is not None]
    people = sum(f.respondents for f in figures)
    if not people:
        return None
    return float(sum(f.average * f.respondents for f in figures) / people)


def job_satisfaction_by_quarter(period: Period) -> list[dict]:
    """[{"period_start": date, "average": 0..10 | None, "responses": int}] for every
    quarter overlapping the period, oldest first, from published quarters: "responses"
    is the number of people behind the published average, and both are None/0 for a
    quarter not (or never) published. Quarters only: that is how the figure is published.
    One query."""
    figures = _published_job_satisfaction(period)
    result = []
    for begin in period.steps("quarter"):
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
