"""End-to-end journeys across the apps, in Chromium against the live server.

Journeys already covered in full by the apps' own browser tests (not repeated here):
- the public self-assessment: tests/e2e/test_assessments_flow.py::
  test_the_worked_example_in_german_and_english (and test_a_missing_answer_keeps_the_others_in_the_browser)
- a team round with two members: tests/e2e/test_assessments_flow.py::test_a_team_round_with_two_members
- a manager starting a campaign: tests/e2e/test_surveys_answering.py::
  test_a_manager_starts_a_pulse_campaign_in_the_browser
- a client answering the e-mailed survey: tests/e2e/test_surveys_answering.py::
  test_a_client_answers_from_the_email_and_sees_thanks
- a technician answering the pulse from the e-mail's face link: tests/e2e/
  test_surveys_answering.py::test_a_technician_clicks_a_face_and_submits

Added here: the technician's pulse answered while signed in (Meine Umfragen -> answer ->
own history), and hostile text typed by a client that must stay inert in the manager's
browser. Screenshots of failures land in test-artifacts/ (tests/conftest.py).
"""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from surveys.models import Answer, Survey
from surveys.services import create_campaign
from tests.helpers import login_in_browser

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

LINK = re.compile(r"(https?://[^\s]+/surveys/r/[^\s/]+/)")
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def site(settings, live_server):
    settings.SITE_URL = live_server.url
    return live_server


def _errors(page):
    return [e for e in page.js_errors if "favicon" not in e]


def test_a_technician_answers_the_pulse_signed_in_and_sees_it_in_their_history(
    page, site, technician
):
    create_campaign(
        survey=Survey.objects.get(kind="pulse"),
        name="Puls",
        recipients=[technician],
        closes_at=timezone.now() + datetime.timedelta(days=6),
    )
    login_in_browser(page, site, technician.user.username)
    page.goto(f"{site.url}/surveys/mine/")
    open_surveys = page.get_by_test_id("open-surveys")
    expect(open_surveys).to_contain_text("Wie war deine Woche?")
    open_surveys.get_by_role("link").first.click()
    page.locator('input[name="q_week"][value="2"]').check(force=True)
    page.fill("textarea[name=q_comment]", "Viel Bereitschaft")
    page.click("main form.survey-form button[type=submit]")
    page.wait_for_url(re.compile(r"/surveys/mine/$"))
    history = page.get_by_test_id("my-pulse")
    expect(history).to_contain_text("Viel Bereitschaft")
    expect(history.locator("tbody tr").first.locator("td").nth(1)).to_have_text("2")
    assert Answer.objects.get(question__key="week").value == 2
    assert _errors(page) == []


def test_hostile_text_from_a_client_stays_inert_in_the_managers_browser(
    browser, page, site, client_company, manager
):
    create_campaign(
        survey=Survey.objects.get(kind="client_onboarding"),
        name="Acme",
        recipients=list(client_company.contacts.all()),
        closes_at=timezone.now() + datetime.timedelta(days=7),
    )
    link = LINK.search(mail.outbox[0].body).group(1)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(link)
    for key, label in [
        ("overall_satisfaction", "id_q_overall_satisfaction_3"),
        ("recommend", "id_q_recommend_9"),
        ("support_effort", "id_q_support_effort_4"),
        ("contract_closing", "id_q_contract_closing_3"),
        ("finalising_responsiveness", "id_q_finalising_responsiveness_3"),
        ("asset_discovery", "id_q_asset_discovery_3"),
    ]:
        page.locator(f'fieldset[data-question="{key}"] label[for="{label}"]').click()
    page.fill("textarea[name=q_comment]", SCRIPT + ' =HYPERLINK("http://x","y")')
    page.click("main form.survey-form button[type=submit]")
    page.wait_for_selector('[data-testid="thanks"]')

    login_in_browser(page, site, manager.username)
    page.goto(f"{site.url}/surveys/results/clients/")
    comments = page.get_by_test_id("comments")
    expect(comments).to_contain_text(SCRIPT)  # shown as text, not run
    # one month with answers: the chart reads as a sentence
    expect(page.locator('#client-trend-chart[data-testid="chart-sentence"]')).to_be_visible()
    assert dialogs == []
    assert _errors(page) == []
