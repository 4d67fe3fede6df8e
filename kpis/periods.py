"""Reporting periods. Every period is half-open, [start, end), in local days."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

PRESETS = {
    "30d": _("Last 30 days"),
    "90d": _("Last 90 days"),
    "quarter": _("This quarter"),
    "year": _("Last 12 months"),
    "custom": _("Custom"),
}
DEFAULT_PRESET = "30d"


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # exclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - datetime.timedelta(days=self.days), self.start)

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day < self.end


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def quarter_start(day: datetime.date) -> datetime.date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def next_quarter(day: datetime.date) -> datetime.date:
    month = quarter_start(day).month + 3
    if month > 12:
        return datetime.date(day.year + 1, 1, 1)
    return datetime.date(day.year, month, 1)


def quarters(start: datetime.date, end: datetime.date) -> list[Period]:
    """Calendar quarters overlapping [start, end), whole quarters, oldest first."""
    result = []
    current = quarter_start(start)
    while current < end:
        following = next_quarter(current)
        result.append(Period(current, following))
        current = following
    return result


def years(start: datetime.date, end: datetime.date) -> list[Period]:
    result = []
    year = start.year
    while datetime.date(year, 1, 1) < end:
        result.append(Period(datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)))
        year += 1
    return result


def month_to_date(today: datetime.date) -> Period:
    """The alerting period: the calendar month of ``today`` up to and including today."""
    return Period(month_start(today), today + datetime.timedelta(days=1))


def preset_period(preset: str, today: datetime.date) -> Period:
    """The period a dashboard preset stands for; all end with today (inclusive)."""
    end = today + datetime.timedelta(days=1)
    if preset == "90d":
        return Period(end - datetime.timedelta(days=90), end)
    if preset == "quarter":
        return Period(quarter_start(today), end)
    if preset == "year":
        return Period(end - datetime.timedelta(days=365), end)
    return Period(end - datetime.timedelta(days=30), end)


def trend_window(period: Period, by: str, minimum_days: int) -> Period:
    """A period for a trend chart: at least ``minimum_days`` long, ending with ``period``,
    and starting on a whole week (Monday) or month so no bucket is cut short."""
    start = min(period.start, period.end - datetime.timedelta(days=minimum_days))
    if by == "week":
        start -= datetime.timedelta(days=start.weekday())
    else:
        start = month_start(start)
    return Period(start, period.end)
