"""Each KPI formula against hand-computed figures."""

import datetime

import pytest

from core.periods import Period
from insights.formatting import percent
from insights.templatetags.report_format import share
from kpis import metrics, rollups
from kpis.models import AlertState
from tests.kpis.conftest import make_client, ticket, tickets

JAN = Period(datetime.date(2026, 1, 1), datetime.date(2026, 2, 1))
YEAR = Period(datetime.date(2026, 1, 1), datetime.date(2027, 1, 1))


def test_escalation_share_is_escalated_over_all_tickets():
    assert metrics.escalation_share(3, 40) == pytest.approx(0.075)
    assert metrics.escalation_share(0, 12) == 0


def test_escalation_share_without_tickets_is_none_and_shows_a_dash():
    assert metrics.escalation_share(0, 0) is None
    assert share(None) == "—"
    assert percent(None) == "—"


@pytest.mark.parametrize(
    "tickets_, escalated, expected",
    [
        (100, 10, AlertState.BREACH),  # exactly at the 10 % threshold
        (100, 11, AlertState.BREACH),
        (100, 9, AlertState.WARNING),
        (100, 8, AlertState.WARNING),  # exactly at the warning level (80 % of 10 % = 8 %)
        (100, 7, AlertState.OK),
        (1000, 79, AlertState.OK),  # 7.9 % is just below the warning level
        (20, 2, AlertState.BREACH),  # the minimum ticket count is reached exactly
        (19, 10, AlertState.NOT_JUDGED),  # below the minimum, however bad
        (0, 0, AlertState.NOT_JUDGED),
    ],
)
def test_threshold_state_with_warning_level_and_minimum(tickets_, escalated, expected):
    assert metrics.threshold_state(tickets_, escalated, 0.10, 0.80, 20) == expected


def test_a_per_client_threshold_changes_the_judgement():
    assert metrics.threshold_state(100, 6, 0.10, 0.80, 20) == AlertState.OK
    assert metrics.threshold_state(100, 6, 0.06, 0.80, 20) == AlertState.BREACH
    assert metrics.threshold_state(100, 6, 0.07, 0.80, 20) == AlertState.WARNING


def test_day_89_is_early_support_and_days_90_and_91_are_ongoing(db):
    start = datetime.date(2026, 1, 1)
    client = make_client(start=start)
    day_89, day_90, day_91 = (start + datetime.timedelta(days=n) for n in (89, 90, 91))
    assert day_89 == datetime.date(2026, 3, 31)
    assert client.is_in_onboarding(day_89) and not client.is_in_onboarding(day_90)
    ticket(client, day_89, escalated=True)
    ticket(client, day_90)
    ticket(client, day_91, escalated=True)
    rollups.rebuild_all()
    summary = metrics.escalation_summary(metrics.totals(YEAR))
    assert summary["onboarding_tickets"] == 1
    assert summary["onboarding_escalated"] == 1
    assert summary["onboarding_share"] == 1.0
    assert summary["ongoing_tickets"] == 2
    assert summary["ongoing_escalated"] == 1
    assert summary["ongoing_share"] == 0.5
    assert summary["share"] == pytest.approx(2 / 3)


def test_escalations_per_client_compare_by_share(db):
    small, large = make_client("Small"), make_client("Large")
    tickets(small, datetime.date(2026, 1, 5), 10, escalated=2)
    tickets(large, datetime.date(2026, 1, 5), 200, escalated=10)
    rollups.rebuild_all()
    by_client = metrics.by_client(JAN)
    assert by_client[small.pk]["share"] == 0.2
    assert by_client[large.pk]["share"] == 0.05
    assert by_client[large.pk]["escalated"] > by_client[small.pk]["escalated"]


def test_escalations_per_week_and_month_include_empty_buckets(db):
    client = make_client()
    tickets(client, datetime.date(2026, 1, 5), 4, escalated=1)  # Monday of week 2
    tickets(client, datetime.date(2026, 1, 21), 5, escalated=0)
    rollups.rebuild_all()
    weeks = metrics.series(JAN, by="week")
    assert [w["start"] for w in weeks][:3] == [
        datetime.date(2025, 12, 29),
        datetime.date(2026, 1, 5),
        datetime.date(2026, 1, 12),
    ]
    by_start = {w["start"]: w for w in weeks}
    assert by_start[datetime.date(2026, 1, 5)]["share"] == 0.25
    assert by_start[datetime.date(2026, 1, 12)]["share"] is None
    assert by_start[datetime.date(2026, 1, 19)]["share"] == 0
    months = metrics.series(
        Period(datetime.date(2026, 1, 1), datetime.date(2026, 3, 1)), by="month"
    )
    assert [(m["start"].month, m["tickets"], m["escalated"]) for m in months] == [
        (1, 9, 1),
        (2, 0, 0),
    ]


