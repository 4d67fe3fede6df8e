"""Technician turnover and this MSP's own satisfaction inflection point.

Turnover rate of a period [start, end) = leavers / average headcount, a fraction (0.25
means a quarter of the average team left). Definitions:

- headcount on a day: technicians hired on or before that day and not yet left
  (``leave_date`` is the first day no longer employed);
- average headcount: the mean of the headcount on the first day and on the last day of
  the period (the usual HR convention; with a mid-period hire it counts half);
- leavers: technicians whose last working day (``leave_date`` - 1 day) falls in the
  period, i.e. ``start < leave_date <= end``.

None when the average headcount is 0.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.periods import Period
from organisation.models import Technician

Employment = tuple[datetime.date, datetime.date | None]  # (hire date, leave date)


def employments() -> list[Employment]:
    """All technicians' (hire date, leave date); one query (a team, not a big table)."""
    return list(Technician.objects.values_list("hire_date", "leave_date"))


def headcount(rows: Iterable[Employment], day: datetime.date) -> int:
    return sum(1 for hire, leave in rows if hire <= day and (leave is None or leave > day))


def leavers(rows: Iterable[Employment], period: Period) -> int:
    return sum(
        1 for _hire, leave in rows if leave is not None and period.start < leave <= period.end
    )


def average_headcount(rows: Sequence[Employment], period: Period) -> float:
    return (headcount(rows, period.start) + headcount(rows, period.last_day)) / 2


def turnover_rate(rows: Sequence[Employment], period: Period) -> float | None:
    """Leavers / average headcount in the period (0..1+); None without a team."""
    average = average_headcount(rows, period)
    if not average:
        return None
    return leavers(rows, period) / average


def turnover_row(rows: Sequence[Employment], period: Period) -> dict:
    return {
        "headcount_start": headcount(rows, period.start),
        "headcount_end": headcount(rows, period.last_day),
        "average_headcount": average_headcount(rows, period),
        "leavers": leavers(rows, period),
        "rate": turnover_rate(rows, period),
    }


# --- Inflection point ------------------------------------------------------------------

MIN_PERIODS = 4  # with satisfaction and turnover both known
MIN_PER_SIDE = 2


@dataclass
class Inflection:
    """The satisfaction level below which this MSP's turnover rises.

    ``level`` is None when there are too few periods (``reason`` says why)."""

    level: float | None
    periods_used: int
    turnover_below: float | None = None
    turnover_above: float | None = None
    reason: str = ""


def estimate_inflection(points: Sequence[tuple[float, float]]) -> Inflection:
    """From (satisfaction, turnover rate) pairs of past periods, find the split of
    satisfaction that best separates high-turnover periods from low-turnover ones.

    Method (a one-split threshold search): sort the periods by satisfaction; for every
    cut between two neighbouring satisfaction values that leaves at least MIN_PER_SIDE
    periods on each side, compare the mean turnover below the cut with the mean above it.
    The cut with the largest rise (below minus above) wins, and the estimate is the
    midpoint between the two neighbouring satisfaction values. When turnover is not
    higher below any cut, there is no inflection point in the data.
    """
    points = sorted(points)
    if len(points) < MIN_PERIODS:
        return Inflection(None, len(points), reason="too_few")
    best = None
    for index in range(MIN_PER_SIDE, len(points) - MIN_PER_SIDE + 1):
        low, high = points[index - 1][0], points[index][0]
        if low == high:
            continue
        below = [rate for _s, rate in points[:index]]
        above = [rate for _s, rate in points[index:]]
        mean_below = sum(below) / len(below)
        mean_above = sum(above) / len(above)
        rise = mean_below - mean_above
        if best is None or rise > best[0]:
            best = (rise, (low + high) / 2, mean_below, mean_above)
    if best is None or best[0] <= 0:
        return Inflection(None, len(points), reason="no_rise")
    return Inflection(best[1], len(points), best[2], best[3])
