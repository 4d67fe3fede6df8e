"""The consent rule (organisation.consent): no client e-mail to a client or contact marked
"no surveys", nor to an address on the suppression list; checked when invitations are
stored and again when each e-mail is sent; hard bounces feed the list, soft ones do not."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core import delivery
from organisation.consent import (
    CLIENT_OPTED_OUT,
    CONTACT_OPTED_OUT,
    SUPPRESSED,
    set_opted_out,
    suppress,
    withheld_reasons,
)
from organisation.models import SuppressedAddress
from surveys.models import Invitation, Reminder, Survey, SurveyKind
from surveys.sending import INVITATIONS, REMINDERS
from surveys.services import create_campaign, queue_due_reminders
from tests.surveys.helpers import make_client, make_contact, make_technician


def _campaign(recipients, **extra):
    return create_campaign(
        survey=Survey.objects.get(kind=SurveyKind.CLIENT_ONBOARDING),
        name="Onboarding",
        recipients=recipients,
        closes_at=timezone.now() + datetime.timedelta(days=14),
        **extra,
    )


def _sent_to() -> list[str]:
    return [address for message in mail.outbox for address in message.to]


@pytest.fixture
def clara(client_company):
    return client_company.contacts.get()


def test_a_client_marked_no_surveys_gets_no_invitation_and_the_row_says_why(
    client_company, clara, django_capture_on_commit_callbacks
):
    other = make_contact(client_company)
    set_opted_out(client_company, True)
    with django_capture_on_commit_callbacks(execute=True):
        campaign = _campaign([clara, other])
    assert mail.outbox == []
    rows = campaign.invitations.all()
    assert {row.status for row in rows} == {"withheld"}
    assert {row.failure_reason for row in rows} == {CLIENT_OPTED_OUT}


def test_a_contact_marked_no_surveys_is_left_out_the_others_are_written_to(
    client_company, clara, django_capture_on_commit_callbacks
):
    other = make_contact(client_company)
    set_opted_out(clara, True)
    with django_capture_on_commit_callbacks(execute=True):
        campaign = _campaign([clara, other])
    assert _sent_to() == [other.email]
    row = campaign.invitations.get(contact=clara)
    assert (row.status, row.failure_reason) == ("withheld", CONTACT_OPTED_OUT)
    assert row.sent_at is None


def test_the_suppression_list_is_checked_whatever_the_case_of_the_address(
    client_company, clara, django_capture_on_commit_callbacks
):
    suppress("  CLARA@Acme.Example ", SuppressedAddress.Reason.STAFF)
    assert SuppressedAddress.objects.get().email == "clara@acme.example"
    shouty = make_contact(client_company)
    shouty.email = "Shouty@Example.COM"
    shouty.save()
    suppress("shouty@example.com", SuppressedAddress.Reason.UNSUBSCRIBED)
    assert withheld_reasons([clara, shouty]) == {
        clara.pk: SUPPRESSED["staff"],
        shouty.pk: SUPPRESSED["unsubscribed"],
    }
    with django_capture_on_commit_callbacks(execute=True):
        _campaign([clara, shouty])
    assert mail.outbox == []


def test_a_client_just_loaded_is_judged_by_its_flag_as_loaded(
    client_company, clara, django_assert_num_queries
):
    other = make_contact(client_company)
    suppress(other.email, SuppressedAddress.Reason.STAFF)
    contacts = [clara, other]
    with django_assert_num_queries(1):  # the suppression list only
        reasons = withheld_reasons(contacts, client=client_company)
    assert reasons == withheld_reasons(contacts) == {other.pk: SUPPRESSED["staff"]}
    set_opted_out(client_company, True)
    expected = {clara.pk: CLIENT_OPTED_OUT, other.pk: CLIENT_OPTED_OUT}
    assert withheld_reasons(contacts, client=client_company) == expected
    assert withheld_reasons(contacts) == expected
    with pytest.raises(ValueError, match="belong to the client"):
        withheld_reasons([clara, make_contact(make_client())], client=client_company)


def test_suppressing_twice_keeps_the_first_entry(db):
    first = suppress("a@example.com", SuppressedAddress.Reason.HARD_BOUNCE, "550 No such user")
    again = suppress("A@example.com", SuppressedAddress.Reason.UNSUBSCRIBED)
    assert again.pk == first.pk and again.reason == "hard_bounce"
    assert SuppressedAddress.objects.count() == 1
    assert suppress("", SuppressedAddress.Reason.STAFF) is None


def test_an_address_suppressed_after_queuing_is_not_mailed_and_the_page_says_why(
    client_company, clara, manager_client, settings
):
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    other = make_contact(client_company)
    campaign = _campaign([clara, other])  # queued; the task runs after commit (not here)
    assert set(campaign.invitations.values_list("status", flat=True)) == {"queued"}
    suppress(clara.email, SuppressedAddress.Reason.UNSUBSCRIBED)
    assert delivery.send_batch(INVITATIONS, campaign.pk) == {"sent": 1, "failed": 0}
    assert _sent_to() == [other.email]
    row = campaign.invitations.get(contact=clara)
    assert (row.status, row.failure_reason) == ("withheld", SUPPRESSED["unsubscribed"])
    assert not row.tokens.exists()  # no link was made for an e-mail that never went out
    page = manager_client.get(reverse("surveys:campaign_detail", args=[campaign.pk]))
    html = page.content.decode()
    assert 'data-status="withheld"' in html
    assert "the recipient unsubscribed (suppression list)" in html
    # Sending again does not touch it: the objection is final for this campaign.
    assert delivery.send_batch(INVITATIONS, campaign.pk) == {"sent": 0, "failed": 0}
    assert len(mail.outbox) == 1


def test_a_contact_marked_after_queuing_is_not_mailed(client_company, clara):
    campaign = _campaign([clara])
    set_opted_out(client_company, True)
    delivery.send_batch(INVITATIONS, campaign.pk)
    assert mail.outbox == []
    assert campaign.invitations.get().failure_reason == CLIENT_OPTED_OUT


def test_a_reminder_is_withheld_once_the_invitee_unsubscribed(
    client_company, clara, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        campaign = _campaign([clara], reminder_after_days=3, max_reminders=1)
    assert len(mail.outbox) == 1
    suppress(clara.email, SuppressedAddress.Reason.UNSUBSCRIBED)
    queue_due_reminders(timezone.now() + datetime.timedelta(days=4))
    delivery.send_batch(REMINDERS, campaign.pk)
    assert len(mail.outbox) == 1
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.failure_reason) == ("withheld", SUPPRESSED["unsubscribed"])


def test_technician_surveys_are_not_client_e_mail(db, django_capture_on_commit_callbacks):
    technician = make_technician()
    suppress(technician.email, SuppressedAddress.Reason.STAFF)
    with django_capture_on_commit_callbacks(execute=True):
        create_campaign(
            survey=Survey.objects.get(kind=SurveyKind.PULSE),
            name="Pulse",
            recipients=[technician],
            closes_at=timezone.now() + datetime.timedelta(days=6),
        )
    assert _sent_to() == [technician.email]
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers
    assert "/unsubscribe/" not in mail.outbox[0].body


def test_a_hard_bounce_puts_the_address_on_the_suppression_list(client_company, clara, sink_mailer):
    other = make_contact(client_company)
    sink_mailer.reject = {clara.email}
    campaign = _campaign([clara, other])
    assert delivery.send_batch(INVITATIONS, campaign.pk) == {"sent": 1, "failed": 1}
    entry = SuppressedAddress.objects.get()
    assert entry.email == clara.email and entry.reason == "hard_bounce"
    assert "550" in entry.detail
    assert Invitation.objects.get(contact=clara).status == "failed"  # what happened, as before


def test_a_soft_bounce_does_not(client_company, clara, sink_mailer):
    sink_mailer.defer_once = {clara.email}
    campaign = _campaign([clara])
    with pytest.raises(delivery.TransientSendError):
        delivery.send_batch(INVITATIONS, campaign.pk)
    assert not SuppressedAddress.objects.exists()
    assert delivery.send_batch(INVITATIONS, campaign.pk) == {"sent": 1, "failed": 0}
    assert not SuppressedAddress.objects.exists()


def test_a_technicians_hard_bounce_is_not_put_on_the_clients_list(db, sink_mailer):
    technician = make_technician()
    sink_mailer.reject = {technician.email}
    campaign = create_campaign(
        survey=Survey.objects.get(kind=SurveyKind.PULSE),
        name="Pulse",
        recipients=[technician],
        closes_at=timezone.now() + datetime.timedelta(days=6),
    )
    delivery.send_batch(INVITATIONS, campaign.pk)
    assert not SuppressedAddress.objects.exists()


def test_withheld_invitations_do_not_count_as_invited_in_the_response_rate(
    client_company, clara, django_capture_on_commit_callbacks
):
    from core.periods import Period
    from surveys.metrics import client_onboarding_summary

    other = make_contact(client_company)
    set_opted_out(clara, True)
    with django_capture_on_commit_callbacks(execute=True):
        _campaign([clara, other])
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    summary = client_onboarding_summary(Period(today, tomorrow), [client_company.pk])
    assert summary["invited"] == 1


def test_the_schedule_starts_no_onboarding_campaign_for_a_client_marked_no_surveys(
    client_company, clara
):
    from surveys.models import Campaign
    from surveys.services import dispatch_schedules

    set_opted_out(client_company, True)
    now = timezone.make_aware(
        datetime.datetime.combine(
            client_company.contract_start + datetime.timedelta(days=14), datetime.time(9)
        )
    )
    dispatch_schedules(now)
    assert not Campaign.objects.filter(survey__kind=SurveyKind.CLIENT_ONBOARDING).exists()
    set_opted_out(client_company, False)
    dispatch_schedules(now)
    assert Campaign.objects.filter(survey__kind=SurveyKind.CLIENT_ONBOARDING).exists()