def test_a_short_first_or_last_week_is_drawn_with_its_neighbour(db):
    # Sunday 1 Nov to Monday 30 Nov 2026: the calendar weeks start on 26 Oct (one day of
    # the period, the Sunday) and end with 30 Nov (one day, the Monday).
    period = Period(datetime.date(2026, 11, 1), datetime.date(2026, 12, 1))
    client = make_client()
    tickets(client, datetime.date(2026, 11, 1), 2, escalated=2)  # the lone Sunday
    tickets(client, datetime.date(2026, 11, 4), 8, escalated=0)
    tickets(client, datetime.date(2026, 11, 25), 3, escalated=0)
    tickets(client, datetime.date(2026, 11, 30), 1, escalated=1)  # the lone Monday
    rollups.rebuild_all()
    weeks = metrics.series(period, by="week")
    assert [w["start"].day for w in weeks] == [26, 2, 9, 16, 23, 30]
    assert weeks[0]["share"] == 1 and weeks[-1]["share"] == 1  # the spikes
    drawn = metrics.drawn_series(weeks, period, "week")
    assert [w["start"] for w in drawn] == [
        datetime.date(2026, 11, 1),
        datetime.date(2026, 11, 9),
        datetime.date(2026, 11, 16),
        datetime.date(2026, 11, 23),
    ]
    assert (drawn[0]["tickets"], drawn[0]["escalated"], drawn[0]["share"]) == (10, 2, 0.2)
    assert (drawn[-1]["tickets"], drawn[-1]["escalated"], drawn[-1]["share"]) == (4, 1, 0.25)
    assert drawn[0]["totals"]["ongoing_tickets"] == 10
    assert drawn[1]["share"] is None  # an empty week stays empty
    # Drawing is idempotent, and four days of a week are enough to stand alone.
    assert metrics.drawn_series(drawn, period, "week") == drawn
    thursday_on = Period(datetime.date(2026, 11, 5), datetime.date(2026, 12, 4))
    kept = metrics.drawn_series(metrics.series(thursday_on, by="week"), thursday_on, "week")
    assert [w["start"].day for w in kept] == [2, 9, 16, 23, 30]
    assert metrics.drawn_series(weeks, period, "day") == weeks


def test_proactive_shares(db):
    client = make_client()
    day = datetime.date(2026, 1, 7)
    ticket(client, day, source="monitoring", proactive=True, auto_remediated=True)
    ticket(client, day, source="monitoring", proactive=True)
    ticket(client, day, source="monitoring")
    ticket(client, day, source="monitoring")
    ticket(client, day, source="automation", proactive=True, auto_remediated=True)
    ticket(client, day, source="automation", auto_remediated=True)
    ticket(client, day, source="self_service")
    for _ in range(3):
        ticket(client, day, source="client")
    rollups.rebuild_all()
    shares = metrics.proactive_shares(metrics.totals(JAN))
    assert shares["tickets"] == 10
    assert shares["proactive"] == 3
    assert shares["proactive_share"] == 0.3
    assert shares["monitoring_automation_share"] == 0.6
    assert shares["auto_remediated_share"] == 0.3
    assert shares["self_service_share"] == 0.1


def test_proactive_shares_of_an_empty_month_are_none(db):
    shares = metrics.proactive_shares(metrics.totals(JAN))
    assert shares["proactive_share"] is None
    assert shares["self_service_share"] is None


def test_sla_attainment_per_priority_against_the_targets(db):
    # Targets from the data migration: critical 15 min / 4 h, medium 4 h / 24 h.
    client = make_client()
    day = datetime.date(2026, 1, 8)
    ticket(client, day, priority="critical", first_minutes=10, resolve_minutes=300)
    ticket(client, day, priority="critical", first_minutes=20, resolve_minutes=200)
    ticket(client, day, priority="medium", first_minutes=240, resolve_minutes=None)
    ticket(client, day, priority="medium", first_minutes=None, resolve_minutes=None)
    rollups.rebuild_all()
    sla = metrics.sla_attainment(metrics.totals(JAN))
    critical, medium = sla["by_priority"]["critical"], sla["by_priority"]["medium"]
    assert critical["first_response"] == 0.5 and critical["resolution"] == 0.5
    assert medium["first_response"] == 1.0  # exactly at the target counts as met
    assert medium["resolution"] is None  # nothing resolved yet: not measured
    assert sla["by_priority"]["low"]["first_response"] is None
    assert sla["first_response"] == pytest.approx(2 / 3)
    assert sla["resolution"] == 0.5
    assert sla["overall"] == pytest.approx(3 / 5)
    assert sla["measured"] == 5


def test_sla_attainment_without_tickets_is_none(db):
    assert metrics.sla_attainment(metrics.totals(JAN))["overall"] is None


def test_the_previous_period_has_the_same_length():
    period = Period(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    assert period.previous() == Period(datetime.date(2026, 1, 30), datetime.date(2026, 3, 1))
