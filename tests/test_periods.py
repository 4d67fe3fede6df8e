"""core.periods: one Period (half-open inside, inclusive last day for people) and the
calendar steps; core.units: shares shown in percent exactly as before."""

import datetime

import pytest

from core.periods import Period, month_to_date, preset_period, quarter_label, trend_window
from core.units import as_percent

D = datetime.date


def test_a_period_through_a_last_day_ends_the_day_after():
    period = Period.through(D(2026, 3, 1), D(2026, 3, 31))
    assert period == Period(D(2026, 3, 1), D(2026, 4, 1))
    assert period.last_day == D(2026, 3, 31) and period.days == 31
    assert period.previous() == Period(D(2026, 1, 29), D(2026, 3, 1))


def test_steps_cover_the_half_open_range():
    assert Period(D(2026, 1, 15), D(2026, 4, 1)).steps("month") == [
        D(2026, 1, 1),
        D(2026, 2, 1),
        D(2026, 3, 1),
    ]
    assert Period(D(2025, 11, 20), D(2026, 2, 1)).steps("quarter") == [
        D(2025, 10, 1),
        D(2026, 1, 1),
    ]
    assert Period(D(2026, 11, 18), D(2026, 11, 30)).steps("week") == [
        D(2026, 11, 16),
        D(2026, 11, 23),
    ]
    assert Period(D(2025, 12, 31), D(2026, 1, 2)).steps("year") == [D(2025, 1, 1), D(2026, 1, 1)]
    assert Period(D(2026, 1, 1), D(2026, 1, 1)).steps("month") == []
    # charts of short periods are drawn per day (core.periods.chart_step)
    assert Period(D(2026, 2, 28), D(2026, 3, 2)).steps("day") == [D(2026, 2, 28), D(2026, 3, 1)]
    with pytest.raises(ValueError):
        Period(D(2026, 1, 1), D(2026, 2, 1)).steps("fortnight")


def test_split_gives_whole_calendar_periods():
    assert Period(D(2026, 11, 18), D(2027, 1, 5)).split("quarter") == [
        Period(D(2026, 10, 1), D(2027, 1, 1)),
        Period(D(2027, 1, 1), D(2027, 4, 1)),
    ]
    assert Period.of(D(2026, 12, 31), "month") == Period(D(2026, 12, 1), D(2027, 1, 1))


def test_quarters_have_one_label():
    assert quarter_label(D(2026, 7, 1)) == "2026 Q3"
    assert quarter_label(D(2026, 12, 31)) == "2026 Q4"


def test_presets_and_the_alerting_month_end_with_today():
    today = D(2026, 3, 20)
    assert preset_period("30d", today) == Period.through(D(2026, 2, 19), today)
    assert preset_period("90d", today).days == 90
    assert preset_period("quarter", today) == Period.through(D(2026, 1, 1), today)
    assert preset_period("year", today).days == 365
    assert month_to_date(today) == Period.through(D(2026, 3, 1), today)


def test_a_trend_window_starts_on_a_whole_week_or_month():
    period = Period.through(D(2026, 3, 1), D(2026, 3, 20))
    assert trend_window(period, "month", 182) == Period(D(2025, 9, 1), period.end)
    assert trend_window(period, "week", 7).start == D(2026, 2, 23)  # a Monday


@pytest.mark.parametrize("whole", [3, 7, 8, 400, 800, 2000])
def test_a_share_in_percent_rounds_as_part_times_100_over_whole(whole):
    for part in range(whole + 1):
        before = part * 100.0 / whole
        after = as_percent(part / whole)
        for digits in (0, 1, 2):
            assert f"{after:.{digits}f}" == f"{before:.{digits}f}"
    assert as_percent(None) is None


def test_the_last_days_end_with_today_and_count_it():
    today = datetime.date(2028, 3, 1)
    assert Period.last_days(1, today) == Period(today, datetime.date(2028, 3, 2))
    # 29 February counts: the last 30 days up to 1 March 2028 are February's 29 and today
    last_30 = Period.last_days(30, today)
    assert last_30.start == datetime.date(2028, 2, 1)
    assert last_30.days == 30
