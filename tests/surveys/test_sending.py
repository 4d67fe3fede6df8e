"""Sending: idempotent, retried on SMTP errors, nothing lost while the broker is down."""

import datetime
import smtplib
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from surveys import tasks
from surveys.models import Campaign, Invitation, InvitationToken, Survey, SurveyKind
from surveys.services import create_campaign
from tests.surveys.helpers import make_contact


@pytest.fixture
def retries_followed():
    """Eager apply() follows retries only when errors do not propagate (as in production's
    eager mode); the autouse fixture restores the setting afterwards."""
    from msp_maturity.celery import app

    app.conf.task_eager_propagates = False


def use_sink(settings, sink):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": sink.port, "timeout": 10},
        }
    }


def _campaign(client_company, n_extra=2, **extra):
    recipients = [client_company.contacts.first()] + [
        make_contact(client_company) for _ in range(n_extra)
    ]
    return create_campaign(
        survey=Survey.objects.get(kind=SurveyKind.CLIENT_ONBOARDING),
        name="Batch",
        recipients=recipients,
        closes_at=timezone.now() + datetime.timedelta(days=14),
        **extra,
    )


def test_invitations_are_stored_before_the_task_is_queued(
    db, client_company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        campaign = _campaign(client_company)
        assert campaign.invitations.filter(status="queued").count() == 3
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_running_the_send_task_twice_sends_each_invitation_once(db, client_company):
    campaign = _campaign(client_company)  # on_commit not run: all queued
    first = tasks.send_campaign.apply(args=[campaign.pk]).get()
    second = tasks.send_campaign.apply(args=[campaign.pk]).get()
    assert first == {"sent": 3, "failed": 0}
    assert second == {"sent": 0, "failed": 0}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        campaign.invitations.values_list("email", flat=True)
    )
    assert set(campaign.invitations.values_list("status", flat=True)) == {"sent"}


def test_an_invitation_claimed_by_another_worker_is_not_sent_again(db, client_company):
    campaign = _campaign(client_company)
    busy = campaign.invitations.first()
    Invitation.objects.filter(pk=busy.pk).update(status="sending", claimed_at=timezone.now())
    tasks.send_campaign.apply(args=[campaign.pk])
    assert len(mail.outbox) == 2
    assert busy.email not in [m.to[0] for m in mail.outbox]


def test_a_stale_claim_is_marked_failed_by_the_sweep_never_resent(db, client_company):
    """A worker died between claiming and sending: at most once, so no second e-mail."""
    campaign = _campaign(client_company)
    tasks.send_campaign.apply(args=[campaign.pk])
    stuck = campaign.invitations.first()
    Invitation.objects.filter(pk=stuck.pk).update(
        status="sending", claimed_at=timezone.now() - datetime.timedelta(minutes=16)
    )
    mail.outbox.clear()
    result = tasks.sweep_unsent.apply().get()
    assert result["stale"] == 1
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "uncertain" in stuck.failure_reason
    assert mail.outbox == []


def test_a_broker_that_is_down_loses_nothing(
    db, client_company, manager_client, django_capture_on_commit_callbacks, caplog
):
    with (
        mock.patch.object(tasks.send_campaign, "delay", side_effect=ConnectionError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        campaign = _campaign(client_company)
    assert "survey.queue_failed" in caplog.text
    assert mail.outbox == []
    page = manager_client.get(f"/surveys/campaigns/{campaign.pk}/")
    assert page.status_code == 200
    assert 'data-testid="count-queued"' in page.content.decode()
    assert set(campaign.invitations.values_list("status", flat=True)) == {"queued"}
    # Too young for the sweep: the on-commit task may still be on its way.
    assert tasks.sweep_unsent.apply().get()["campaigns"] == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=3)):
        assert tasks.sweep_unsent.apply().get()["queued"] == 1
    assert len(mail.outbox) == 3


def test_an_smtp_refusal_is_retried_and_delivered_once(
    db, retries_followed, client_company, smtp_sink, settings, django_capture_on_commit_callbacks
):
    use_sink(settings, smtp_sink)
    smtp_sink.refuse = 1
    campaign = _campaign(client_company, n_extra=0)
    with mock.patch.object(tasks.send_campaign, "retry", wraps=tasks.send_campaign.retry) as retry:
        result = tasks.send_campaign.apply(args=[campaign.pk])
    assert retry.call_count == 1
    assert retry.call_args.kwargs["countdown"] >= 30
    assert result.get() == {"sent": 1, "failed": 0}
    assert len(smtp_sink.messages) == 1
    invitation = campaign.invitations.get()
    assert invitation.status == "sent" and invitation.attempts == 2
    # The token of the refused attempt was dropped; one working link remains.
    assert InvitationToken.objects.filter(invitation=invitation).count() == 1


