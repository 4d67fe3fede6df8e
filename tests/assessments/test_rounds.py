"""Team rounds: who may see what, one submission per member, the mean and the spread."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, TeamRound
from assessments.services import open_round, round_phase, round_result
from tests.assessments.factories import WORKED_EXAMPLE, post_data, store, uniform
from tests.helpers import make_user, with_form_token


@pytest.fixture
def team_round(manager, technician_user, other_technician_user):
    return open_round(
        name="Herbst 2026",
        opened_by=manager,
        members=[technician_user, other_technician_user],
        closes_on=timezone.localdate() + datetime.timedelta(days=7),
    )


def detail(team_round):
    return reverse("assessments:round_detail", args=[team_round.pk])


def answer(team_round):
    return reverse("assessments:round_answer", args=[team_round.pk])


def test_a_manager_opens_a_round_and_invites_members(
    manager_client, technician_user, other_technician_user, outsider
):
    form = manager_client.get(reverse("assessments:round_create")).content.decode()
    assert "Tim Technik" in form and "Tara Technik" in form
    assert "outsider" not in form  # only technicians and managers can be invited
    response = manager_client.post(
        reverse("assessments:round_create"),
        with_form_token(
            {
                "name": "Q4",
                "closes_on": "",
                "members": [technician_user.pk, other_technician_user.pk],
            }
        ),
    )
    team_round = TeamRound.objects.get()
    assert response["Location"] == detail(team_round)
    assert set(team_round.members.all()) == {technician_user, other_technician_user}
    assert team_round.is_open()


def test_a_round_needs_members_and_no_past_closing_date(manager_client, outsider):
    response = manager_client.post(
        reverse("assessments:round_create"),
        with_form_token({"name": "Q4", "closes_on": "2000-01-01", "members": [outsider.pk]}),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert TeamRound.objects.count() == 0
    assert 'value="Q4"' in html
    assert "invalid-feedback" in html


def test_technicians_cannot_open_rounds(technician_client):
    assert technician_client.get(reverse("assessments:round_create")).status_code == 403


def test_a_non_member_cannot_see_a_round(client, team_round):
    client.force_login(make_user("tech-c", "technician"))
    assert client.get(detail(team_round)).status_code == 404
    assert client.get(answer(team_round)).status_code == 404
    assert client.post(answer(team_round), post_data(WORKED_EXAMPLE)).status_code == 404
    assert Assessment.objects.count() == 0


def test_a_member_sees_the_result_only_after_answering(
    technician_client, technician_user, team_round, other_technician_user
):
    store(other_technician_user, uniform(2), team_round=team_round)
    before = technician_client.get(detail(team_round)).content.decode()
    assert 'data-testid="round-result-hidden"' in before
    assert 'data-testid="round-score"' not in before

    response = technician_client.post(answer(team_round), post_data(WORKED_EXAMPLE))
    assert response["Location"] == detail(team_round)
    after = technician_client.get(detail(team_round)).content.decode()
    assert 'data-testid="round-score"' in after
    assert "2 von 2" in after
    assert 'data-testid="my-round-answers"' in after
    # Member lists are for managers only.
    assert 'data-testid="round-members"' not in after


def test_one_submission_per_member_and_round(technician_client, technician_user, team_round):
    technician_client.post(answer(team_round), post_data(WORKED_EXAMPLE))
    second = technician_client.post(answer(team_round), post_data(uniform(1)))
    assert second.status_code == 302
    assert Assessment.objects.filter(team_round=team_round, user=technician_user).count() == 1


def test_an_invalid_round_answer_is_re_shown_and_not_stored(technician_client, team_round):
    data = post_data(WORKED_EXAMPLE)
    data.pop(next(k for k in data if k.startswith("statement-")))
    response = technician_client.post(answer(team_round), data)
    assert response.status_code == 200
    assert response.content.decode().count(" checked") == 19
    assert Assessment.objects.count() == 0


def test_a_closed_round_takes_no_answers(client, manager, technician_user, team_round):
    client.force_login(manager)
    client.post(reverse("assessments:round_close", args=[team_round.pk]))
    client.force_login(technician_user)
    team_round.refresh_from_db()
    assert not team_round.is_open()
    response = client.post(answer(team_round), post_data(WORKED_EXAMPLE))
    assert response.status_code == 302
    assert Assessment.objects.count() == 0


def test_a_round_is_open_until_the_end_of_its_closing_date(team_round):
    closes = team_round.closes_on
    assert team_round.is_open(closes)
    assert not team_round.is_open(closes + datetime.timedelta(days=1))


def test_the_manager_always_sees_the_round_with_its_members(manager_client, team_round):
    html = manager_client.get(detail(team_round)).content.decode()
    assert 'data-testid="round-no-answers"' in html
    assert "0 von 2" in html
    assert 'data-testid="round-members"' in html


def test_the_round_result_uses_the_mean_answer_and_shows_the_spread(
    manager, technician_user, other_technician_user
):
    third = make_user("tech-c", "technician")
    team_round = open_round(
        name="R", opened_by=manager, members=[technician_user, other_technician_user, third]
    )
    store(technician_user, uniform(2), team_round=team_round)
    store(other_technician_user, WORKED_EXAMPLE, team_round=team_round)
    store(third, uniform(5), team_round=team_round)
    outcome = round_result(team_round)
    assert (outcome.answered, outcome.invited) == (3, 3)
    result = outcome.result
    # Processes: members 2.0, 4.6, 5.0 -> mean 11.6 / 3.
    processes = result.areas[0]
    assert processes.average == Fraction(116, 30)
    assert processes.shown == Decimal("3.87")
    assert (processes.spread_min, processes.spread_max) == (Decimal("2.00"), Decimal("5.00"))
    revenue = result.areas[3]
    assert (revenue.spread_min, revenue.spread_max) == (Decimal("2.00"), Decimal("5.00"))
    # Overall: mean of (2 + 3.55 + 5) / 3 = 3.5166...
    assert result.overall == Fraction(1055, 300)
    assert result.shown == Decimal("3.52")
    assert result.phase.key == "proactive"
    first_statement = processes.statements[0]
    assert first_statement.values == [2, 5, 5]
    assert first_statement.shown == Decimal("4.00")


def test_the_dashboard_phase_is_the_round_results_in_three_queries(
    manager, technician_user, other_technician_user, django_assert_num_queries
):
    # The worked example of the test above: overall (2 + 3.55 + 5) / 3 = 3.5166...,
    # Proactive [3, 4); three of four members answered.
    third = make_user("tech-c", "technician")
    team_round = open_round(
        name="R",
        opened_by=manager,
        members=[technician_user, other_technician_user, third, make_user("t-d", "technician")],
    )
    assert round_phase(team_round) == (None, 0)
    store(technician_user, uniform(2), team_round=team_round)
    store(other_technician_user, WORKED_EXAMPLE, team_round=team_round)
    store(third, uniform(5), team_round=team_round)
    with django_assert_num_queries(3):
        phase, answered = round_phase(team_round)
    assert (phase.key, answered) == ("proactive", 3)
    outcome = round_result(team_round)
    assert (phase, answered) == (outcome.result.phase, outcome.answered)


def test_the_dashboard_phase_follows_the_mean_across_a_phase_boundary(manager):
    # Means 3 and 4 of two members: overall 3.5 (Proactive); a third at 5 makes it 4.0,
    # the lower edge of the next phase.
    members = [make_user(f"m{n}", "technician") for n in range(3)]
    team_round = open_round(name="B", opened_by=manager, members=members)
    store(members[0], uniform(3), team_round=team_round)
    store(members[1], uniform(4), team_round=team_round)
    assert round_phase(team_round)[0].key == "proactive"
    store(members[2], uniform(5), team_round=team_round)
    phase, answered = round_phase(team_round)
    assert (phase.key, answered) == (round_result(team_round).result.phase.key, 3)
    assert phase.key != "proactive"


def test_the_round_list_shows_managers_all_and_members_their_invitations(
    client, manager, technician_user, team_round
):
    other_round = open_round(
        name="Nur Tara", opened_by=manager, members=[make_user("t9", "technician")]
    )
    client.force_login(manager)
    html = client.get(reverse("assessments:round_list")).content.decode()
    assert "Herbst 2026" in html and "Nur Tara" in html
    client.force_login(technician_user)
    html = client.get(reverse("assessments:round_list")).content.decode()
    assert "Herbst 2026" in html and other_round.name not in html


def test_round_pages_need_a_bounded_number_of_queries(
    client,
    manager,
    technician_user,
    other_technician_user,
    team_round,
    django_assert_max_num_queries,
):
    store(technician_user, WORKED_EXAMPLE, team_round=team_round)
    store(other_technician_user, uniform(3), team_round=team_round)
    client.force_login(manager)
    with django_assert_max_num_queries(20):
        client.get(detail(team_round))
    with django_assert_max_num_queries(10):
        client.get(reverse("assessments:round_list"))
    client.force_login(technician_user)
    with django_assert_max_num_queries(24):
        client.get(detail(team_round))
    with django_assert_max_num_queries(20):
        client.get(answer(team_round))
