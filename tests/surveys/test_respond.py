"""Answering through the personal link."""

import datetime

import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from surveys.models import Answer, Campaign, Invitation, Response
from surveys.tokens import SALT
from tests.surveys.links import link_token, links_in, message_to, token_path_for

CLIENT_ANSWER = {
    "q_overall_satisfaction": "4",
    "q_recommend": "9",
    "q_support_effort": "6",
    "q_contract_closing": "5",
    "q_finalising_responsiveness": "4",
    "q_asset_discovery": "3",
    "q_comment": "Sehr gut <b>gemacht</b>",
}


def assert_private(response):
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    assert b'<meta name="robots" content="noindex' in response.content


def test_a_contact_answers_through_the_link(client, client_campaign):
    path = token_path_for("clara@acme.example")
    page = client.get(path)
    assert page.status_code == 200
    assert_private(page)
    assert "Wie zufrieden sind Sie insgesamt" in page.content.decode()
    done = client.post(path, CLIENT_ANSWER)
    assert done.status_code == 302
    thanks = client.get(done["Location"])
    assert thanks.status_code == 200
    response = Response.objects.get()
    answers = {
        a.question.key: (a.value, a.text) for a in response.answers.select_related("question")
    }
    assert answers["recommend"] == (9, "")
    assert answers["comment"] == (None, "Sehr gut <b>gemacht</b>")
    assert response.client == client_campaign.invitations.first().contact.client
    invitation = Invitation.objects.get(email="clara@acme.example")
    assert invitation.status == "answered" and invitation.answered_at


def test_the_page_is_in_the_recipients_language(client, client_campaign):
    english = next(m for m in message_to_all() if m.to != ["clara@acme.example"])
    page = client.get(links_in(english)[0])
    assert "Overall, how satisfied are you with your onboarding so far?" in page.content.decode()


def message_to_all():
    from django.core import mail

    return mail.outbox


def test_get_and_head_record_nothing(client, client_campaign):
    path = token_path_for("clara@acme.example")
    assert client.get(path).status_code == 200
    head = client.head(path)
    assert head.status_code == 200
    assert client.get(path + "?q_recommend=10").status_code == 200
    assert Response.objects.count() == 0
    assert Answer.objects.count() == 0
    assert not Invitation.objects.filter(status="answered").exists()


def test_a_missing_required_answer_re_renders_with_the_input_kept(client, client_campaign):
    path = token_path_for("clara@acme.example")
    data = {**CLIENT_ANSWER, "q_recommend": ""}
    page = client.post(path, data)
    assert page.status_code == 400
    html = page.content.decode()
    assert 'value="6" autocomplete="off" checked' in html
    assert "Sehr gut &lt;b&gt;gemacht&lt;/b&gt;" in html
    assert Response.objects.count() == 0


def test_a_double_submit_records_one_answer(client, client_campaign):
    path = token_path_for("clara@acme.example")
    client.post(path, CLIENT_ANSWER)
    client.post(path, CLIENT_ANSWER)
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 7


