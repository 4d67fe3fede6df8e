"""Every client e-mail carries the objection notice of §7(3) UWG with a personal
unsubscribe link, in both parts and the contact's language, and the List-Unsubscribe
headers for a mail program's one-click unsubscribe (RFC 8058)."""

import email.policy

import pytest
from django.core import mail
from django.test import Client as BrowserClient
from django.utils import translation

from organisation.consent import read_unsubscribe_token
from organisation.models import SuppressedAddress

NOTICE = {
    "en": "You receive this e-mail as a customer of",
    "de": "Sie erhalten diese E-Mail als Kunde von",
}
OBJECT = {"en": "You may object to the use of your e-mail address for surveys at any time"}


def _message_to(address):
    return next(message for message in mail.outbox if message.to == [address])


def _link(message) -> str:
    return message.extra_headers["List-Unsubscribe"].strip("<>")


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_client_invitation_has_the_one_click_headers_and_a_personal_link(
    client_campaign, language
):
    invitation = client_campaign.invitations.get(language=language)
    message = _message_to(invitation.email)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = _link(message)
    assert link.startswith("https://surveys.example/unsubscribe/")
    token = link.rsplit("/", 2)[-2]
    assert read_unsubscribe_token(token) == (invitation.email.lower(), language)
    # The automatic-reply headers stay.
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


@pytest.mark.parametrize("language", ["de", "en"])
def test_both_parts_carry_the_notice_and_the_link(client_campaign, language):
    invitation = client_campaign.invitations.get(language=language)
    message = _message_to(invitation.email)
    html = message.alternatives[0].content
    with translation.override(language):
        notice = translation.gettext(
            "You receive this e-mail as a customer of %(sender)s. You may object to the use "
            "of your e-mail address for surveys at any time, without any costs other than "
            "the transmission costs at the basic rates:"
        ) % {"sender": "msp-maturity"}
    assert notice in message.body
    assert notice in html
    assert _link(message) in message.body
    assert f'href="{_link(message)}"' in html


def test_the_english_notice_says_that_they_may_object_at_any_time(client_campaign):
    message = _message_to(client_campaign.invitations.get(language="en").email)
    for part in (message.body, message.alternatives[0].content):
        assert NOTICE["en"] in part and OBJECT["en"] in part


def test_the_german_notice_is_german(client_campaign):
    message = _message_to(client_campaign.invitations.get(language="de").email)
    for part in (message.body, message.alternatives[0].content):
        assert NOTICE["de"] in part


def test_the_link_in_the_header_unsubscribes_with_one_click(client_campaign):
    message = _message_to(client_campaign.invitations.get(language="en").email)
    response = BrowserClient(enforce_csrf_checks=True).post(
        _link(message).removeprefix("https://surveys.example"),
        {"List-Unsubscribe": "One-Click"},
    )
    assert response.status_code == 200
    assert SuppressedAddress.objects.get().email == message.to[0].lower()


def test_technicians_get_neither_the_notice_nor_the_headers(pulse_campaign):
    for message in mail.outbox:
        assert "List-Unsubscribe" not in message.extra_headers
        assert "/unsubscribe/" not in message.body
        assert NOTICE["en"] not in message.body


def test_a_client_e_mail_built_without_the_unsubscribe_header_is_not_sent(
    client_company, monkeypatch
):
    """The guard in organisation.consent.ClientMail: a future kind of client e-mail that
    forgets the footer fails visibly instead of going out without the notice."""
    import datetime

    from django.utils import timezone

    from core import delivery
    from core.mail import compose
    from surveys import sending
    from surveys.models import Survey, SurveyKind
    from surveys.services import create_campaign

    def without_footer(invitation, token, reminder, question, footer=None):
        return compose(
            to=invitation.email,
            subject="Survey",
            template="surveys/email/invitation",
            context={"name": "x", "url": "x", "closes_at": invitation.campaign.closes_at},
        )

    monkeypatch.setattr(sending, "build_message", without_footer)
    campaign = create_campaign(
        survey=Survey.objects.get(kind=SurveyKind.CLIENT_ONBOARDING),
        name="Onboarding",
        recipients=[client_company.contacts.get()],
        closes_at=timezone.now() + datetime.timedelta(days=14),
    )
    assert delivery.send_batch(sending.INVITATIONS, campaign.pk) == {"sent": 0, "failed": 1}
    assert mail.outbox == []
    assert "unsubscribe" in campaign.invitations.get().failure_reason


def test_the_unsubscribe_header_reaches_the_mail_program_as_a_url(client_campaign):
    """On the wire (the SMTP backend's policy), the long personal URL stays one plain
    header: folded into RFC 2047 encoded words a mail program cannot use it."""
    message = _message_to(client_campaign.invitations.get(language="de").email)
    wire = message.message(policy=email.policy.SMTP).as_bytes().decode()
    header = f"List-Unsubscribe: <{_link(message)}>\r\n"
    assert len(header) > 80 and header in wire
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in wire
