import smtplib

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.urls import reverse

from assessments.models import TeamRound
from assessments.services import open_round
from assessments.tasks import send_round_invitations
from kpis.models import Technician


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


def test_opening_a_round_emails_each_member_once_in_their_language(
    manager_client, members, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("assessments:round_create"),
            {"name": "Q4 <Runde>", "members": [m.pk for m in members], "closes_on": ""},
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


def test_running_the_task_again_sends_nothing_twice(manager, members):
    team_round = open_round(name="Runde", opened_by=manager, members=members)
    assert send_round_invitations.apply(args=[team_round.pk]).get() == 2
    assert send_round_invitations.apply(args=[team_round.pk]).get() == 0
    assert len(mail.outbox) == 2


def test_an_smtp_failure_releases_the_claim_for_the_retry(manager, members, monkeypatch):
    team_round = open_round(name="Runde", opened_by=manager, members=members)

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with pytest.raises(Retry):
        send_round_invitations.apply(args=[team_round.pk], throw=True)
    team_round.refresh_from_db()
    assert team_round.invitations_sent_at is None
