"""Scoring of the MSP maturity self-assessment, as published.

- An area's average is the sum of its (5) answers divided by their number (5).
- The overall score is the mean of the 4 area averages.
- The phase comes from half-open ranges on the unrounded score: [1, 2) Reaktiv,
  [2, 3) Stabil, [3, 4) Proaktiv, [4, 5] Skalierbar (the last range includes 5).

All arithmetic is exact (``fractions.Fraction``), so 1.95 is Reaktiv and 2.0 Stabil without
floating-point surprises; rounding to two decimals happens only for display.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Protocol

Number = int | Fraction | Decimal

TWO_PLACES = Decimal("0.01")


class PhaseLike(Protocol):
    min_score: Decimal
    max_score: Decimal


def _exact(value: Number) -> Fraction:
    return Fraction(value) if not isinstance(value, Fraction) else value


def area_average(answers: Sequence[Number]) -> Fraction:
    """Sum of an area's answers divided by their number (5 in the published questionnaire);
    a score on the 1..5 scale."""
    if not answers:
        raise ValueError("an area needs at least one answer")
    return sum((_exact(a) for a in answers), Fraction(0)) / len(answers)


def overall_score(area_averages: Sequence[Number]) -> Fraction:
    """Mean of the area averages; a score on the 1..5 scale."""
    if not area_averages:
        raise ValueError("the overall score needs at least one area")
    return sum((_exact(a) for a in area_averages), Fraction(0)) / len(area_averages)


def phase_for(score: Number, phases: Sequence[PhaseLike]):
    """The phase whose half-open range [min_score, max_score) holds the unrounded score;
    the last phase (in ascending order) also holds its max_score. Raises ValueError for a
    score outside all ranges."""
    exact = _exact(score)
    ordered = sorted(phases, key=lambda p: p.min_score)
    for index, phase in enumerate(ordered):
        low, high = Fraction(phase.min_score), Fraction(phase.max_score)
        is_last = index == len(ordered) - 1
        if low <= exact < high or (is_last and exact == high):
            return phase
    raise ValueError(f"score {float(exact):.4f} lies outside every phase range")


def next_phase(phase, phases: Sequence[PhaseLike]):
    """The phase above ``phase``, or None for the highest one."""
    ordered = sorted(phases, key=lambda p: p.min_score)
    position = ordered.index(phase)
    return ordered[position + 1] if position + 1 < len(ordered) else None


def display_score(score: Number, phase: PhaseLike | None = None) -> Decimal:
    """The score rounded to two decimals (half up) for display.

    A score just below a phase boundary (say 3.996, possible with a team's mean answers)
    would round up to the boundary (4.00) while its phase is still the lower one; the shown
    value is then capped one hundredth below the boundary so score and phase never disagree.
    """
    exact = _exact(score)
    shown = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        TWO_PLACES, rounding=ROUND_HALF_UP
    )
    if phase is not None and exact < Fraction(phase.max_score) and shown >= phase.max_score:
        shown = Decimal(phase.max_score) - TWO_PLACES
    return shown


# --- A whole result -----------------------------------------------------------------------


@dataclass
class StatementRow:
    statement: Any
    value: Fraction | None
    shown: Decimal | None = None
    values: list[int] = field(default_factory=list)


@dataclass
class AreaResult:
    area: Any
    average: Fraction
    shown: Decimal
    phase: Any
    tip: Any
    next_phase: Any
    next_tip: Any
    statements: list[StatementRow]
    # Team rounds: the lowest and highest member average of this area.
    spread_min: Decimal | None = None
    spread_max: Decimal | None = None


@dataclass
class Result:
    overall: Fraction
    shown: Decimal
    phase: Any
    next_phase: Any
    areas: list[AreaResult]


def score(
    areas: Iterable,
    phases: Sequence[PhaseLike],
    tips: Mapping[tuple[int, int], Any],
    answers: Mapping[int, Number],
) -> Result:
    """Score answers against a questionnaire's content.

    ``areas``: areas in order, each with ``statements`` (``area.statement_list``, a list);
    ``tips``: (area id, phase id) -> tip; ``answers``: statement id -> value (an int, or a
    Fraction for a team's mean answer). Every statement must have an answer.
    """
    area_results = []
    for area in areas:
        rows = []
        for statement in area.statement_list:
            if statement.pk not in answers:
                raise ValueError(f"statement {statement.key} has no answer")
            value = _exact(answers[statement.pk])
            rows.append(StatementRow(statement, value, display_score(value)))
        average = area_average([row.value for row in rows])
        phase = phase_for(average, phases)
        following = next_phase(phase, phases)
        area_results.append(
            AreaResult(
                area=area,
                average=average,
                shown=display_score(average, phase),
                phase=phase,
                tip=tips.get((area.pk, phase.pk)),
                next_phase=following,
                next_tip=tips.get((area.pk, following.pk)) if following else None,
                statements=rows,
            )
        )
    overall = overall_score([a.average for a in area_results])
    phase = phase_for(overall, phases)
    return Result(
        overall=overall,
        shown=display_score(overall, phase),
        phase=phase,
        next_phase=next_phase(phase, phases),
        areas=area_results,
    )
