"""Invitation e-mails: both parts, the recipient's language, the personal links."""

import datetime

from django.core import mail
from django.utils import timezone

from surveys.models import Invitation, InvitationToken, Survey
from surveys.services import create_campaign
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


PULSE_NAMED = (
    "Dieser Puls ist nicht anonym: Deine Führungskraft sieht deine Antwort mit deinem Namen"
)
ANONYMOUS = "Deine Antworten sind anonym: Sie erscheinen nur als Ergebnis eines ganzen Quartals"


def test_the_pulse_email_says_that_the_pulse_is_named(pulse_campaign, technician, client):
    message = message_to(technician.email)
    for part in (message.body, message.alternatives[0][0]):
        assert PULSE_NAMED in part and ANONYMOUS not in part
    english = next(m for m in mail.outbox if m.subject == "How was your week?")
    assert "This pulse is not anonymous" in english.body
    page = client.get(links_in(message)[0].split("?")[0]).content.decode()
    assert 'data-testid="pulse-named-note"' in page and PULSE_NAMED in page


def test_anonymous_surveys_say_how_their_answers_are_shown(
    db, technician, client, django_capture_on_commit_callbacks, settings
):
    settings.SURVEY_MIN_AGGREGATE = 5
    for kind in ("in_depth", "technician_onboarding"):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            create_campaign(
                survey=Survey.objects.get(kind=kind),
                name=kind,
                recipients=[technician],
                closes_at=timezone.now() + datetime.timedelta(days=7),
            )
        [message] = mail.outbox
        for part in (message.body, message.alternatives[0][0]):
            assert ANONYMOUS in part and "mindestens 5 Kolleginnen" in part
            assert PULSE_NAMED not in part
        page = client.get(links_in(message)[0]).content.decode()
        assert 'data-testid="anonymity-note"' in page and ANONYMOUS in page


def test_client_emails_carry_no_technician_note(client_campaign):
    for message in mail.outbox:
        assert "anonym" not in message.body and "anonymous" not in message.body
