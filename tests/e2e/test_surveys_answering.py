"""In Chromium: answering from the e-mail link, the pulse face, a manager's campaign."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from surveys.models import Answer, Response, Survey
from surveys.services import create_campaign
from tests.helpers import login_in_browser
from tests.surveys.helpers import make_technician

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

LINK = re.compile(r"(https?://[^\s]+/surveys/r/[^\s/]+/(?:\?face=\d)?)")


@pytest.fixture
def console_errors(page):
    """Console errors except the browser's own favicon request (the product has no
    favicon yet, which is not a survey matter)."""
    errors = []

    def record(message):
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(message.text)

    page.on("console", record)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.fixture
def site(settings, live_server):
    settings.SITE_URL = live_server.url
    return live_server


def test_a_client_answers_from_the_email_and_sees_thanks(
    page, console_errors, site, client_company
):
    create_campaign(
        survey=Survey.objects.get(kind="client_onboarding"),
        name="Acme",
        recipients=list(client_company.contacts.all()),
        closes_at=timezone.now() + datetime.timedelta(days=7),
    )
    assert len(mail.outbox) == 1
    link = LINK.search(mail.outbox[0].body).group(1)
    page.goto(link)
    assert page.locator("h1").inner_text() == "Ihre Zufriedenheit mit dem Onboarding"
    for key, value in [
        ("overall_satisfaction", 4),
        ("recommend", 9),
        ("support_effort", 6),
        ("contract_closing", 5),
        ("finalising_responsiveness", 4),
        ("asset_discovery", 3),
    ]:
        page.locator(
            f'fieldset[data-question="{key}"] label[for="id_q_{key}_{value - (0 if key == "recommend" else 1)}"]'
        ).click()
    page.fill("textarea[name=q_comment]", "Alles gut")
    page.click("main form.survey-form button[type=submit]")
    page.wait_for_selector('[data-testid="thanks"]')
    assert "Vielen Dank!" in page.content()
    response = Response.objects.get()
    values = dict(response.answers.values_list("question__key", "value"))
    assert values["recommend"] == 9 and values["overall_satisfaction"] == 4
    assert console_errors == []


def test_a_technician_clicks_a_face_and_submits(page, console_errors, site, technician):
    create_campaign(
        survey=Survey.objects.get(kind="pulse"),
        name="Puls",
        recipients=[technician],
        closes_at=timezone.now() + datetime.timedelta(days=6),
    )
    links = LINK.findall(mail.outbox[0].body)
    assert len(links) == 5
    # One click: the page's own script records the fourth face (🙂) at once.
    page.goto(links[3])
    page.wait_for_selector('[data-testid="recorded"]')
    assert Answer.objects.get(question__key="week").value == 4
    assert page.is_checked('input[name="q_week"][value="4"]')
    page.fill("textarea[name=q_comment]", "Gute Woche")
    page.click("main form.survey-form button[type=submit]")
    page.wait_for_selector('[data-testid="thanks"]')
    assert Answer.objects.get(question__key="comment").text == "Gute Woche"
    assert console_errors == []


@pytest.mark.parametrize("width", [1366, 390])
def test_a_client_switches_the_survey_to_english_and_answers(
    page, console_errors, site, client_company, width
):
    """The language switch on a survey link is a plain link: under no-referrer a form POST
    would carry Origin: null and fail the CSRF check (it used to answer 403)."""
    page.set_viewport_size({"width": width, "height": 900})
    create_campaign(
        survey=Survey.objects.get(kind="client_onboarding"),
        name="Acme",
        recipients=list(client_company.contacts.all()),
        closes_at=timezone.now() + datetime.timedelta(days=7),
    )
    page.goto(LINK.search(mail.outbox[0].body).group(1))
    assert page.locator("h1").inner_text() == "Ihre Zufriedenheit mit dem Onboarding"
    # A client's page has no menu: the switch stays in view on a phone too.
    page.click('[data-testid="lang-en"]')
    page.wait_for_selector("text=Your satisfaction with onboarding")
    assert page.locator("h1").inner_text() == "Your satisfaction with onboarding"
    page.click("main form.survey-form button[type=submit]")  # nothing chosen yet
    page.wait_for_selector(".alert-danger")
    assert "Please check the marked questions." in page.content()  # still English
    console_errors.clear()  # the browser logs the deliberate 400 of the incomplete form
    for key, value in [
        ("overall_satisfaction", 5),
        ("recommend", 10),
        ("support_effort", 7),
        ("contract_closing", 5),
        ("finalising_responsiveness", 5),
        ("asset_discovery", 5),
    ]:
        page.locator(
            f'fieldset[data-question="{key}"] label[for="id_q_{key}_{value - (0 if key == "recommend" else 1)}"]'
        ).click()
    page.click("main form.survey-form button[type=submit]")
    page.wait_for_selector('[data-testid="thanks"]')
    assert "Thank you!" in page.content()
    assert Response.objects.count() == 1
    assert console_errors == []


def test_a_manager_starts_a_pulse_campaign_in_the_browser(page, console_errors, site, manager):
    make_technician(name="Browser Bea")
    make_technician(name="Browser Ben", language="en")
    login_in_browser(page, site, manager.username)
    page.goto(f"{site.url}/surveys/campaigns/new/")
    page.select_option("select[name=survey]", label="Wie war deine Woche?")
    page.fill("input[name=name]", "Puls aus dem Browser")
    page.fill(
        "input[name=closes_on]", (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    )
    page.select_option("select[name=max_reminders]", "0")
    page.click("main form input[type=submit]")
    page.wait_for_selector('[data-testid="invitation-table"]')
    assert page.locator('[data-testid="invitation-table"] [data-status="sent"]').count() == 2
    assert sorted(m.subject for m in mail.outbox) == ["How was your week?", "Wie war deine Woche?"]
    assert console_errors == []


def test_a_manager_sees_the_results_with_charts(page, console_errors, site, manager, technician):
    from organisation.models import Client, Contact
    from tests.surveys.helpers import answer, campaign, client_answer, invite

    acme = Client.objects.create(
        external_id="E2E", name="Chart GmbH", contract_start=datetime.date(2026, 1, 1)
    )
    Contact.objects.create(client=acme, name="X", email="x@chart.example")
    client_answer(
        campaign("client_onboarding"), acme, 5, 10, 6, timezone.localdate(), comment="Prima"
    )
    answer(invite(campaign("pulse"), technician), {"week": 2})
    hostile = make_technician(name='<a href="https://evil.example">Evil</a>')
    answer(invite(campaign("pulse"), hostile), {"week": 4})
    login_in_browser(page, site, manager.username)
    page.goto(f"{site.url}/surveys/results/clients/")
    # one month with answers: the chart reads as a sentence
    page.wait_for_selector('#client-trend-chart[data-testid="chart-sentence"]')
    assert "Prima" in page.inner_text('[data-testid="comments"]')
    page.goto(f"{site.url}/surveys/results/pulse/")
    page.wait_for_selector("#pulse-heatmap .main-svg")
    # A name with markup is a plain label in the heatmap, not a link.
    assert page.locator("#pulse-heatmap svg a").count() == 0
    assert '<a href="https://evil.example">Evil</a>' in page.inner_text("#pulse-heatmap")
    assert "Tim Technik" in page.inner_text('[data-testid="check-in"]')
    assert console_errors == []