def test_an_answer_can_be_changed_until_the_survey_closes(client, client_campaign):
    path = token_path_for("clara@acme.example")
    client.post(path, CLIENT_ANSWER)
    first = Response.objects.get()
    page = client.get(path)
    assert (
        "already answered" in page.content.decode()
        or "bereits geantwortet" in page.content.decode()
    )
    client.post(path, {**CLIENT_ANSWER, "q_recommend": "3", "q_comment": ""})
    response = Response.objects.get()
    assert response.pk == first.pk and response.submitted_at == first.submitted_at
    assert response.answers.get(question__key="recommend").value == 3
    assert not response.answers.filter(question__key="comment").exists()
    Campaign.objects.update(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    closed = client.post(path, {**CLIENT_ANSWER, "q_recommend": "10"})
    assert closed.status_code == 410
    assert response.answers.get(question__key="recommend").value == 3


def test_a_tampered_token_gets_a_friendly_404(client, client_campaign):
    path = token_path_for("clara@acme.example")
    token = path.split("/")[3]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    page = client.get(f"/surveys/r/{tampered}/")
    assert page.status_code == 404
    assert_private(page)
    assert b'data-testid="link-problem"' in page.content
    assert client.post(f"/surveys/r/{tampered}/", CLIENT_ANSWER).status_code == 404
    assert client.get("/surveys/r/not-a-token/").status_code == 404
    assert Response.objects.count() == 0


def test_a_well_signed_but_unknown_token_gets_404(client, client_campaign):
    forged = signing.TimestampSigner(salt=SALT, sep=".").sign("x" * 43)
    assert client.get(f"/surveys/r/{forged}/").status_code == 404


def test_a_token_signed_for_another_purpose_is_rejected(client, client_campaign):
    path = token_path_for("clara@acme.example")
    raw = path.split("/")[3].split(".")[0]
    other = signing.TimestampSigner(salt="assessments.something", sep=".").sign(raw)
    assert client.get(f"/surveys/r/{other}/").status_code == 404


def test_a_link_works_as_long_as_its_campaign_is_open(client, client_campaign):
    """Day 200 of a campaign open for 300 days: links used to expire after 120 days."""
    path = token_path_for("clara@acme.example")
    Campaign.objects.update(closes_at=timezone.now() + datetime.timedelta(days=300))
    with time_machine.travel(timezone.now() + datetime.timedelta(days=200)):
        assert client.get(path).status_code == 200
        assert client.post(path, CLIENT_ANSWER).status_code == 302
    with time_machine.travel(timezone.now() + datetime.timedelta(days=301)):
        page = client.get(path)
    assert page.status_code == 410
    assert "Diese Umfrage ist geschlossen" in page.content.decode()


def test_a_link_reused_after_close_gets_410(client, client_campaign):
    path = token_path_for("clara@acme.example")
    client.post(path, CLIENT_ANSWER)
    Campaign.objects.update(status=Campaign.Status.CLOSED)
    page = client.get(path)
    assert page.status_code == 410
    assert client.post(path, CLIENT_ANSWER).status_code == 410


def test_answers_for_another_surveys_questions_are_ignored(
    client, client_campaign, pulse_campaign, technician
):
    """A pulse token cannot store client questions, and the client's link cannot
    store pulse answers: only the invitation's own survey counts."""
    pulse_path = token_path_for(technician.email)
    foreign = {k: v for k, v in CLIENT_ANSWER.items() if k != "q_comment"}
    client.post(pulse_path, {**foreign, "q_week": "4"})
    response = Response.objects.get()
    assert response.survey.kind == "pulse"
    assert {a.question.key for a in response.answers.select_related("question")} == {"week"}
    client_path = token_path_for("clara@acme.example")
    page = client.post(client_path, {"q_week": "4"})
    assert page.status_code == 400  # the client's required questions are missing
    assert Response.objects.count() == 1


def test_a_pulse_face_link_shows_the_one_click_form_and_stores_nothing_on_get(
    client, pulse_campaign, technician
):
    links = links_in(message_to(technician.email))
    page = client.get(links[1])  # face 2
    html = page.content.decode()
    assert page.status_code == 200
    assert "data-one-click" in html and 'name="face" value="2"' in html
    assert "js/one_click.js" in html
    assert Response.objects.count() == 0
    client.head(links[1])
    assert Response.objects.count() == 0


@pytest.mark.parametrize("face", ["0", "9", "abc", ""])
def test_a_bad_face_preselects_nothing(client, pulse_campaign, technician, face):
    path = token_path_for(technician.email)
    html = client.get(f"{path}?face={face}").content.decode()
    assert " checked" not in html and "data-one-click" not in html


def test_technician_pages_say_du_and_client_pages_say_sie(
    client, client_campaign, pulse_campaign, technician
):
    pulse = client.get(token_path_for(technician.email)).content.decode()
    assert "Wie war deine Woche?" in pulse
    clients = client.get(token_path_for("clara@acme.example")).content.decode()
    assert "Sie" in clients


def test_a_respondent_switches_the_pages_language_with_a_plain_link(db, client):
    from tests.surveys.helpers import campaign, invite, make_client, make_contact

    invitation = invite(campaign("client_onboarding"), make_contact(make_client(), "de"))
    url = f"/surveys/r/{link_token(invitation)}/"
    german = client.get(url).content.decode()
    assert f'href="{url}?lang=en"' in german and "Ihre Zufriedenheit" in german
    english = client.get(url, {"lang": "en"})
    assert "Your satisfaction with onboarding" in english.content.decode()
    assert english["Content-Language"] == "en"
    assert client.get(url, {"lang": "xx"}).content.decode().count("Ihre Zufriedenheit") >= 1
    assert "Thank you!" in client.get("/surveys/thanks/", {"lang": "en"}).content.decode()
    gone = client.get("/surveys/r/not-a-token/", {"lang": "en"})
    assert gone.status_code == 404 and "This link does not work" in gone.content.decode()


def test_an_anonymous_survey_never_shows_a_stored_answer_again(db, client):
    """Whoever holds a second link (a reminder sent to a changed address, a forwarded
    e-mail) must not read one person's answers; a named survey keeps showing them."""
    from tests.surveys.helpers import answer, campaign, invite, make_technician

    technician = make_technician()
    secret = "Mein Teamleiter ist das Problem"
    anonymous = invite(campaign("in_depth"), technician)
    answer(anonymous, {"job_satisfaction": 0}, texts={"improve_first": secret})
    page = client.get(f"/surveys/r/{link_token(anonymous)}/").content.decode()
    assert 'data-testid="already-answered"' in page
    assert secret not in page and "checked" not in page
    named = invite(campaign("pulse"), technician)
    answer(named, {"week": 2})
    page = client.get(f"/surveys/r/{link_token(named)}/").content.decode()
    assert 'value="2" autocomplete="off" checked' in page
