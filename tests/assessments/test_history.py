"""The history page: own results over time, the change, and the team for managers."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.assessments.factories import WORKED_EXAMPLE, store, uniform
from tests.helpers import make_user

HISTORY = "assessments:history"


def _at(days_ago: int):
    return timezone.now() - datetime.timedelta(days=days_ago)


def test_an_empty_history_invites_to_take_the_assessment(technician_client):
    response = technician_client.get(reverse(HISTORY))
    assert response.status_code == 200
    assert 'data-testid="history-empty"' in response.content.decode()


def test_the_history_shows_scores_over_time_and_the_change(manager_client, manager):
    store(manager, uniform(2), when=_at(200))
    store(
        manager, [[3, 3, 3, 3, 3], [3, 3, 3, 3, 2], [2, 2, 2, 2, 2], [2, 2, 2, 2, 2]], when=_at(100)
    )
    store(manager, WORKED_EXAMPLE, when=_at(1))
    html = manager_client.get(reverse(HISTORY)).content.decode()
    assert 'data-testid="latest-score">3,55<' in html
    # 2.45 -> 3.55: +1,10 since the previous assessment.
    assert "+1,10" in html
    assert "2,45" in html and "2,00" in html
    assert 'data-chart-spec="history-lines-spec"' in html


def test_a_user_sees_only_their_own_assessments(technician_client, technician_user, manager):
    store(manager, uniform(5), when=_at(5))
    store(technician_user, uniform(2), when=_at(3))
    html = technician_client.get(reverse(HISTORY)).content.decode()
    assert 'data-testid="latest-score">2,00<' in html
    assert "5,00" not in html
    assert 'data-testid="team-table"' not in html


def test_managers_also_see_the_team(manager_client, manager, technician_user):
    other = make_user("tech-b", "technician", first_name="Bea", last_name="Beispiel")
    store(technician_user, uniform(2), when=_at(100))
    store(technician_user, uniform(3), when=_at(10))
    store(other, uniform(4), when=_at(3))
    html = manager_client.get(reverse(HISTORY)).content.decode()
    assert 'data-testid="team-table"' in html
    assert "Tim Technik" in html and "Bea Beispiel" in html
    assert "+1,00" in html  # Tim: 2,00 -> 3,00
    assert 'data-chart-spec="team-lines-spec"' in html


def test_only_managers_open_a_members_history(client, manager, technician_user):
    store(technician_user, uniform(3), when=_at(3))
    url = reverse("assessments:member_history", args=[technician_user.pk])
    client.force_login(technician_user)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    response = client.get(url)
    assert response.status_code == 200
    assert "Tim Technik" in response.content.decode()


def test_round_answers_are_not_part_of_the_personal_history(
    technician_client, technician_user, manager
):
    from assessments.services import open_round

    team_round = open_round(name="R", opened_by=manager, members=[technician_user])
    store(technician_user, uniform(4), team_round=team_round)
    html = technician_client.get(reverse(HISTORY)).content.decode()
    assert 'data-testid="history-empty"' in html


@pytest.mark.parametrize("count", [2, 12])
def test_the_history_needs_a_bounded_number_of_queries(
    manager_client, manager, technician_user, count, django_assert_max_num_queries
):
    for index in range(count):
        store(manager, uniform(1 + index % 5), when=_at(10 * (count - index)))
        store(technician_user, uniform(1 + index % 5), when=_at(10 * (count - index)))
    # 16 for the history, plus at most 13 for the measured evidence (see the result test).
    with django_assert_max_num_queries(29):
        manager_client.get(reverse(HISTORY))
