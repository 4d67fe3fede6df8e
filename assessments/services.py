"""Loading a questionnaire version, storing assessments and computing results.

Scoring itself lives in ``assessments.scoring``; this module feeds it from the database
with a fixed, small number of queries.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from core import delivery
from core.periods import Period

from . import scoring
from .invitations import ROUND_INVITATIONS
from .models import (
    Answer,
    Area,
    Assessment,
    Phase,
    Questionnaire,
    RoundInvitation,
    Statement,
    TeamRound,
    Tip,
)


@dataclass
class Content:
    """Everything of one questionnaire version a page needs (5 queries)."""

    questionnaire: Questionnaire
    areas: list[Area]
    phases: list[Phase]
    tips: dict[tuple[int, int], Tip]
    scale: list

    @property
    def statements(self) -> list[Statement]:
        return [s for area in self.areas for s in area.statement_list]


def load_content(questionnaire: Questionnaire) -> Content:
    areas = list(
        questionnaire.areas.order_by("order").prefetch_related(
            Prefetch(
                "statements", queryset=Statement.objects.order_by("order"), to_attr="statement_list"
            )
        )
    )
    phases = list(questionnaire.phases.order_by("order"))
    tips = {
        (tip.area_id, tip.phase_id): tip
        for tip in Tip.objects.filter(area__questionnaire=questionnaire)
    }
    scale = list(questionnaire.scale_labels.order_by("value"))
    return Content(questionnaire, areas, phases, tips, scale)


def score_answers(content: Content, answers: dict[int, int | Fraction]) -> scoring.Result:
    return scoring.score(content.areas, content.phases, content.tips, answers)


def single_result(content: Content, answers: dict[int, int]) -> scoring.Result:
    """The result of one person's answers, each statement showing its one value."""
    result = score_answers(content, answers)
    for area in result.areas:
        for row in area.statements:
            row.values = [int(row.value)]
    return result


@transaction.atomic
def store_assessment(user, content: Content, answers: dict[int, int], team_round=None, when=None):
    """Store a complete, validated set of answers with the result it gives; returns the
    Assessment."""
    result = score_answers(content, answers)
    extra = {"created_at": when} if when else {}
    assessment = Assessment.objects.create(
        user=user,
        questionnaire=content.questionnaire,
        team_round=team_round,
        overall_score=result.shown,
        phase=result.phase,
        **extra,
    )
    Answer.objects.bulk_create(
        Answer(assessment=assessment, statement_id=statement_id, value=value)
        for statement_id, value in answers.items()
    )
    return assessment


def answers_of(assessment: Assessment) -> dict[int, int]:
    return dict(assessment.answers.values_list("statement_id", "value"))


def result_of(assessment: Assessment, content: Content | None = None) -> scoring.Result:
    """The result of a stored assessment, recomputed from its answers against the frozen
    questionnaire version it was answered with."""
    content = content or load_content(assessment.questionnaire)
    return single_result(content, answers_of(assessment))


# --- History ------------------------------------------------------------------------------


@dataclass
class HistoryPoint:
    assessment: Assessment
    overall: Decimal
    areas: dict[str, Decimal]  # area key -> average
    change: Decimal | None = None  # overall change since the previous assessment
    area_changes: dict[str, Decimal | None] | None = None


def history_for(assessments) -> list[HistoryPoint]:
    """Points in time order (oldest first) with per-area averages summed in the database
    (one query) and the change since the previous assessment."""
    assessments = list(assessments.select_related("phase").order_by("created_at", "pk"))
    sums = (
        Answer.objects.filter(assessment__in=[a.pk for a in assessments])
        .values("assessment_id", "statement__area__key")
        .annotate(total=Sum("value"), count=Count("id"))
    )
    per_assessment: dict[int, dict[str, Decimal]] = {}
    for row in sums:
        average = scoring.display_score(Fraction(row["total"], row["count"]))
        per_assessment.setdefault(row["assessment_id"], {})[row["statement__area__key"]] = average
    points = []
    previous = None
    for assessment in assessments:
        areas = per_assessment.get(assessment.pk, {})
        point = HistoryPoint(assessment, assessment.overall_score, areas)
        if previous is not None:
            point.change = assessment.overall_score - previous.overall
            point.area_changes = {
                key: (value - previous.areas[key]) if key in previous.areas else None
                for key, value in areas.items()
            }
        points.append(point)
        previous = point
    return points


# --- Team rounds ----------------------------------------------------------------------------


@dataclass
class RoundResult:
    result: scoring.Result | None
    answered: int
    invited: int


def _team_answers(team_round: TeamRound) -> tuple[dict[int, list[int]], dict[int, dict[int, int]]]:
    """The round's answers (one query): values per statement, and per submission its
    answer per statement."""
    per_statement: dict[int, list[int]] = {}
    per_member: dict[int, dict[int, int]] = {}
    answers = Answer.objects.filter(assessment__team_round=team_round).values_list(
        "assessment_id", "statement_id", "value"
    )
    for assessment_id, statement_id, value in answers:
        per_statement.setdefault(statement_id, []).append(value)
        per_member.setdefault(assessment_id, {})[statement_id] = value
    return per_statement, per_member


