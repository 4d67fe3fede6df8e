"""Who may see what: technicians never reach another technician's answers or a manager's
page or export; personal survey links refuse every kind of broken or foreign token with a
friendly page and leak nothing; aggregate-only surveys stay aggregate (>= 5 answers) on
pages, charts, CSV and in the back office.

Complements tests/test_access_matrix.py (one URL per pattern and role), tests/surveys/
test_respond.py (tampered, closed, foreign-salt tokens) and tests/surveys/
test_results.py (threshold on the in-depth page and CSV)."""

import csv
import datetime
import io
import json

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from surveys.models import Campaign, Invitation, Survey, SurveyKind
from surveys.services import create_campaign
from tests.assessments.factories import WORKED_EXAMPLE, store
from tests.surveys.helpers import (
    answer,
    campaign,
    invite,
    make_client,
    make_contact,
    make_technician,
    publish_quarters,
)

SECRET_COMMENT = "Nur für mich: Gehalt zu niedrig"

# Every page and download of the manager area, with the arguments it needs.
MANAGER_URLS = [
    "/surveys/campaigns/",
    "/surveys/campaigns/new/",
    "/surveys/results/",
    "/surveys/results/clients/",
    "/surveys/results/pulse/",
    "/surveys/results/pulse/?weeks=52",
    "/surveys/results/in-depth/",
    "/surveys/results/technician-onboarding/",
    "/surveys/results/clients/by-client.csv",
    "/surveys/results/clients/by-month.csv",
    "/surveys/results/clients/comments.csv",
    "/surveys/results/pulse/heatmap.csv",
    "/surveys/results/pulse/team.csv",
    "/surveys/results/pulse/check-in.csv",
    "/surveys/results/in-depth/questions.csv",
    "/surveys/results/technician-onboarding/questions.csv",
    "/assessment/rounds/new/",
]


@pytest.fixture
def other_technician(other_technician_user):
    return make_technician("Tara Technik", user=other_technician_user)


@pytest.fixture
def their_answers(other_technician):
    """Tara's pulse and in-depth answers, with a comment only she and aggregates may see."""
    pulse = invite(campaign(SurveyKind.PULSE), other_technician)
    answer(pulse, {"week": 1}, texts={"comment": SECRET_COMMENT})
    in_depth = invite(campaign(SurveyKind.IN_DEPTH), other_technician)
    answer(in_depth, {"job_satisfaction": 2}, texts={"improve_first": SECRET_COMMENT})
    return {"pulse": pulse, "in_depth": in_depth}


def test_a_technician_reaches_no_manager_page_or_export(
    technician_client, technician, their_answers
):
    camp = their_answers["in_depth"].campaign
    urls = [
        *MANAGER_URLS,
        f"/surveys/campaigns/{camp.pk}/",
        f"/surveys/campaigns/{camp.pk}/?format=csv",
        f"/assessment/history/{their_answers['in_depth'].technician.user_id}/",
    ]
    for url in urls:
        response = technician_client.get(url)
        assert response.status_code == 403, url
        assert SECRET_COMMENT.encode() not in response.content
    for url in (
        f"/surveys/campaigns/{camp.pk}/close/",
        f"/surveys/campaigns/{camp.pk}/send-again/",
        "/surveys/campaigns/new/",
    ):
        assert technician_client.post(url, {}).status_code == 403, url
    camp.refresh_from_db()
    assert camp.status == Campaign.Status.OPEN


def test_a_technician_never_sees_another_technicians_answers(
    technician_client, technician, their_answers
):
    for invitation in their_answers.values():
        url = f"/surveys/mine/{invitation.pk}/"
        assert technician_client.get(url).status_code == 404
        assert technician_client.post(url, {"q_week": "5"}).status_code == 404
    own = technician_client.get("/surveys/mine/").content.decode()
    assert SECRET_COMMENT not in own and "Tara" not in own
    for invitation in their_answers.values():
        assert invitation.response.answers.filter(text=SECRET_COMMENT).exists()


def test_a_technician_never_sees_another_technicians_self_assessment(
    technician_client, other_technician_user
):
    theirs = store(other_technician_user, WORKED_EXAMPLE)
    assert technician_client.get(f"/assessment/results/{theirs.public_id}/").status_code == 404
    history = technician_client.get("/assessment/history/").content.decode()
    assert "3,55" not in history
    assert (
        technician_client.get(f"/assessment/history/{other_technician_user.pk}/").status_code == 403
    )


# --- Personal links ---------------------------------------------------------------------------


