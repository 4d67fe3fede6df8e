"""Anonymous surveys are shown per calendar quarter, and each quarter is decided once.

The rule (docs/surveys-operations.md, "Anonymity"): answers to the in-depth and the
technician onboarding survey reach managers only as the figures of a *published*
quarter. A quarter (of the campaigns' start, in the project's time zone) is decided once
it has ended and every campaign started in it is closed: published when at least
settings.SURVEY_MIN_AGGREGATE distinct technicians answered, withheld otherwise. The
decision is stored with its figures and open answers (``PublishedQuarter``,
``PublishedFigure``, ``PublishedComment``) and never rewritten, so answers stored later,
campaigns moved between quarters, deleted technicians or a changed minimum cannot change
what a manager has seen, and no two views of one quarter can be differenced.

A manager-started campaign of an anonymous survey needs at least that many recipients
and cannot start in a quarter that has ended (``campaign_problems``).
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.periods import Period, day_start, local_day, moments_within

from . import metrics
from .models import (
    AGGREGATE_ONLY_KINDS,
    Answer,
    Campaign,
    PublishedComment,
    PublishedFigure,
    PublishedQuarter,
    Question,
    Survey,
)

logger = logging.getLogger("surveys.publication")

AVERAGE_PLACES = Decimal("0.000001")  # PublishedFigure.average keeps six decimals


def quarter_of(moment: datetime.datetime) -> datetime.date:
    """The first day of the quarter ``moment`` lies in, in the project's time zone."""
    return Period.of(local_day(moment), "quarter").start


def quarter_has_ended(quarter: datetime.date, now: datetime.datetime) -> bool:
    return day_start(Period.of(quarter, "quarter").end) <= now


def people_average(per_person: Iterable[tuple[int, int]]) -> Fraction | None:
    """The mean over people of each person's mean answer, exactly.

    ``per_person`` holds one (sum of their answers, number of their answers) per person,
    so a technician who answered five campaigns of a quarter weighs as much as one who
    answered one. None without people."""
    means = [Fraction(total, count) for total, count in per_person if count]
    if not means:
        return None
    return sum(means, Fraction(0)) / len(means)


