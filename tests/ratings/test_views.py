"""The managers' ratings list and CSV, and a client's one click on a rating face."""

import datetime
import re

import pytest
from django.core import mail

from ratings.models import TicketRating
from ratings.services import invite_due
from surveys.models import Answer, Invitation

from .conftest import NOW, at, import_tickets, ticket_row

HOUR = datetime.timedelta(hours=1)
LINK = re.compile(r"https://surveys\.example(/surveys/r/[^/\s\"]+/\?face=\d)")
NONCE = re.compile(r'name="one_click" value="([^"]+)"')


@pytest.fixture
def sent(cast, frozen, django_capture_on_commit_callbacks):
    """Ada's ticket T-1 (Tina) and Bob's T-2 (Tom), resolved and their e-mails sent."""
    import_tickets(ticket_row(1), ticket_row(2, requester="P-2", technician="T-2"))
    import_tickets(
        ticket_row(1, resolved=at()),
        ticket_row(2, requester="P-2", technician="T-2", resolved=at()),
    )
    frozen.move_to(NOW + HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        invite_due()
    return {m.to[0]: {int(link[-1]): link for link in LINK.findall(m.body)} for m in mail.outbox}


def _click(client, link):
    page = client.get(link)
    nonce = NONCE.search(page.content.decode()).group(1)
    return client.post(link, {"one_click": nonce, "face": link[-1]})


def test_a_client_clicks_a_face_and_the_manager_sees_it(client, sent, manager):
    ada = sent["ada@acme.example"]
    assert sorted(ada) == [1, 3, 5]
    assert client.head(ada[1]).status_code == 200
    assert not Answer.objects.exists()  # GET and HEAD record nothing
    done = _click(client, ada[1])
    assert done.status_code == 302
    page = client.get(done["Location"]).content.decode()
    # A negative rating: the comment and "may we contact you?" are offered.
    assert "q_comment" in page and "q_may_contact" in page
    client.post(done["Location"], {"q_rating": "1", "q_comment": "Too slow", "q_may_contact": "1"})
    client.force_login(manager)
    listing = client.get("/ratings/").content.decode()
    assert listing.count('data-testid="rating-row"') == 2
    assert "Too slow" in listing and "T-1" in listing
    csv = b"".join(client.get("/ratings/ratings.csv").streaming_content).decode()
    assert "T-1" in csv and "Too slow" in csv


def test_a_positive_rating_is_not_asked_may_we_contact_you(client, sent):
    done = _click(client, sent["ada@acme.example"][5])
    page = client.get(done["Location"]).content.decode()
    assert "q_comment" in page and "q_may_contact" not in page


def test_a_scanner_opening_every_face_records_nothing(client, sent):
    links = sent["bob@acme.example"]
    for link in links.values():
        client.get(link)
    assert not Answer.objects.exists()
    assert Invitation.objects.filter(status="answered").count() == 0


def test_the_list_filters_by_client_technician_and_rating(client, sent, manager, cast):
    _click(client, sent["ada@acme.example"][5])
    _click(client, sent["bob@acme.example"][3])
    client.force_login(manager)
    by_tech = client.get("/ratings/", {"technician": cast["tom"].pk}).content.decode()
    assert by_tech.count('data-testid="rating-row"') == 1 and "T-2" in by_tech
    positive = client.get("/ratings/", {"rating": "positive"}).content.decode()
    assert positive.count('data-testid="rating-row"') == 1 and "T-1" in positive
    # CSAT of both: one positive of two rated.
    assert "50 %" in client.get("/ratings/", {"client": cast["acme"].pk}).content.decode()


def test_a_bad_filter_is_a_clear_error_not_a_500(client, sent, manager):
    client.force_login(manager)
    assert client.get("/ratings/", {"start": "2026-13-40"}).status_code == 200
    assert client.get("/ratings/ratings.csv", {"start": "x"}).status_code == 400


def test_the_list_has_a_fixed_number_of_queries(
    client, sent, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        client.get("/ratings/")
    assert TicketRating.objects.count() == 2


def test_the_day_s_campaign_page_shows_and_sends_again_the_rating_e_mails(
    client, sent, manager, django_capture_on_commit_callbacks
):
    rating = TicketRating.objects.get(contact__email="ada@acme.example")
    Invitation.objects.filter(pk=rating.invitation_id).update(
        status="failed", failure_reason="SMTPRecipientsRefused: 451"
    )
    campaign = rating.invitation.campaign
    client.force_login(manager)
    assert client.get(f"/surveys/campaigns/{campaign.pk}/").status_code == 200
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/surveys/campaigns/{campaign.pk}/send-again/")
    (message,) = mail.outbox
    assert message.to == ["ada@acme.example"] and "T-1" in message.subject


def test_the_face_page_names_the_ticket_and_the_technician(client, sent):
    """The client lands on a page about the ticket the e-mail named, not a bare survey."""
    opened = client.get(sent["ada@acme.example"][3]).content.decode()
    assert 'data-testid="rated-ticket"' in opened
    assert "T-1" in opened and "Printer 1 jams" in opened and "Tina Tech" in opened
    done = _click(client, sent["bob@acme.example"][5])
    after = client.get(done["Location"]).content.decode()
    assert "Printer 2 jams" in after and "Tom Tech" in after and "Tina" not in after


def test_may_we_contact_you_is_answered_with_yes_or_no(client, sent):
    done = _click(client, sent["ada@acme.example"][1])
    page = client.get(done["Location"] + "&lang=de").content.decode()
    choices = re.findall(
        r'name="q_may_contact"[^>]*value="(\d)"[^<]*>\s*<label[^>]*>([^<]+)<', page
    )
    assert [(value, label.strip()) for value, label in choices] == [("0", "Nein"), ("1", "Ja")]
    assert "0 = nein" not in page
