"""Sending: idempotent, retried on SMTP errors, nothing lost while the broker is down."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from core import delivery
from surveys import tasks
from surveys.models import Campaign, Invitation, InvitationToken, Reminder, Survey, SurveyKind
from surveys.sending import INVITATIONS
from surveys.services import create_campaign
from tests.helpers import refused
from tests.surveys.helpers import make_contact


def send(campaign):
    return delivery.deliver.apply(args=[INVITATIONS, campaign.pk])


def sweep():
    return delivery.sweep_unsent.apply().get()


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
    first = send(campaign).get()
    second = send(campaign).get()
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
    send(campaign)
    assert len(mail.outbox) == 2
    assert busy.email not in [m.to[0] for m in mail.outbox]


def test_a_stale_claim_is_marked_failed_by_the_sweep_never_resent(db, client_company):
    """A worker died between claiming and sending: at most once, so no second e-mail."""
    campaign = _campaign(client_company)
    send(campaign)
    stuck = campaign.invitations.first()
    Invitation.objects.filter(pk=stuck.pk).update(
        status="sending", claimed_at=timezone.now() - datetime.timedelta(minutes=16)
    )
    mail.outbox.clear()
    result = sweep()
    assert result["stale"] == 1
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "uncertain" in stuck.failure_reason
    assert mail.outbox == []


def test_a_broker_that_is_down_loses_nothing(
    db, client_company, manager_client, django_capture_on_commit_callbacks, caplog
):
    with (
        mock.patch.object(delivery.deliver, "delay", side_effect=ConnectionError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        campaign = _campaign(client_company)
    assert "in on_commit() (broker down)" in caplog.text
    assert mail.outbox == []
    page = manager_client.get(f"/surveys/campaigns/{campaign.pk}/")
    assert page.status_code == 200
    assert 'data-testid="count-queued"' in page.content.decode()
    assert set(campaign.invitations.values_list("status", flat=True)) == {"queued"}
    # Too young for the sweep: the on-commit task may still be on its way.
    assert sweep()["queued"] == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=3)):
        assert sweep()["queued"] == 1
    assert len(mail.outbox) == 3


def test_an_smtp_refusal_is_retried_and_delivered_once(
    db, retries_followed, client_company, sink_mailer
):
    sink_mailer.refuse = 1
    campaign = _campaign(client_company, n_extra=0)
    with mock.patch.object(delivery.deliver, "retry", wraps=delivery.deliver.retry) as retry:
        result = send(campaign)
    assert retry.call_count == 1
    assert retry.call_args.kwargs["countdown"] == 30  # Celery's backoff: 30 s, 60 s, ...
    assert result.get() == {"sent": 1, "failed": 0}
    assert len(sink_mailer.messages) == 1
    invitation = campaign.invitations.get()
    assert invitation.status == "sent" and invitation.attempts == 2
    # The token of the refused attempt was dropped; one working link remains.
    assert InvitationToken.objects.filter(invitation=invitation).count() == 1


def test_smtp_down_for_good_marks_the_invitations_failed_with_a_reason(
    db, retries_followed, client_company, sink_mailer
):
    sink_mailer.refuse = 100
    campaign = _campaign(client_company, n_extra=1)
    send(campaign)
    statuses = set(campaign.invitations.values_list("status", "failure_reason"))
    assert {s for s, _ in statuses} == {"failed"}
    assert all("451" in reason and "Gave up" in reason for _, reason in statuses)
    assert sink_mailer.messages == []


def test_a_permanently_refused_recipient_fails_and_the_rest_is_sent(db, client_company):
    campaign = _campaign(client_company)
    bad = campaign.invitations.order_by("pk").first()
    with refused(bad.email):
        assert send(campaign).get() == {"sent": 2, "failed": 1}
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
        send(campaign)
    assert len(mail.outbox) == 3
    assert len(backends) == 3 and len(set(backends)) == 1


def test_retries_back_off_exponentially_up_to_an_hour():
    assert delivery.deliver.retry_backoff == 30
    assert delivery.deliver.retry_backoff_max == 3600
    assert delivery.deliver.max_retries == 6


def test_a_closed_campaign_sends_nothing(db, client_company):
    campaign = _campaign(client_company)
    Campaign.objects.filter(pk=campaign.pk).update(status="closed")
    assert send(campaign).get() == {"sent": 0, "failed": 0}
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
    with caplog.at_level("INFO", logger="core.delivery"):
        send(campaign)
    assert (
        f"email.send_batch kind=surveys.invitation batch={campaign.pk} claimed=3 sent=3 "
        "failed=0 requeued=0"
    ) in caplog.text
    for message in mail.outbox:
        token = message.body.split("/surveys/r/")[1].split("/")[0]
        assert token not in caplog.text
        assert message.to[0] not in caplog.text


@pytest.mark.parametrize("reminders", [1, 2])
def test_reminders_go_to_non_responders_at_most_the_configured_times(
    db, client_company, reminders, django_capture_on_commit_callbacks
):
    campaign = _campaign(client_company, reminder_after_days=3, max_reminders=reminders)
    send(campaign)
    answered = campaign.invitations.first()
    Invitation.objects.filter(pk=answered.pk).update(status="answered")
    mail.outbox.clear()
    start = timezone.now()
    for day in (1, 4, 5, 8, 12, 16):
        with (
            time_machine.travel(start + datetime.timedelta(days=day)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            tasks.dispatch_due.apply()
    assert len(mail.outbox) == 2 * reminders
    assert all(m.subject.startswith(("Erinnerung", "Reminder")) for m in mail.outbox)
    assert answered.email not in [m.to[0] for m in mail.outbox]


def _due_for_a_reminder(client_company, settings):
    campaign = _campaign(client_company, n_extra=1, reminder_after_days=3, max_reminders=2)
    send(campaign)
    mail.outbox.clear()
    return campaign, timezone.now() + datetime.timedelta(days=4)


def _dispatch(when, callbacks):
    with time_machine.travel(when), callbacks(execute=True):
        tasks.dispatch_due.apply()


def test_a_reminder_refused_for_good_shows_failed_and_is_not_tried_again(
    db, client_company, settings, manager_client, django_capture_on_commit_callbacks
):
    campaign, due = _due_for_a_reminder(client_company, settings)
    bad = campaign.invitations.order_by("pk").first()
    with refused(bad.email):
        _dispatch(due, django_capture_on_commit_callbacks)
        _dispatch(due + datetime.timedelta(minutes=15), django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[campaign.invitations.order_by("pk")[1].email]]
    reminder = bad.reminders.get()
    assert reminder.status == "failed" and "550" in reminder.failure_reason
    bad.refresh_from_db()
    assert bad.reminders_sent == 0
    page = manager_client.get(f"/surveys/campaigns/{campaign.pk}/").content.decode()
    assert 'data-testid="reminder-1"' in page and "No such user" in page


def test_dispatching_twice_stores_each_reminder_once_and_the_sweep_sends_it(
    db, client_company, settings, django_capture_on_commit_callbacks
):
    campaign, due = _due_for_a_reminder(client_company, settings)
    with time_machine.travel(due):
        tasks.dispatch_due.apply()  # stored; the task queued on commit is lost here
    _dispatch(due + datetime.timedelta(minutes=15), django_capture_on_commit_callbacks)
    assert Reminder.objects.filter(campaign=campaign).count() == 2
    assert mail.outbox == []
    with time_machine.travel(due + datetime.timedelta(minutes=20)):
        assert sweep()["queued"] == 1
        assert sweep()["queued"] == 0
    assert len(mail.outbox) == 2
    assert set(campaign.invitations.values_list("reminders_sent", flat=True)) == {1}


def test_queued_invitations_of_a_closed_campaign_are_shown_as_not_sent(db, client_company):
    campaign = _campaign(client_company)  # on_commit not run: all queued
    Campaign.objects.filter(pk=campaign.pk).update(status="closed")
    assert sweep()["closed"] == 3
    assert set(campaign.invitations.values_list("status", "failure_reason")) == {
        ("failed", "Not sent: the campaign closed before it went out.")
    }


def test_a_scheduled_campaign_keeps_its_invitations_queued(db, client_company):
    campaign = _campaign(client_company, send_at=timezone.now() + datetime.timedelta(days=1))
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10)):
        assert sweep() == {"queued": 0, "stale": 0, "closed": 0}
    assert set(campaign.invitations.values_list("status", flat=True)) == {"queued"}
