"""Taking the assessment: validation, visitors and signed-in users."""

import pytest
from django.urls import reverse

from assessments.models import Answer, Assessment
from assessments.views import VISITOR_COOKIE
from tests.assessments.factories import WORKED_EXAMPLE, content, post_data
from tests.helpers import make_user

START = "assessments:start"


@pytest.fixture
def full(db):
    return post_data(WORKED_EXAMPLE)


def _field(index: int) -> str:
    return f"statement-{content().statements[index].pk}"


def test_the_form_shows_all_areas_statements_and_scale_labels(client, db):
    response = client.get(reverse(START))
    html = response.content.decode()
    assert response.status_code == 200
    for name in [
        "Prozesse und Betrieb",
        "Technologie und Automatisierung",
        "Kundenzufriedenheit und Kundenbindung",
        "Umsatz und Wachstum",
    ]:
        assert name in html
    assert html.count('type="radio"') == 100
    assert "Stimme überhaupt nicht zu" in html and "Stimme voll und ganz zu" in html
    assert "veröffentlicht von LogMeIn, September 2025" in html


def test_a_missing_answer_re_shows_the_form_with_the_given_answers_kept(client, full):
    missing = _field(3)
    del full[missing]
    response = client.post(reverse(START), full)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="error-workflows_optimised"' in html
    assert html.count("invalid-feedback") == 1
    # All 19 given answers are still checked.
    assert html.count(" checked") == 19
    assert f'name="{_field(0)}" id="{_field(0)}-5" value="5" autocomplete="off" checked' in html
    assert Assessment.objects.count() == 0


def test_an_empty_submission_marks_every_statement(client, db):
    response = client.post(reverse(START), {"version": "1"})
    assert response.content.decode().count('class="invalid-feedback d-block"') == 20


@pytest.mark.parametrize("bad", ["0", "6", "-1", "drei", "3.5", ""])
def test_out_of_range_and_non_numeric_answers_are_refused(manager_client, full, bad):
    full[_field(7)] = bad
    response = manager_client.post(reverse(START), full)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="error-tools_integrated"' in html
    assert html.count(" checked") == 19
    assert Assessment.objects.count() == 0 and Answer.objects.count() == 0


def test_answers_to_unknown_statements_are_refused(manager_client, full):
    full["statement-999999"] = "3"
    response = manager_client.post(reverse(START), full)
    html = response.content.decode()
    assert 'data-testid="form-errors"' in html
    assert "nicht Teil dieses Fragebogens" in html
    assert html.count(" checked") == 20
    assert Assessment.objects.count() == 0


def test_a_visitor_sees_the_result_but_nothing_is_stored(client, full):
    response = client.post(reverse(START), full)
    assert response.status_code == 302
    assert response["Location"].startswith("/assessment/results/visitor/")
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "3,55" in html and "Proaktiv" in html
    assert 'data-testid="not-stored"' in html
    assert Assessment.objects.count() == 0 and Answer.objects.count() == 0


def test_a_visitor_result_is_not_visible_from_another_browser(client, full):
    from django.test import Client

    location = client.post(reverse(START), full)["Location"]
    assert Client().get(location).status_code == 404
    assert client.get("/assessment/results/visitor/guessed-token/").status_code == 404


def test_a_visitor_keeps_only_the_newest_results_in_a_small_cookie(client, full):
    locations = [client.post(reverse(START), full)["Location"] for _ in range(7)]
    cookie = client.cookies[VISITOR_COOKIE]
    assert len(cookie.value) < 3000
    assert client.get(locations[0]).status_code == 404
    assert client.get(locations[-1]).status_code == 200
    assert client.get(locations[2]).status_code == 200


def test_nothing_of_a_visitors_result_is_written_on_the_server(client, full):
    from django.contrib.sessions.models import Session

    client.post(reverse(START), full)
    assert Session.objects.count() == 0
    assert Assessment.objects.count() == 0


def test_a_tampered_visitor_cookie_shows_no_result(client, full):
    location = client.post(reverse(START), full)["Location"]
    client.cookies[VISITOR_COOKIE] = client.cookies[VISITOR_COOKIE].value[:-3] + "abc"
    assert client.get(location).status_code == 404


def test_a_signed_in_users_result_is_stored_with_all_answers(manager_client, manager, full):
    response = manager_client.post(reverse(START), full)
    assessment = Assessment.objects.get()
    assert response["Location"] == reverse("assessments:result", args=[assessment.public_id])
    assert assessment.user == manager
    assert str(assessment.overall_score) == "3.55"
    assert assessment.phase.key == "proactive"
    assert assessment.answers.count() == 20
    page = manager_client.get(response["Location"])
    assert "3,55" in page.content.decode()


def test_the_result_page_shows_phase_characteristics_tips_next_steps_and_the_chart(
    manager_client, full
):
    location = manager_client.post(reverse(START), full)["Location"]
    html = manager_client.get(location).content.decode()
    assert "Starke Systeme, proaktiver Service" in html
    # Processes 4.6 Skalierbar: its own tip, and no phase beyond.
    assert "Stellen Sie sicher, dass neue Teammitglieder" in html
    # Revenue 2.6 Stabil: tip Stabil, next step Proaktiv.
    assert "Verfolgen Sie Abwanderung nach" in html
    assert "Erstellen Sie eine Upselling-Kampagne" in html
    assert 'data-chart-spec="result-radar-spec"' in html
    assert "4,60" in html and "3,20" in html and "3,80" in html and "2,60" in html


def test_the_result_page_in_english(manager_client, full, settings):
    location = manager_client.post(reverse(START), full)["Location"]
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = manager_client.get(location).content.decode()
    assert "3.55" in html and "Proactive (Proaktiv)" in html
    assert "MSP maturity self-assessment published by LogMeIn, September 2025" in html
    assert "Track churn to understand when and why clients leave." in html


def test_someone_elses_result_is_not_found(client, manager, technician_user, full):
    client.force_login(technician_user)
    location = client.post(reverse(START), full)["Location"]
    client.force_login(make_user("tech-other", "technician"))
    assert client.get(location).status_code == 404
    client.force_login(manager)  # managers see the team's results
    assert client.get(location).status_code == 200


def test_query_counts_of_the_form_and_result_are_bounded(
    manager_client, full, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        manager_client.get(reverse(START))
    with django_assert_max_num_queries(20):
        location = manager_client.post(reverse(START), full)["Location"]
    # 14 for the result itself, plus at most 13 for the measured evidence beside the
    # statements (insights.evidence: totals, survey figures, SLA targets, clients, and two
    # medians per priority); none of it grows with the data.
    with django_assert_max_num_queries(27):
        manager_client.get(location)


def test_a_double_click_stores_a_signed_in_users_result_once(client, full):
    """The second sending of the same rendered form is shown the first result."""
    import re

    user = make_user("doubleclick")
    client.force_login(user)
    page = client.get(reverse(START)).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    first = client.post(reverse(START), {**full, "form_token": token})
    second = client.post(reverse(START), {**full, "form_token": token})
    assessment = Assessment.objects.get(user=user)
    assert first.status_code == second.status_code == 302
    expected = reverse("assessments:result", kwargs={"public_id": assessment.public_id})
    assert first["Location"] == second["Location"] == expected


def test_a_visitors_form_carries_no_token_and_works_as_before(client, full):
    assert 'name="form_token"' not in client.get(reverse(START)).content.decode()
    assert client.post(reverse(START), full).status_code == 302
    assert not Assessment.objects.exists()