@pytest.fixture
def two_contacts(db, django_capture_on_commit_callbacks):
    """One client campaign to Clara and Bruno, and a pulse to a technician: their links."""
    company = make_client("Acme")
    clara, bruno = make_contact(company), make_contact(company, language="en")
    clara.name, bruno.name = "Clara Kunde", "Bruno Berger"
    clara.save()
    bruno.save()
    pulse_tech = make_technician("Paul Puls")
    with django_capture_on_commit_callbacks(execute=True):
        clients = create_campaign(
            survey=Survey.objects.get(kind=SurveyKind.CLIENT_ONBOARDING),
            name="Onboarding",
            recipients=[clara, bruno],
            closes_at=timezone.now() + datetime.timedelta(days=14),
        )
        pulse = create_campaign(
            survey=Survey.objects.get(kind=SurveyKind.PULSE),
            name="Puls",
            recipients=[pulse_tech],
            closes_at=timezone.now() + datetime.timedelta(days=6),
        )
    links = {}
    for message in mail.outbox:
        links[message.to[0]] = message.body.split("https://surveys.example")[1].split()[0]
    return {
        "clara": links[clara.email].split("?")[0],
        "bruno": links[bruno.email].split("?")[0],
        "pulse": links[pulse_tech.email].split("?")[0],
        "clients": clients,
        "pulse_campaign": pulse,
        "bruno_email": bruno.email,
    }


CLIENT_ANSWER = {
    "q_overall_satisfaction": "2",
    "q_recommend": "3",
    "q_support_effort": "6",
    "q_contract_closing": "2",
    "q_finalising_responsiveness": "2",
    "q_asset_discovery": "2",
    "q_comment": SECRET_COMMENT,
}


def _token(path: str) -> str:
    return path.split("/")[3]


def assert_friendly_refusal(response, status):
    assert response.status_code == status
    assert b'data-testid="link-problem"' in response.content
    assert_private(response)


def assert_private(response):
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    assert b'<meta name="robots" content="noindex' in response.content


def test_truncated_and_spliced_tokens_are_refused_kindly(client, two_contacts):
    clara, bruno = _token(two_contacts["clara"]), _token(two_contacts["bruno"])
    raw, stamp, signature = clara.split(".")
    bruno_raw, _stamp, bruno_signature = bruno.split(".")
    earlier = signing.b62_encode(signing.b62_decode(stamp) - 60)
    broken = [
        clara[:-1],  # the last character lost when the link wrapped
        clara[: len(clara) // 2],
        f"{raw}.{stamp}",  # signature missing
        raw,  # the bare random part
        f"{raw}.{stamp}.{bruno_signature}",  # Clara's token with Bruno's signature
        f"{bruno_raw}.{stamp}.{signature}",  # Bruno's token with Clara's signature
        f"{raw}.{earlier}.{signature}",  # another timestamp
        clara + "A",
        clara.upper(),
    ]
    for token in broken:
        assert_friendly_refusal(client.get(f"/surveys/r/{token}/"), 404)
        assert_friendly_refusal(client.post(f"/surveys/r/{token}/", CLIENT_ANSWER), 404)
    assert not Invitation.objects.filter(status="answered").exists()


def test_a_token_of_another_survey_cannot_answer_this_one(client, two_contacts):
    """Links carry no survey id; a pulse token can only ever reach its own pulse, and a
    client's answers sent to it store nothing of the client survey."""
    response = client.post(two_contacts["pulse"], CLIENT_ANSWER)
    assert response.status_code == 400  # the pulse's own question is missing
    assert not two_contacts["clients"].responses.exists()
    assert not two_contacts["pulse_campaign"].responses.exists()


def test_a_link_never_shows_another_recipients_data(client, two_contacts):
    assert client.post(two_contacts["clara"], CLIENT_ANSWER).status_code == 302
    page = client.get(two_contacts["bruno"])
    html = page.content.decode()
    assert page.status_code == 200
    assert SECRET_COMMENT not in html
    assert "Clara" not in html and "checked" not in html
    clara_page = client.get(two_contacts["clara"]).content.decode()
    assert "Bruno" not in clara_page and two_contacts["bruno_email"] not in clara_page
    assert _token(two_contacts["bruno"]) not in clara_page
    thanks = client.get(reverse("surveys:thanks") + "?lang=de&audience=client")
    assert SECRET_COMMENT not in thanks.content.decode()


def test_every_token_page_sends_no_referrer_and_noindex(client, two_contacts, settings):
    path = two_contacts["clara"]
    assert_private(client.get(path))  # 200
    assert_private(client.get(path + "?face=3"))
    invalid = client.post(path, {**CLIENT_ANSWER, "q_recommend": "99"})
    assert invalid.status_code == 400
    assert_private(invalid)
    done = client.post(path, CLIENT_ANSWER)
    assert done.status_code == 302 and done["Referrer-Policy"] == "no-referrer"
    assert_private(client.get(done["Location"]))  # the thank-you page
    assert_friendly_refusal(client.get(path[:-3] + "/"), 404)
    Campaign.objects.update(status=Campaign.Status.CLOSED)
    assert_friendly_refusal(client.get(path), 410)
    assert_friendly_refusal(client.post(path, CLIENT_ANSWER), 410)


def test_an_answer_posted_after_closing_changes_nothing(client, two_contacts):
    client.post(two_contacts["clara"], CLIENT_ANSWER)
    Campaign.objects.filter(pk=two_contacts["clients"].pk).update(
        status=Campaign.Status.CLOSED, closed_at=timezone.now()
    )
    refused = client.post(two_contacts["clara"], {**CLIENT_ANSWER, "q_recommend": "10"})
    assert_friendly_refusal(refused, 410)
    assert_friendly_refusal(client.post(two_contacts["bruno"], CLIENT_ANSWER), 410)
    response = two_contacts["clients"].responses.get()
    assert response.answers.get(question__key="recommend").value == 3


# --- Aggregate-only surveys --------------------------------------------------------------------

JULY = datetime.date(2026, 7, 20)
OCTOBER = datetime.date(2026, 10, 1)  # the July quarter has ended
KINDS = {
    "in-depth": (SurveyKind.IN_DEPTH, "job_satisfaction", "improve_first"),
    "technician-onboarding": (SurveyKind.TECHNICIAN_ONBOARDING, "overall_onboarding", "comment"),
}


def _closed_campaign(kind, respondents, value, text_prefix="Geheim", publish=True):
    survey_kind, scale_key, text_key = KINDS[kind]
    camp = campaign(
        survey_kind,
        status=Campaign.Status.CLOSED,
        send_at=timezone.make_aware(datetime.datetime.combine(JULY, datetime.time(9))),
    )
    responses = []
    for i in range(respondents):
        responses.append(
            answer(
                invite(camp, make_technician(f"Befragte {i}")),
                {scale_key: value},
                submitted_on=JULY,
                texts={text_key: f"{text_prefix} {i}"},
            )
        )
    if publish:
        publish_quarters(OCTOBER)
    return camp, responses


def rows_of(response):
    return list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))


