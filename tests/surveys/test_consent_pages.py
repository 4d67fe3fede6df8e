"""Managers' consent pages: the suppression list (view, add, remove, CSV), the "no
surveys" marks on the client's page, and the recipient picker showing who cannot be
invited and why."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from organisation.consent import CONTACT_OPTED_OUT, set_opted_out, suppress
from organisation.models import SuppressedAddress
from surveys.models import Campaign, Survey
from tests.helpers import with_form_token
from tests.surveys.helpers import make_contact

LIST = "/surveys/consent/"


@pytest.fixture(autouse=True)
def _english(client, settings):
    """The pages in English, so the texts below hold once the German catalogue has them."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _start_campaign(manager_client, client_company):
    """The new-campaign form sent for all active contacts of ``client_company``."""
    return manager_client.post(
        "/surveys/campaigns/new/",
        with_form_token(
            {
                "survey": Survey.objects.get(kind="client_onboarding").pk,
                "name": "Onboarding",
                "clients": [client_company.pk],
                "closes_on": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
                "max_reminders": "0",
            }
        ),
    )


def test_the_list_shows_each_entry_with_its_reason(manager_client, db):
    suppress("gone@example.com", SuppressedAddress.Reason.HARD_BOUNCE, "550 5.1.1 No such user")
    suppress("bye@example.com", SuppressedAddress.Reason.UNSUBSCRIBED)
    html = manager_client.get(LIST).content.decode()
    assert "gone@example.com" in html and "550 5.1.1 No such user" in html
    assert "bye@example.com" in html and "unsubscribed" in html


def test_the_list_page_needs_a_fixed_number_of_queries(
    manager_client, db, django_assert_max_num_queries
):
    manager_client.get(LIST)  # warm the session
    for n in range(60):
        suppress(f"person{n}@example.com", SuppressedAddress.Reason.STAFF)
    with django_assert_max_num_queries(12):
        assert manager_client.get(LIST).status_code == 200


def test_a_manager_adds_an_address_in_any_case(manager_client, db):
    response = manager_client.post(
        LIST, {"email": " Someone@Example.COM ", "detail": "asked by phone"}
    )
    assert response.status_code == 302
    entry = SuppressedAddress.objects.get()
    assert (entry.email, entry.reason, entry.detail) == (
        "someone@example.com",
        "staff",
        "asked by phone",
    )


def test_a_bad_address_gets_a_clear_error_not_a_500(manager_client, db):
    response = manager_client.post(LIST, {"email": "not an address"})
    assert response.status_code == 200
    assert 'class="invalid-feedback' in response.content.decode()
    assert not SuppressedAddress.objects.exists()


def test_removing_an_entry_lets_e_mail_go_to_it_again(manager_client, db):
    entry = suppress("back@example.com", SuppressedAddress.Reason.UNSUBSCRIBED)
    response = manager_client.post(reverse("surveys:suppression_remove", args=[entry.pk]))
    assert response.status_code == 302
    assert not SuppressedAddress.objects.exists()
    assert (
        manager_client.post(reverse("surveys:suppression_remove", args=[entry.pk])).status_code
        == 404
    )


def test_the_list_as_csv_and_searched(manager_client, db):
    suppress("=cmd@example.com", SuppressedAddress.Reason.STAFF)
    suppress("other@example.com", SuppressedAddress.Reason.STAFF)
    response = manager_client.get(LIST, {"format": "csv", "q": "CMD"})
    body = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "'=cmd@example.com" in body and "other@example.com" not in body


def test_the_client_page_marks_a_client_and_a_contact(manager_client, client_company):
    clara = client_company.contacts.get()
    page = reverse("insights:client_detail", args=[client_company.pk])
    response = manager_client.post(
        reverse("surveys:contact_opt_out", args=[clara.pk]), {"opted_out": "1", "next": page}
    )
    assert response.status_code == 302 and response["Location"] == page
    clara.refresh_from_db()
    assert clara.surveys_opted_out
    html = manager_client.get(page).content.decode()
    row = html.split(f'data-contact="{clara.pk}"')[1].split("</li>")[0]
    assert 'data-testid="contact-withheld"' in row and "Allow surveys again" in row
    manager_client.post(
        reverse("surveys:client_opt_out", args=[client_company.pk]), {"opted_out": "1"}
    )
    client_company.refresh_from_db()
    assert client_company.surveys_opted_out
    html = manager_client.get(page).content.decode()
    assert "no surveys to this client's contacts" in html
    # Both are listed on the consent page, and can be taken off there.
    listed = manager_client.get(LIST).content.decode()
    assert client_company.name in listed.split('data-testid="opted-out-clients"')[1]
    assert clara.name in listed.split('data-testid="opted-out-contacts"')[1]
    manager_client.post(reverse("surveys:contact_opt_out", args=[clara.pk]), {"opted_out": "0"})
    clara.refresh_from_db()
    assert not clara.surveys_opted_out


def test_a_foreign_next_address_is_not_followed(manager_client, client_company):
    response = manager_client.post(
        reverse("surveys:client_opt_out", args=[client_company.pk]),
        {"opted_out": "1", "next": "https://evil.example/"},
    )
    assert response["Location"] == LIST


def test_the_picker_shows_who_cannot_be_invited_and_why(manager_client, client_company):
    clara = client_company.contacts.get()
    bounced = make_contact(client_company)
    fine = make_contact(client_company)
    set_opted_out(clara, True)
    suppress(bounced.email.upper(), SuppressedAddress.Reason.HARD_BOUNCE)
    html = manager_client.get("/surveys/campaigns/new/").content.decode()

    def box(contact):
        return re.search(rf'<input[^>]*id="contact-{contact.pk}"[^>]*>', html).group(0)

    assert "disabled" in box(clara) and "disabled" in box(bounced)
    assert "disabled" not in box(fine)
    assert "the contact is marked “no surveys”" in html
    assert "the address bounced for good" in html


def test_a_campaign_to_nobody_who_may_be_written_to_is_refused(manager_client, client_company):
    set_opted_out(client_company, True)
    page = manager_client.get("/surveys/campaigns/new/").content.decode()
    assert 'data-testid="client-opted-out"' in page
    response = _start_campaign(manager_client, client_company)
    assert response.status_code == 200
    assert "Nobody chosen may receive surveys" in response.content.decode()


def test_a_campaign_with_some_who_objected_shows_them_as_not_sent(
    manager_client, client_company, django_capture_on_commit_callbacks
):
    clara = client_company.contacts.get()
    other = make_contact(client_company)
    set_opted_out(clara, True)
    with django_capture_on_commit_callbacks(execute=True):
        response = _start_campaign(manager_client, client_company)
    campaign = Campaign.objects.get()
    withheld = campaign.invitations.get(contact=clara)
    assert withheld.failure_reason == CONTACT_OPTED_OUT
    campaign.invitations.filter(contact=other).update(status="answered")
    detail = manager_client.get(response["Location"]).content.decode()
    row = detail.split(f'data-invitation="{withheld.pk}"')[1].split("</tr>")[0]
    assert 'data-status="withheld"' in row and "the contact is marked “no surveys”" in row
    # The response rate is of those asked: the one asked answered.
    assert re.search(r'data-testid="response-rate">100\s*%', detail)
    exported = manager_client.get(response["Location"], {"format": "csv"})
    assert "the contact is marked “no surveys”" in exported.content.decode("utf-8-sig")
    listed = manager_client.get("/surveys/campaigns/").content.decode()
    assert 'data-testid="count-withheld"' in listed