def as_decimal(value: Fraction) -> Decimal:
    """``value`` rounded half-even to the six decimals a PublishedFigure stores."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(AVERAGE_PLACES)


@dataclass
class QuarterFigures:
    respondents: int  # distinct technicians with at least one answer
    # (question id, people who answered it, their people_average or None below the minimum)
    figures: list[tuple[int, int, Fraction | None]]
    comments: list[tuple[int, str]]  # (question id, text), in the order the page shows


def quarter_figures(campaign_ids: list[int], minimum: int) -> QuarterFigures:
    """The figures of the answers to ``campaign_ids``, counted per person. Three queries."""
    answers = Answer.objects.filter(
        response__campaign_id__in=campaign_ids,
        response__invitation__technician__isnull=False,
    ).filter(Q(value__isnull=False) | ~Q(text=""))
    person = "response__invitation__technician_id"
    respondents = answers.values(person).distinct().count()
    per_question: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row in (
        answers.filter(value__isnull=False)
        .values("question_id", person)
        .order_by()
        .annotate(total=Sum("value"), n=Count("id"))
    ):
        per_question[row["question_id"]].append((row["total"], row["n"]))
    figures = []
    for question_id in sorted(per_question):
        people = len(per_question[question_id])
        average = people_average(per_question[question_id]) if people >= minimum else None
        figures.append((question_id, people, average))
    # Sorted, never in the order they came in: that order could name their authors.
    comments = sorted(
        answers.filter(question__type=Question.Type.TEXT)
        .exclude(text="")
        .values_list("question_id", "text"),
        key=lambda row: (row[0], row[1].casefold(), row[1]),
    )
    return QuarterFigures(respondents, figures, comments)


def decide_quarter(
    survey: Survey, quarter: datetime.date, now: datetime.datetime | None = None
) -> PublishedQuarter | None:
    """Publish or withhold one quarter of an anonymous survey, once.

    Returns the new PublishedQuarter, or None when the quarter is not due (not ended, a
    campaign still scheduled or open) or was decided before, by this or a concurrent run.
    """
    now = now or timezone.now()
    if not quarter_has_ended(quarter, now):
        return None
    try:
        with transaction.atomic():
            if PublishedQuarter.objects.filter(survey=survey, quarter=quarter).exists():
                return None
            # Locked, so a campaign cannot change state under the decision.
            campaigns = list(
                Campaign.objects.select_for_update()
                .filter(
                    survey=survey,
                    publication__isnull=True,
                    **moments_within("send_at", Period.of(quarter, "quarter")),
                )
                .values_list("pk", "status")
            )
            if any(status != Campaign.Status.CLOSED for _pk, status in campaigns):
                return None
            ids = [pk for pk, _status in campaigns]
            minimum = metrics.minimum_respondents()
            figures = quarter_figures(ids, minimum)
            published = figures.respondents >= minimum
            publication = PublishedQuarter.objects.create(
                survey=survey,
                quarter=quarter,
                outcome=PublishedQuarter.Outcome.PUBLISHED
                if published
                else PublishedQuarter.Outcome.WITHHELD,
                respondents=figures.respondents,
                minimum=minimum,
                decided_at=now,
            )
            if published:
                PublishedFigure.objects.bulk_create(
                    PublishedFigure(
                        publication=publication,
                        question_id=question_id,
                        respondents=people,
                        average=as_decimal(average) if average is not None else None,
                    )
                    for question_id, people, average in figures.figures
                )
                PublishedComment.objects.bulk_create(
                    PublishedComment(
                        publication=publication, question_id=question_id, position=i, text=text
                    )
                    for i, (question_id, text) in enumerate(figures.comments, start=1)
                )
            Campaign.objects.filter(pk__in=ids).update(publication=publication)
    except IntegrityError:
        return None  # a concurrent run decided it first
    logger.info(
        "survey.quarter_decided survey=%s quarter=%s outcome=%s campaigns=%s",
        survey.kind,
        quarter.isoformat(),
        publication.outcome,
        len(ids),
    )
    return publication


def publish_due_quarters(now: datetime.datetime | None = None) -> dict[str, int]:
    """Decide every quarter of an anonymous survey that has ended and whose campaigns are
    all closed. Returns {"published": n, "withheld": m}. Safe to run twice or at once.

    A campaign added to a quarter after its decision (only possible outside the forms)
    stays outside it: its answers are never shown."""
    now = now or timezone.now()
    current = quarter_of(now)
    due = (
        Campaign.objects.filter(
            survey__kind__in=AGGREGATE_ONLY_KINDS,
            publication__isnull=True,
            send_at__lt=day_start(current),
        )
        .annotate(quarter=metrics.truncated("send_at", "quarter"))
        .values("survey_id", "quarter")
        .order_by("quarter", "survey_id")
        .annotate(unclosed=Count("id", filter=~Q(status=Campaign.Status.CLOSED)))
    )
    decided = set(PublishedQuarter.objects.values_list("survey_id", "quarter"))
    surveys = {s.pk: s for s in Survey.objects.filter(kind__in=AGGREGATE_ONLY_KINDS)}
    counts = {PublishedQuarter.Outcome.PUBLISHED: 0, PublishedQuarter.Outcome.WITHHELD: 0}
    for row in due:
        quarter = local_day(row["quarter"])
        if row["unclosed"] or (row["survey_id"], quarter) in decided:
            continue
        publication = decide_quarter(surveys[row["survey_id"]], quarter, now)
        if publication is not None:
            counts[publication.outcome] += 1
    return {str(outcome): n for outcome, n in counts.items()}


def campaign_problems(
    survey: Survey,
    recipients: int,
    send_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, str]:
    """Why a manager may not start this campaign: {form field: message}, empty when
    nothing stands in the way. Only anonymous surveys have rules here: at least
    settings.SURVEY_MIN_AGGREGATE recipients ("technicians"), and a start in a quarter
    that has not ended ("send_at"), because an ended quarter is decided once.

    The schedules' per-client onboarding campaigns may be smaller: they are only ever
    shown pooled into their quarter."""
    if not survey.aggregate_only:
        return {}
    now = now or timezone.now()
    problems = {}
    minimum = metrics.minimum_respondents()
    if recipients < minimum:
        problems["technicians"] = _(
            "An anonymous survey needs at least %(n)s recipients, so that no answer can be "
            "traced back to one person."
        ) % {"n": minimum}
    if send_at is not None and quarter_of(send_at) < quarter_of(now):
        problems["send_at"] = _(
            "An anonymous survey cannot start in a quarter that has ended: its figures are "
            "published once."
        )
    return problems