def chart_values(html: str) -> list:
    """Every y value of the Plotly specs embedded in a page."""
    values = []
    for chunk in html.split('type="application/json"')[1:]:
        spec = json.loads(chunk.split(">", 1)[1].split("</script>", 1)[0])
        for trace in spec.get("data", []):
            values.extend(v for v in trace.get("y", []) or [] if v is not None)
    return values


@pytest.mark.parametrize("kind", list(KINDS))
def test_below_five_answers_no_page_chart_or_csv_shows_a_figure(manager_client, kind, settings):
    settings.SURVEY_MIN_AGGREGATE = 5
    _closed_campaign(kind, 4, value=3)
    page = manager_client.get(f"/surveys/results/{kind}/?quarter=2026-07-01")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="below-threshold"' in html
    assert "Geheim" not in html and "Befragte" not in html
    assert chart_values(html) == []
    rows = rows_of(manager_client.get(f"/surveys/results/{kind}/questions.csv?quarter=2026-07-01"))
    assert len(rows) > 1
    assert all(row[1] == "—" and row[2] == "" for row in rows[1:])


@pytest.mark.parametrize("kind", list(KINDS))
def test_from_five_answers_the_average_appears_unattributed(manager_client, kind, settings):
    settings.SURVEY_MIN_AGGREGATE = 5
    _closed_campaign(kind, 5, value=3)
    html = manager_client.get(f"/surveys/results/{kind}/?quarter=2026-07-01").content.decode()
    assert 'data-testid="below-threshold"' not in html
    assert "Geheim 4" in html and "Befragte" not in html
    assert 3.0 in chart_values(html)


def test_a_question_answered_by_fewer_than_five_stays_hidden(manager_client, settings):
    """Five people answered the survey, but only one the optional question 'stress': its
    average would be that one person's answer."""
    settings.SURVEY_MIN_AGGREGATE = 5
    _camp, responses = _closed_campaign("in-depth", 5, value=6, publish=False)
    stress = responses[0].survey.questions.get(key="stress")
    responses[0].answers.create(question=stress, value=9)
    assert publish_quarters(OCTOBER)["published"] == 1
    rows = rows_of(manager_client.get("/surveys/results/in-depth/questions.csv?quarter=2026-07-01"))
    stress_row = next(row for row in rows if row[0] == stress.text())
    assert stress_row[1] == "—"
    html = manager_client.get("/surveys/results/in-depth/?quarter=2026-07-01").content.decode()
    assert "9,0" not in html


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_back_office_shows_no_individual_aggregate_only_answer(client, staff_user, kind):
    camp, responses = _closed_campaign(kind, 5, value=3, text_prefix="AdminGeheim")
    client.force_login(staff_user)
    response = responses[0]
    invitation = response.invitation
    pages = [
        "/admin/surveys/response/",
        f"/admin/surveys/response/?q={response.pk}",
        f"/admin/surveys/response/?survey__id__exact={camp.survey_id}",
        "/admin/surveys/invitation/",
        f"/admin/surveys/invitation/{invitation.pk}/change/",
        f"/admin/surveys/campaign/{camp.pk}/change/",
        f"/admin/surveys/survey/{camp.survey_id}/change/",
        "/admin/",
    ]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        assert "AdminGeheim" not in html, url
        assert f"/admin/surveys/response/{response.pk}/" not in html, url
    for url in (
        f"/admin/surveys/response/{response.pk}/change/",
        f"/admin/surveys/response/{response.pk}/history/",
        f"/admin/surveys/response/{response.pk}/delete/",
        "/admin/surveys/answer/",
        f"/admin/surveys/answer/{response.answers.first().pk}/change/",
    ):
        page = client.get(url)
        assert page.status_code in (302, 404), url
        assert b"AdminGeheim" not in page.content
