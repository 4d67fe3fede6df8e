"""The self-assessment in a real Chromium: the published worked example in German and
English, and a team round with two members."""

import re

import pytest
from playwright.sync_api import expect

from assessments.models import Assessment, TeamRound
from tests.assessments.factories import WORKED_EXAMPLE, content
from tests.helpers import login_in_browser, make_user

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


def fill_in(page, values_per_area):
    questionnaire = content()
    for area, values in zip(questionnaire.areas, values_per_area, strict=True):
        for statement, value in zip(area.statement_list, values, strict=True):
            page.click(f"[data-testid=choice-{statement.key}-{value}]")


def test_the_worked_example_in_german_and_english(page, live_server):
    page.goto(f"{live_server.url}/assessment/")
    expect(
        page.get_by_text("Self-Assessment zur MSP-Reife, veröffentlicht von LogMeIn")
    ).to_be_visible()
    fill_in(page, WORKED_EXAMPLE)
    page.click("[data-testid=submit-assessment]")
    page.wait_for_url(re.compile(r"/assessment/results/visitor/"))

    expect(page.get_by_test_id("overall-score")).to_have_text("3,55")
    expect(page.get_by_test_id("overall-phase")).to_have_text("Proaktiv")
    expect(page.get_by_test_id("area-score-processes")).to_have_text("4,60")
    expect(page.get_by_test_id("area-score-revenue")).to_have_text("2,60")
    expect(page.get_by_test_id("area-phase-processes")).to_have_text("Skalierbar")
    expect(page.get_by_test_id("tip-revenue")).to_contain_text("Verfolgen Sie Abwanderung nach")
    expect(page.get_by_test_id("next-tip-revenue")).to_contain_text("Upselling-Kampagne")
    expect(page.get_by_test_id("tip-technology")).to_contain_text("Investieren Sie in Tools")
    expect(page.get_by_test_id("next-tip-technology")).to_contain_text("vierteljährlichen")
    expect(page.locator("#result-radar[data-chart-ready='1']")).to_have_count(1)
    expect(page.locator("#result-radar svg.main-svg").first).to_be_visible()

    page.click("[data-testid=lang-en]")
    expect(page.get_by_test_id("overall-score")).to_have_text("3.55")
    expect(page.get_by_test_id("overall-phase")).to_have_text("Proactive (Proaktiv)")
    expect(page.get_by_test_id("tip-revenue")).to_contain_text("Track churn to understand")
    expect(page.get_by_test_id("assessment-source")).to_have_text(
        "MSP maturity self-assessment published by LogMeIn, September 2025"
    )
    expect(page.locator("#result-radar[data-chart-ready='1']")).to_have_count(1)

    page.click("[data-testid=lang-de]")
    expect(page.get_by_test_id("overall-score")).to_have_text("3,55")
    assert Assessment.objects.count() == 0  # a visitor's result is not stored
    assert page.js_errors == []


def test_a_missing_answer_keeps_the_others_in_the_browser(page, live_server):
    page.goto(f"{live_server.url}/assessment/")
    questionnaire = content()
    for area, row in zip(questionnaire.areas, WORKED_EXAMPLE, strict=True):
        for statement, value in zip(area.statement_list, row, strict=True):
            if statement.key != "churn_tracked":
                page.click(f"[data-testid=choice-{statement.key}-{value}]")
    page.click("[data-testid=submit-assessment]")
    expect(page.get_by_test_id("error-churn_tracked")).to_be_visible()
    expect(page.locator("input[type=radio]:checked")).to_have_count(19)
    assert Assessment.objects.count() == 0
    assert page.js_errors == []


def test_a_signed_in_result_is_stored_and_appears_in_the_history(page, live_server):
    user = make_user("anna", "manager", first_name="Anna", last_name="Admin")
    login_in_browser(page, live_server, "anna")
    page.goto(f"{live_server.url}/assessment/")
    fill_in(page, WORKED_EXAMPLE)
    page.click("[data-testid=submit-assessment]")
    expect(page.get_by_test_id("overall-score")).to_have_text("3,55")
    assert Assessment.objects.filter(user=user).count() == 1
    page.click("[data-testid=nav-assessment]")
    page.click("[data-testid=nav-assessments-history]")
    expect(page.get_by_test_id("latest-score")).to_have_text("3,55")
    expect(page.locator("#history-lines[data-chart-ready='1']")).to_have_count(1)
    assert page.js_errors == []


def test_a_team_round_with_two_members(browser, page, live_server):
    make_user("boss", "manager", first_name="Bea", last_name="Boss")
    make_user("ali", "technician", first_name="Ali", last_name="Aydin")
    make_user("eva", "technician", first_name="Eva", last_name="Ernst")

    login_in_browser(page, live_server, "boss")
    page.goto(f"{live_server.url}/assessment/rounds/")
    page.click("[data-testid=open-round]")
    page.fill("input[name=name]", "Teamrunde Test")
    page.get_by_label("Ali Aydin").check()
    page.get_by_label("Eva Ernst").check()
    page.click("[data-testid=round-form] button[type=submit]")
    expect(page.get_by_test_id("round-no-answers")).to_be_visible()
    round_url = page.url
    team_round = TeamRound.objects.get(name="Teamrunde Test")

    for username, answers in [("ali", WORKED_EXAMPLE), ("eva", [[2] * 5] * 4)]:
        context = browser.new_context(locale="de-DE")
        member = context.new_page()
        errors = []
        member.on(
            "console",
            lambda msg, errors=errors: errors.append(msg.text) if msg.type == "error" else None,
        )
        login_in_browser(member, live_server, username)
        member.goto(round_url)
        expect(member.get_by_test_id("round-result-hidden")).to_be_visible()
        member.click("[data-testid=answer-round]")
        fill_in(member, answers)
        member.click("[data-testid=submit-assessment]")
        expect(member.get_by_test_id("round-score")).to_be_visible()
        expect(member.get_by_test_id("my-round-answers")).to_be_visible()
        assert errors == []
        context.close()

    assert team_round.submissions.count() == 2
    page.goto(round_url)
    # Mean of 3.55 and 2.00.
    expect(page.get_by_test_id("round-score")).to_have_text("2,78")
    expect(page.get_by_test_id("round-answered")).to_contain_text("2 von 2")
    expect(page.get_by_test_id("round-spread")).to_contain_text("4,60")
    expect(page.locator("#round-radar[data-chart-ready='1']")).to_have_count(1)
    assert page.js_errors == []