def _means(per_statement: dict[int, list[int]]) -> dict[int, Fraction]:
    return {sid: Fraction(sum(values), len(values)) for sid, values in per_statement.items()}


def round_result(team_round: TeamRound, content: Content | None = None) -> RoundResult:
    """The team's result: mean answer per statement over all submissions, scored like a
    single assessment; per area also the lowest and highest member average (the spread).
    ``result`` is None until someone has answered."""
    content = content or load_content(team_round.questionnaire)
    invited = team_round.members.count()
    per_statement, per_member = _team_answers(team_round)
    if not per_member:
        return RoundResult(None, 0, invited)
    result = score_answers(content, _means(per_statement))
    for area in result.areas:
        member_averages = [
            scoring.area_average([member[s.pk] for s in area.area.statement_list])
            for member in per_member.values()
        ]
        area.spread_min = scoring.display_score(min(member_averages))
        area.spread_max = scoring.display_score(max(member_averages))
        for row in area.statements:
            row.values = sorted(per_statement[row.statement.pk])
    return RoundResult(result, len(per_member), invited)


def round_phase(team_round: TeamRound) -> tuple[Phase | None, int]:
    """The phase of the team's result and how many answered, as ``round_result`` scores
    them, for the dashboard's tile: without the tips, the scale, the members and the
    spread that the round's page shows besides. Three queries (``round_result``: seven).
    (None, 0) until someone has answered."""
    per_statement, per_member = _team_answers(team_round)
    if not per_member:
        return None, 0
    areas: dict[int, tuple[Area, list[Statement]]] = {}
    statements = Statement.objects.filter(area__questionnaire_id=team_round.questionnaire_id)
    for statement in statements.select_related("area"):  # by area, then statement order
        areas.setdefault(statement.area_id, (statement.area, []))[1].append(statement)
    for area, area_statements in areas.values():
        area.statement_list = area_statements
    phases = list(Phase.objects.filter(questionnaire_id=team_round.questionnaire_id))
    result = scoring.score([area for area, _ in areas.values()], phases, {}, _means(per_statement))
    return result.phase, len(per_member)


def latest_closed_round(period: Period, today: datetime.date | None = None) -> TeamRound | None:
    """The company's current team round: of the rounds someone answered, the one that
    closed last on a day of ``period``; None when none did. A round closes on the local
    day it was closed by hand, else at the end of its closing date (so not before the
    day after it). One query."""
    today = today or timezone.localdate()
    answered = Assessment.objects.filter(team_round=OuterRef("pk"))
    return (
        TeamRound.objects.annotate(closed_on=Coalesce(TruncDate("closed_at"), F("closes_on")))
        .filter(Exists(answered), closed_on__gte=period.start, closed_on__lt=period.end)
        .filter(Q(closed_at__isnull=False) | Q(closes_on__lt=today))
        .select_related("questionnaire")
        .order_by("-closed_on", "-closed_at", "-created_at")
        .first()
    )


@transaction.atomic
def open_round(*, name: str, opened_by, members, closes_on: datetime.date | None = None):
    """Store the round with its members and invite each of them by e-mail."""
    questionnaire = Questionnaire.objects.current()
    team_round = TeamRound.objects.create(
        name=name, opened_by=opened_by, closes_on=closes_on, questionnaire=questionnaire
    )
    team_round.members.set(members)
    invite_members(team_round)
    return team_round


def invite_members(team_round: TeamRound) -> int:
    """One queued invitation e-mail for each member who has none yet (a member added
    later in the back office is invited too), sent after commit. Returns how many."""
    invited = set(team_round.invitations.values_list("member_id", flat=True))
    rows = RoundInvitation.objects.bulk_create(
        RoundInvitation(team_round=team_round, member=member, email=member.email)
        for member in team_round.members.exclude(pk__in=invited)
    )
    if rows:
        delivery.queue(ROUND_INVITATIONS, team_round.pk)
    return len(rows)


def invitation_states(team_round: TeamRound) -> list[dict]:
    """Each member with their invitation e-mail (None if they have none) and whether they
    answered, by name: what the round page shows a manager."""
    answered = set(team_round.submissions.values_list("user_id", flat=True))
    invitations = {row.member_id: row for row in team_round.invitations.all()}
    return [
        {
            "user": member,
            "answered": member.pk in answered,
            "invitation": invitations.get(member.pk),
        }
        for member in team_round.members.order_by("last_name", "username")
    ]


def resend_failed(team_round: TeamRound) -> int:
    """A manager's "send again" for the failed invitations of an open round."""
    if not team_round.is_open():
        return 0
    return delivery.requeue_failed(ROUND_INVITATIONS, team_round.pk)