def test_smtp_down_for_good_marks_the_invitations_failed_with_a_reason(
    db, retries_followed, client_company, smtp_sink, settings
):
    use_sink(settings, smtp_sink)
    smtp_sink.refuse = 100
    campaign = _campaign(client_company, n_extra=1)
    tasks.send_campaign.apply(args=[campaign.pk])
    statuses = set(campaign.invitations.values_list("status", "failure_reason"))
    assert {s for s, _ in statuses} == {"failed"}
    assert all("451" in reason for _, reason in statuses)
    assert smtp_sink.messages == []


def test_a_permanently_refused_recipient_fails_and_the_rest_is_sent(db, client_company):
    campaign = _campaign(client_company)
    bad = campaign.invitations.order_by("pk").first()
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages

    def refuse_one(self, messages):
        if messages[0].to == [bad.email]:
            raise smtplib.SMTPRecipientsRefused({bad.email: (550, b"No such user")})
        return original(self, messages)

    with mock.patch.object(EmailBackend, "send_messages", refuse_one):
        assert tasks.send_campaign.apply(args=[campaign.pk]).get() == {"sent": 2, "failed": 1}
    bad.refresh_from_db()
    assert bad.status == "failed" and "550" in bad.failure_reason
    assert len(mail.outbox) == 2


def test_one_smtp_connection_serves_the_whole_batch(db, client_company):
    campaign = _campaign(client_company)
    from django.core.mail.backends.locmem import EmailBackend

    backends = []
    original = EmailBackend.send_messages

    def record(self, messages):
        backends.append(id(self))
        return original(self, messages)

    with mock.patch.object(EmailBackend, "send_messages", record):
        tasks.send_campaign.apply(args=[campaign.pk])
    assert len(mail.outbox) == 3
    assert len(backends) == 3 and len(set(backends)) == 1


def test_backoff_grows_exponentially_and_is_capped():
    assert 30 <= tasks.backoff_seconds(0) <= 36
    assert 60 <= tasks.backoff_seconds(1) <= 72
    assert 240 <= tasks.backoff_seconds(3) <= 288
    assert tasks.backoff_seconds(20) <= 3600 * 1.2


def test_a_closed_campaign_sends_nothing(db, client_company):
    campaign = _campaign(client_company)
    Campaign.objects.filter(pk=campaign.pk).update(status="closed")
    assert tasks.send_campaign.apply(args=[campaign.pk]).get() == {"sent": 0, "failed": 0}
    assert mail.outbox == []


def test_failed_invitations_can_be_sent_again(
    db, client_company, manager_client, django_capture_on_commit_callbacks
):
    campaign = _campaign(client_company)
    Invitation.objects.filter(campaign=campaign).update(status="failed", failure_reason="x")
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(f"/surveys/campaigns/{campaign.pk}/send-again/")
    assert len(mail.outbox) == 3


def test_the_log_lines_carry_counts_and_ids_but_no_tokens(db, client_company, caplog):
    campaign = _campaign(client_company)
    with caplog.at_level("INFO", logger="surveys"):
        tasks.send_campaign.apply(args=[campaign.pk])
    assert f"survey.send_batch campaign={campaign.pk} queued=3 sent=3 failed=0" in caplog.text
    for message in mail.outbox:
        token = message.body.split("/surveys/r/")[1].split("/")[0]
        assert token not in caplog.text
        assert message.to[0] not in caplog.text


@pytest.mark.parametrize("reminders", [1, 2])
def test_reminders_go_to_non_responders_at_most_the_configured_times(db, client_company, reminders):
    campaign = _campaign(client_company, reminder_after_days=3, max_reminders=reminders)
    tasks.send_campaign.apply(args=[campaign.pk])
    answered = campaign.invitations.first()
    Invitation.objects.filter(pk=answered.pk).update(status="answered")
    mail.outbox.clear()
    start = timezone.now()
    for day in (1, 4, 5, 8, 12, 16):
        with time_machine.travel(start + datetime.timedelta(days=day)):
            tasks.dispatch_due.apply()
    assert len(mail.outbox) == 2 * reminders
    assert all(m.subject.startswith(("Erinnerung", "Reminder")) for m in mail.outbox)
    assert answered.email not in [m.to[0] for m in mail.outbox]
