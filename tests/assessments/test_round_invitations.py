"""Team-round invitations: one e-mail per member, each sent once or visibly not at all
(core/delivery.py); the round page shows each member's delivery."""

import datetime
from collections import Counter
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assessments.invitations import ROUND_INVITATIONS
from assessments.models import RoundInvitation, TeamRound
from assessments.services import open_round
from core import delivery
from organisation.models import Technician
from tests.helpers import make_user, refused, with_form_token


@pytest.fixture
def members(technician_user, other_technician_user):
    Technician.objects.create(
        external_id="T-EN",
        name="Tara Technik",
        email="tara@example.com",
        hire_date="2024-01-01",
        language="en",
        user=other_technician_user,
    )
    return [technician_user, other_technician_user]


@pytest.fixture
def three(members):
    return [*members, make_user("third", "technician")]


def send(team_round):
    return delivery.deliver.apply(args=[ROUND_INVITATIONS, team_round.pk])


def _statuses(team_round) -> dict[str, tuple[str, str]]:
    return {
        row.email: (row.status, row.failure_reason)
        for row in RoundInvitation.objects.filter(team_round=team_round)
    }


def test_opening_a_round_emails_each_member_once_in_their_language(
    manager_client, members, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("assessments:round_create"),
            with_form_token(
                {"name": "Q4 <Runde>", "members": [m.pk for m in members], "closes_on": ""}
            ),
        )
    assert response.status_code == 302
    team_round = TeamRound.objects.get()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members)
    german = next(m for m in mail.outbox if m.to == ["tech@example.com"])
    english = next(m for m in mail.outbox if m.to == ["tech2@example.com"])
    link = reverse("assessments:round_detail", args=[team_round.pk])
    assert "Teamrunde" in german.subject and link in german.body
    assert "Team round" in english.subject and link in english.body
    html = english.alternatives[0].content
    assert "Q4 &lt;Runde&gt;" in html and link in html
    assert team_round.invitations_sent_at is not None
    assert {status for status, _ in _statuses(team_round).values()} == {"sent"}


def test_running_the_task_again_sends_nothing_twice(manager, members):
    team_round = open_round(name="Runde", opened_by=manager, members=members)
    assert send(team_round).get() == {"sent": 2, "failed": 0}
    assert send(team_round).get() == {"sent": 0, "failed": 0}
    assert len(mail.outbox) == 2


def test_a_451_for_one_member_sends_every_member_exactly_one_email(
    manager, three, retries_followed, sink_mailer
):
    """It used to re-send the whole batch: the others got two e-mails."""
    sink_mailer.defer_once = {three[1].email}
    team_round = open_round(name="Runde", opened_by=manager, members=three)
    assert send(team_round).get() == {"sent": 1, "failed": 0}  # the retry sent the one
    assert sink_mailer.recipients() == Counter({member.email: 1 for member in three})
    assert {status for status, _ in _statuses(team_round).values()} == {"sent"}
    assert RoundInvitation.objects.get(email=three[1].email).attempts == 2


def test_a_550_for_one_member_fails_that_one_and_the_others_get_theirs(
    manager, three, manager_client
):
    """It used to stop the task: the others were never invited and the round said sent."""
    team_round = open_round(name="Runde", opened_by=manager, members=three)
    with refused(three[0].email):
        assert send(team_round).get() == {"sent": 2, "failed": 1}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in three[1:])
    status, reason = _statuses(team_round)[three[0].email]
    assert status == "failed" and "550" in reason
    page = manager_client.get(reverse("assessments:round_detail", args=[team_round.pk]))
    row = page.content.decode().split(f'data-member="{three[0].pk}"')[1].split("</tr>")[0]
    assert 'data-status="failed"' in row and "No such user" in row
    assert 'data-testid="resend-round"' in page.content.decode()


def test_a_member_without_an_address_is_shown_failed(manager, members):
    members[0].email = ""
    members[0].save()
    team_round = open_round(name="Runde", opened_by=manager, members=members)
    assert send(team_round).get() == {"sent": 1, "failed": 1}
    assert RoundInvitation.objects.get(member=members[0]).failure_reason == "No e-mail address."


def test_the_broker_down_at_round_creation_keeps_the_page_and_the_sweep_invites_later(
    manager_client, members, django_capture_on_commit_callbacks, caplog
):
    with (
        mock.patch.object(delivery.deliver, "delay", side_effect=ConnectionError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = manager_client.post(
            reverse("assessments:round_create"),
            with_form_token({"name": "Runde", "members": [m.pk for m in members], "closes_on": ""}),
        )
    assert response.status_code == 302
    assert "in on_commit() (broker down)" in caplog.text
    team_round = TeamRound.objects.get()
    assert {status for status, _ in _statuses(team_round).values()} == {"queued"}
    assert mail.outbox == []
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=3)):
        assert delivery.sweep_unsent.apply().get()["queued"] == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members)


def test_failed_invitations_can_be_sent_again(
    manager, members, manager_client, django_capture_on_commit_callbacks
):
    team_round = open_round(name="Runde", opened_by=manager, members=members)
    with refused(members[0].email):
        send(team_round)
    members[0].email = "fixed@example.com"  # the corrected address is used
    members[0].save()
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("assessments:round_resend", args=[team_round.pk]))
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["fixed@example.com", members[1].email])


def test_a_closed_round_sends_nothing(manager, members):
    team_round = open_round(name="Runde", opened_by=manager, members=members)
    TeamRound.objects.filter(pk=team_round.pk).update(closed_at=timezone.now())
    assert send(team_round).get() == {"sent": 0, "failed": 0}
    assert delivery.sweep(timezone.now() + datetime.timedelta(minutes=3))["queued"] == 0
    assert mail.outbox == []


def test_a_member_added_in_the_back_office_is_invited(
    manager, members, staff_user, client, django_capture_on_commit_callbacks
):
    team_round = open_round(name="Runde", opened_by=manager, members=members[:1])
    send(team_round)
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:assessments_teamround_change", args=[team_round.pk]),
            {
                "name": "Runde",
                "questionnaire": team_round.questionnaire_id,
                "opened_by": manager.pk,
                "members": [m.pk for m in members],
                "created_at_0": team_round.created_at.date().isoformat(),
                "created_at_1": "10:00:00",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members)


def test_queued_invitations_of_a_closed_round_are_shown_as_not_sent(manager, members):
    team_round = open_round(name="Runde", opened_by=manager, members=members)
    TeamRound.objects.filter(pk=team_round.pk).update(closed_at=timezone.now())
    assert delivery.sweep()["closed"] == 2
    assert {reason for _, reason in _statuses(team_round).values()} == {
        "Not sent: the round closed before it went out."
    }
