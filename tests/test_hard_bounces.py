"""A hard bounce (the SMTP server refuses a recipient for good at sending time) marks the
address undeliverable on the contact or technician, shows it to the manager, and makes
the sending skip that address visibly instead of trying it again and again; a corrected
address clears the mark."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.invitations import ROUND_INVITATIONS
from assessments.models import RoundInvitation
from assessments.services import open_round
from core import delivery
from organisation.consent import SUPPRESSED
from organisation.models import Contact, Technician
from surveys.models import Survey, SurveyKind
from surveys.sending import INVITATIONS
from surveys.services import create_campaign, requeue_failed
from tests.surveys.helpers import make_contact


def _campaign(recipients, name="Onboarding"):
    return create_campaign(
        survey=Survey.objects.get(kind=SurveyKind.CLIENT_ONBOARDING),
        name=name,
        recipients=recipients,
        closes_at=timezone.now() + datetime.timedelta(days=14),
    )


@pytest.fixture
def bounced(client_company, sink_mailer):
    """A campaign to two contacts whose server refuses the first one for good."""
    bad, good = client_company.contacts.get(), make_contact(client_company)
    sink_mailer.reject = {bad.email}
    campaign = _campaign([bad, good])
    assert delivery.send_batch(INVITATIONS, campaign.pk) == {"sent": 1, "failed": 1}
    bad.refresh_from_db()
    return campaign, bad, good


def test_a_550_at_sending_marks_the_contact_undeliverable_with_date_and_reason(bounced):
    campaign, bad, good = bounced
    assert bad.email_undeliverable
    assert bad.undeliverable_email == bad.email
    assert timezone.localtime(bad.undeliverable_since).date() == timezone.localdate()
    assert "550" in bad.undeliverable_reason and "No such user" in bad.undeliverable_reason
    assert not Contact.objects.get(pk=good.pk).email_undeliverable
    invitation = campaign.invitations.get(contact=bad)
    assert invitation.status == "failed" and "550" in invitation.failure_reason


def test_the_manager_sees_it_on_the_client_page_and_the_campaign_page(bounced, manager_client):
    campaign, bad, good = bounced
    page = manager_client.get(reverse("insights:client_detail", args=[bad.client_id]))
    row = page.content.decode().split(f'data-contact="{bad.pk}"')[1].split("</li>")[0]
    assert 'data-testid="undeliverable"' in row and "No such user" in row
    assert "undeliverable" not in page.content.decode().split(f'data-contact="{good.pk}"')[1][:300]
    detail = manager_client.get(f"/surveys/campaigns/{campaign.pk}/").content.decode()
    assert "No such user" in detail


def test_an_undeliverable_address_is_skipped_visibly_not_tried_again(
    bounced, sink_mailer, django_capture_on_commit_callbacks
):
    campaign, bad, good = bounced
    sink_mailer.reject = set()  # the server would take it now: it is not asked
    with django_capture_on_commit_callbacks(execute=True):
        later = _campaign([bad, good], name="Later")
        assert requeue_failed(campaign) == 1
    assert sink_mailer.recipients()[bad.email] == 0
    invitation = campaign.invitations.get(contact=bad)
    assert invitation.status == "failed"
    assert invitation.failure_reason.startswith("Address undeliverable (bounced ")
    # A client's address that bounced is on the suppression list too (organisation.consent):
    # a new campaign does not write to it, and says why.
    invitation = later.invitations.get(contact=bad)
    assert invitation.status == "withheld"
    assert invitation.failure_reason == SUPPRESSED["hard_bounce"]


def test_a_corrected_address_clears_the_mark_and_send_again_uses_it(
    bounced, sink_mailer, staff_user, client, django_capture_on_commit_callbacks
):
    campaign, bad, good = bounced
    client.force_login(staff_user)
    response = client.post(
        reverse("admin:organisation_contact_change", args=[bad.pk]),
        {
            "client": bad.client_id,
            "name": bad.name,
            "email": "clara.new@acme.example",
            "language": "de",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    bad.refresh_from_db()
    assert not bad.email_undeliverable and bad.undeliverable_email == ""
    with django_capture_on_commit_callbacks(execute=True):
        requeue_failed(campaign)
    assert sink_mailer.recipients()["clara.new@acme.example"] == 1
    invitation = campaign.invitations.get(contact=bad)
    assert (invitation.status, invitation.email) == ("sent", "clara.new@acme.example")


def test_a_technician_refused_for_a_round_invitation_is_marked_and_listed(
    manager, technician, technician_user, sink_mailer, staff_user, client
):
    sink_mailer.reject = {technician_user.email}
    Technician.objects.filter(pk=technician.pk).update(email=technician_user.email)
    team_round = open_round(name="Runde", opened_by=manager, members=[technician_user])
    delivery.send_batch(ROUND_INVITATIONS, team_round.pk)
    assert RoundInvitation.objects.get().status == "failed"
    assert Technician.objects.get(pk=technician.pk).email_undeliverable
    client.force_login(staff_user)
    listed = client.get(reverse("admin:organisation_technician_changelist") + "?undeliverable=yes")
    assert technician.name in listed.content.decode()


def test_a_refusal_of_the_message_itself_does_not_mark_the_address(
    client_company, sink_mailer, monkeypatch
):
    """A 554 after DATA (e.g. content refused) says nothing about the address."""
    import smtplib

    def refuse(self, messages):
        raise smtplib.SMTPDataError(554, b"5.7.1 Message rejected")

    monkeypatch.setattr("django.core.mail.backends.smtp.EmailBackend.send_messages", refuse)
    contact = client_company.contacts.get()
    campaign = _campaign([contact])
    assert delivery.send_batch(INVITATIONS, campaign.pk) == {"sent": 0, "failed": 1}
    contact.refresh_from_db()
    assert not contact.email_undeliverable
