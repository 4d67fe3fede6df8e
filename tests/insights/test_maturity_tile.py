"""The dashboard's maturity phase: the last team round closed in the period, never one
person's own self-assessment (insights.views.dashboard.maturity_figures,
assessments.services.latest_closed_round)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from assessments.models import TeamRound
from assessments.services import latest_closed_round, open_round
from core.periods import Period
from tests.assessments.factories import store, uniform
from tests.helpers import make_user

# The dashboard's default period: the 30 days up to today, 19 Feb to 20 Mar 2026.
NOW = datetime.datetime(2026, 3, 20, 11, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _tile(client):
    client.cookies["django_language"] = "en"
    response = client.get(reverse("insights:dashboard"))
    return next(t for t in response.context["tiles"] if t["key"] == "maturity")


def _answered_round(manager, answers, closed_at=None, closes_on=None, name="Spring"):
    """A round whose members answered ``answers`` (one uniform value each)."""
    members = [make_user(f"{name}-{n}", "technician") for n in range(len(answers))]
    team_round = open_round(name=name, opened_by=manager, members=members, closes_on=closes_on)
    for member, value in zip(members, answers, strict=True):
        store(member, uniform(value), team_round=team_round)
    if closed_at:
        TeamRound.objects.filter(pk=team_round.pk).update(closed_at=closed_at)
    return team_round


def test_a_personal_self_assessment_does_not_move_the_phase(manager_client, technician_user):
    store(technician_user, uniform(5))
    tile = _tile(manager_client)
    assert tile["value"] == "—"
    assert tile["url"] == reverse("assessments:round_create")
    assert tile["action"] == "Start a team round"
    html = manager_client.get(reverse("insights:dashboard")).content.decode()
    assert 'data-testid="action-maturity"' in html


def test_a_round_shows_the_phase_of_its_mean_score(manager_client, manager):
    # All 2 (Stable) and all 5 (Scalable): every statement's mean is 3.5, every area's
    # average 3.5, the overall score 3.5, which is Proactive [3, 4).
    team_round = _answered_round(
        manager, [2, 5], closed_at=datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC)
    )
    store(manager, uniform(1))  # later, on one's own: not the company's phase
    tile = _tile(manager_client)
    assert tile["value"] == "Proactive (Proaktiv)"
    assert tile["hint"] == "Spring, closed 10 Mar 2026 · 2 responses"
    assert tile["url"] == reverse("assessments:round_detail", args=[team_round.pk])


def test_a_round_closed_outside_the_period_is_not_used(manager_client, manager):
    _answered_round(manager, [4], closed_at=datetime.datetime(2026, 2, 10, tzinfo=datetime.UTC))
    assert _tile(manager_client)["value"] == "—"


def test_the_last_round_closed_in_the_period_wins(manager, db):
    _answered_round(manager, [2], closed_at=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC))
    later = _answered_round(manager, [4], closes_on=datetime.date(2026, 3, 5), name="Later")
    # Still open on its closing date: not closed yet.
    _answered_round(manager, [5], closes_on=datetime.date(2026, 3, 20), name="Open")
    # Closed, but nobody answered.
    open_round(name="Empty", opened_by=manager, members=[], closes_on=datetime.date(2026, 3, 9))
    period = Period.through(datetime.date(2026, 2, 19), datetime.date(2026, 3, 20))
    assert latest_closed_round(period) == later
    march_first = Period.through(datetime.date(2026, 3, 1), datetime.date(2026, 3, 1))
    assert latest_closed_round(march_first).name == "Spring"


def test_the_tile_keeps_its_queries_however_many_answered(
    manager_client, manager, django_assert_num_queries
):
    closed = datetime.datetime(2026, 3, 10, tzinfo=datetime.UTC)
    team_round = _answered_round(manager, [3], closed_at=closed)
    manager_client.get(reverse("insights:dashboard"))  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        manager_client.get(reverse("insights:dashboard"))
    more = [make_user(f"more-{n}", "technician") for n in range(4)]
    team_round.members.add(*more)
    for member in more:
        store(member, uniform(4), team_round=team_round)
    with django_assert_num_queries(len(one)):
        manager_client.get(reverse("insights:dashboard"))


def test_the_tile_reads_the_round_in_four_queries(manager, django_assert_num_queries):
    from insights.views.dashboard import maturity_figures

    period = Period.through(datetime.date(2026, 2, 19), datetime.date(2026, 3, 20))
    with django_assert_num_queries(1):
        assert maturity_figures(period)["value"] == "—"
    _answered_round(manager, [2, 5], closed_at=datetime.datetime(2026, 3, 10, tzinfo=datetime.UTC))
    # The round; its answers, statements and phases (the round.s page reads four more).
    with django_assert_num_queries(4):
        figures = maturity_figures(period)
    assert figures["hint"] == "Spring, closed 10 Mar 2026 · 2 responses"
    assert figures["value"] == "Proactive (Proaktiv)"
