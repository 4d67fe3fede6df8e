"""Survey e-mails to clients come from the MSP: its sender and reply-to, its logo and colour
at the top, its name, address and links at the foot, in both parts and both languages.
Technicians' e-mails keep the product's sender."""

import pytest
from django.core import mail

from demo.brand import seed_brand
from organisation.models import Brand
from surveys.models import Invitation, Reminder
from surveys.sending import REMINDERS
from tests.surveys.links import message_to

SENDER = "Nordlicht IT-Service <service@nordlicht-it-demo.de>"


@pytest.fixture
def brand(db):
    return seed_brand()


@pytest.fixture
def default_sender(settings):
    """Set before the campaign fixtures send their e-mails."""
    settings.DEFAULT_FROM_EMAIL = "Server <server@example.com>"


def _parts(message):
    return message.body, message.alternatives[0][0]


@pytest.mark.parametrize("email", ["clara@acme.example", "contact-en"])
def test_a_client_invitation_comes_from_the_brand(brand, client_campaign, email):
    message = (
        message_to(email)
        if "@" in email
        else next(m for m in mail.outbox if m.to != ["clara@acme.example"])
    )
    assert message.from_email == SENDER
    assert message.reply_to == ["kundenservice@nordlicht-it-demo.de"]
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    text, html = _parts(message)
    assert f'src="https://surveys.example/brand/logo/{brand.logo_digest}"' in html
    assert "border-bottom:4px solid #0b5d7a" in html
    assert "background:#0b5d7a;color:#ffffff" in html
    for part in (text, html):
        assert "Nordlicht IT-Service GmbH" in part
        assert "Hafenstraße 12" in part and "24103 Kiel" in part
        assert "https://www.nordlicht-it-demo.de/impressum" in part
        assert "https://www.nordlicht-it-demo.de/datenschutz" in part
        assert "msp-maturity" not in part.lower()


def test_the_message_as_sent_carries_the_headers(brand, client_campaign):
    sent = message_to("clara@acme.example").message()
    assert sent["From"] == SENDER
    assert sent["Reply-To"] == "kundenservice@nordlicht-it-demo.de"


def test_a_reminder_to_a_client_comes_from_the_brand(
    brand, client_campaign, django_capture_on_commit_callbacks
):
    from core import delivery

    invitation = Invitation.objects.get(email="clara@acme.example")
    Reminder.objects.create(invitation=invitation, campaign=client_campaign, number=1)
    mail.outbox.clear()
    delivery.send_batch(REMINDERS, client_campaign.pk)
    (message,) = mail.outbox
    assert message.from_email == SENDER
    assert "Hafenstraße 12" in message.body


def test_without_a_sender_address_the_default_sender_is_used(default_sender, client_campaign):
    message = message_to("clara@acme.example")
    assert message.from_email == "Server <server@example.com>"
    assert message.reply_to == []
    assert "msp-maturity" not in message.body.lower()


def test_a_technicians_pulse_keeps_the_products_sender(default_sender, brand, pulse_campaign):
    message = message_to("tim@example.com")
    assert message.from_email == "Server <server@example.com>"
    assert "Nordlicht" not in message.body and "Nordlicht" not in message.alternatives[0][0]


def test_a_changed_brand_reaches_the_next_emails(db, client_company, client_campaign):
    brand = Brand.load()
    brand.sender_email = "neu@nordlicht.example"
    brand.name = "Neu GmbH"
    brand.save()
    from surveys.sending import build_message, pulse_question

    invitation = Invitation.objects.get(email="clara@acme.example")
    message = build_message(invitation, "t", False, pulse_question(invitation.campaign.survey))
    assert message.from_email == "Neu GmbH <neu@nordlicht.example>"
