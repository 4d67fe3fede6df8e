"""Turnover = leavers / average headcount, and the inflection point estimate."""

import datetime

import pytest

from core.periods import Period
from insights.turnover import (
    average_headcount,
    estimate_inflection,
    headcount,
    leavers,
    turnover_rate,
)

D = datetime.date
Q1 = Period(D(2026, 1, 1), D(2026, 4, 1))


def test_turnover_with_changing_headcount():
    team = [
        (D(2024, 1, 1), None),
        (D(2024, 1, 1), None),
        (D(2024, 1, 1), None),
        (D(2024, 1, 1), None),
        (D(2024, 1, 1), D(2026, 2, 15)),  # leaves in Q1
        (D(2025, 6, 1), D(2026, 3, 1)),  # leaves in Q1
        (D(2026, 2, 1), None),  # joins in Q1
        (D(2026, 3, 1), None),  # joins in Q1
    ]
    # 1 January: the first six are employed; 31 March: four veterans and two new.
    assert headcount(team, D(2026, 1, 1)) == 6
    assert headcount(team, D(2026, 3, 31)) == 6
    assert average_headcount(team, Q1) == 6
    assert leavers(team, Q1) == 2
    assert turnover_rate(team, Q1) == pytest.approx(2 / 6)


def test_a_growing_team_lowers_the_rate():
    team = (
        [(D(2024, 1, 1), None)] * 4
        + [(D(2024, 1, 1), D(2026, 3, 10))]
        + [(D(2026, 2, 1), None)] * 4
    )
    # start 5, end 8 -> average 6.5; one leaver
    assert average_headcount(team, Q1) == 6.5
    assert turnover_rate(team, Q1) == pytest.approx(1 / 6.5)


def test_a_leaver_counts_in_the_period_of_the_last_working_day():
    # leave_date is the first day no longer employed: leaving on 1 April means the last
    # working day was 31 March, so Q1 counts it and the headcount on 31 March includes it.
    team = [(D(2024, 1, 1), D(2026, 4, 1)), (D(2024, 1, 1), None)]
    assert leavers(team, Q1) == 1
    assert headcount(team, D(2026, 3, 31)) == 2
    assert leavers(team, Period(D(2026, 4, 1), D(2026, 7, 1))) == 0
    # leaving on 1 January: last day 31 December, the previous quarter
    assert leavers([(D(2024, 1, 1), D(2026, 1, 1))], Q1) == 0


def test_turnover_without_a_team_is_none():
    assert turnover_rate([], Q1) is None


def test_the_inflection_point_lies_where_turnover_rises():
    points = [(9.4, 0.02), (9.1, 0.03), (8.8, 0.04), (8.4, 0.12), (8.0, 0.15), (7.5, 0.2)]
    result = estimate_inflection(points)
    assert result.level == pytest.approx(8.6)  # between 8.4 and 8.8
    assert result.turnover_below == pytest.approx((0.12 + 0.15 + 0.2) / 3)
    assert result.turnover_above == pytest.approx(0.03)
    assert result.periods_used == 6


def test_too_few_periods_give_no_estimate():
    result = estimate_inflection([(9.0, 0.01), (7.0, 0.2), (8.0, 0.1)])
    assert result.level is None and result.reason == "too_few"


def test_no_estimate_when_turnover_does_not_rise_with_lower_satisfaction():
    result = estimate_inflection([(9.0, 0.2), (8.5, 0.1), (8.0, 0.05), (7.0, 0.01)])
    assert result.level is None and result.reason == "no_rise"
