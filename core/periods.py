"""Reporting periods and the calendar arithmetic behind them, once for the whole product.

The one rule for ends: people choose and read the *last day* of a period (every filter
says "From" and "To (inclusive)"); in code a ``Period`` is half-open, ``[start, end)``,
with ``end`` the first day after it. ``Period.through(first, last)`` turns what a person
chose into a Period, ``last_day`` turns it back. Days are local days in the project's
time zone (settings.TIME_ZONE); ``day_start`` gives the moment a day begins there.

Calendar steps (``by``) are "day", "week" (Monday to Sunday), "month", "quarter" and
"year"; ``chart_step`` picks the one a chart of a period is drawn in.
"""

from __future__ import annotations

import datetime
import functools
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

STEPS = ("day", "week", "month", "quarter", "year")
_MONTHS = {"month": 1, "quarter": 3, "year": 12}

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
    end: datetime.date  # exclusive: the first day after the period

    @classmethod
    def through(cls, first: datetime.date, last: datetime.date) -> Period:
        """The period from ``first`` to ``last``, both days included (as people say it)."""
        return cls(first, last + datetime.timedelta(days=1))

    @classmethod
    def last_days(cls, days: int, today: datetime.date) -> Period:
        """The last ``days`` days up to and including ``today``."""
        return cls.through(today - datetime.timedelta(days=days - 1), today)

    @classmethod
    def of(cls, day: datetime.date, by: str) -> Period:
        """The calendar week, month, quarter or year that ``day`` lies in."""
        start = step_start(day, by)
        return cls(start, next_step(start, by))

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - datetime.timedelta(days=self.days), self.start)

    def steps(self, by: str) -> list[datetime.date]:
        """The first days of the calendar weeks (months, ...) overlapping this period,
        oldest first; the first may lie before ``start``."""
        starts = []
        current = step_start(self.start, by) if self.start < self.end else self.end
        while current < self.end:
            starts.append(current)
            current = next_step(current, by)
        return starts

    def split(self, by: str) -> list[Period]:
        """The whole calendar weeks (months, ...) overlapping this period, oldest first."""
        return [Period(start, next_step(start, by)) for start in self.steps(by)]


def step_start(day: datetime.date, by: str) -> datetime.date:
    """The first day of the week (Monday), month, quarter or year ``day`` lies in
    (``day`` itself for "day")."""
    if by == "day":
        return day
    if by == "week":
        return day - datetime.timedelta(days=day.weekday())
    if by not in _MONTHS:
        raise ValueError(f"by must be one of {STEPS}, not {by!r}")
    months = _MONTHS[by]
    return day.replace(month=(day.month - 1) // months * months + 1, day=1)


def next_step(day: datetime.date, by: str) -> datetime.date:
    """The first day of the week (month, ...) after the one ``day`` lies in."""
    start = step_start(day, by)
    if by == "day":
        return start + datetime.timedelta(days=1)
    if by == "week":
        return start + datetime.timedelta(days=7)
    month = start.month - 1 + _MONTHS[by]
    return datetime.date(start.year + month // 12, month % 12 + 1, 1)


def quarter_number(day: datetime.date) -> int:
    """1 to 4: the calendar quarter ``day`` lies in."""
    return (day.month - 1) // 3 + 1


def quarter_label(day: datetime.date) -> str:
    """The quarter ``day`` lies in, as every page and export names it: "2026 Q3"."""
    return f"{day.year} Q{quarter_number(day)}"


# Longest period drawn per day, per week; longer ones per month.
DAILY_UP_TO_DAYS = 14
WEEKLY_UP_TO_DAYS = 120


def chart_step(period: Period) -> str:
    """The bucket a chart of ``period`` is drawn in: "day" up to 14 days, "week" up to
    120 days (the default 30 days: 5 or 6 weekly points, 90 days: 13 or 14), else
    "month" (12 months: 12 or 13 points)."""
    if period.days <= DAILY_UP_TO_DAYS:
        return "day"
    if period.days <= WEEKLY_UP_TO_DAYS:
        return "week"
    return "month"


def month_to_date(today: datetime.date) -> Period:
    """The alerting period: the calendar month of ``today`` up to and including today."""
    return Period.through(step_start(today, "month"), today)


def preset_period(preset: str, today: datetime.date) -> Period:
    """The period a filter preset stands for; all end with today (inclusive)."""
    if preset == "quarter":
        return Period.through(step_start(today, "quarter"), today)
    return Period.last_days({"90d": 90, "year": 365}.get(preset, 30), today)


def trend_window(period: Period, by: str, minimum_days: int) -> Period:
    """A period for a trend chart: at least ``minimum_days`` long, ending with ``period``,
    and starting on a whole week (Monday) or month so no bucket is cut short."""
    start = min(period.start, period.end - datetime.timedelta(days=minimum_days))
    return Period(step_start(start, by), period.end)


# --- Days as moments -----------------------------------------------------------------


def project_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@functools.cache
def time_zone_names() -> frozenset[str]:
    """Every time zone the system knows, e.g. "Europe/Berlin" (its zone files read once)."""
    return frozenset(zoneinfo.available_timezones())


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    """The time zones as a form's choices, UTC first."""
    return [("UTC", "UTC"), *((n, n) for n in sorted(time_zone_names() - {"UTC", "localtime"}))]


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the project's time zone (aware)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=project_zone())


def local_day(value: datetime.date | datetime.datetime) -> datetime.date:
    """The local day of a moment (aware moments are converted to the project's zone);
    a date stays as it is. For the values of Trunc* annotations."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(project_zone())
        return value.date()
    return value


def moments_within(field: str, period: Period) -> dict:
    """Filter keyword arguments: the moments in ``field`` that fall on a day of ``period``."""
    return {f"{field}__gte": day_start(period.start), f"{field}__lt": day_start(period.end)}
