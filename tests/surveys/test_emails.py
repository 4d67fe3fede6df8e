"""Invitation e-mails: both parts, the recipient's language, the personal links."""

from django.core import mail

from surveys.models import Invitation, InvitationToken
from tests.surveys.links import LINK, links_in, message_to


def test_each_contact_gets_one_email_with_text_and_html(client_campaign):
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert len(message.alternatives) == 1
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert len(links_in(message)) == 1
        assert LINK.search(html)
    assert set(Invitation.objects.values_list("status", flat=True)) == {"sent"}


def test_the_email_speaks_the_recipients_language(client_campaign):
    german = message_to("clara@acme.example")
    assert german.subject == "Ihre Zufriedenheit mit dem Onboarding"
    assert "Guten Tag Clara Kunde" in german.body
    assert '<html lang="de">' in german.alternatives[0][0]
    english = next(m for m in mail.outbox if m is not german)
    assert english.subject == "Your satisfaction with onboarding"
    assert '<html lang="en">' in english.alternatives[0][0]
    assert "Start the survey" in english.alternatives[0][0]
    assert "Dear Contact" in english.body
    assert "No login is needed" in english.body


def test_the_link_is_absolute_and_only_its_hash_is_stored(client_campaign):
    message = message_to("clara@acme.example")
    token = links_in(message)[0].split("/")[3]
    assert message.body.count("https://surveys.example/surveys/r/") == 1
    stored = list(InvitationToken.objects.values_list("token_hash", flat=True))
    assert len(stored) == 2
    assert all(token not in h and token.split(".")[0] not in h for h in stored)
    raw = token.split(".")[0]
    assert len(raw) >= 22  # >= 128 bits in URL-safe base64


def test_the_pulse_email_has_five_face_links(pulse_campaign, technician):
    message = message_to(technician.email)
    links = links_in(message)
    assert [link.split("=")[-1] for link in links] == ["1", "2", "3", "4", "5"]
    assert len({link.split("?")[0] for link in links}) == 1  # one personal token
    html = message.alternatives[0][0]
    for face in ["😫", "🙁", "😐", "🙂", "😄"]:
        assert face in html and face in message.body
    assert "<svg" not in html.lower()
    assert message.subject == "Wie war deine Woche?"
    assert "Hallo Tim Technik" in message.body


def test_the_english_pulse(pulse_campaign):
    english = next(m for m in mail.outbox if m.subject == "How was your week?")
    assert "Hi Technician" in english.body
    assert "face=5" in english.alternatives[0][0]
