"""The back office: campaigns with recipients, survey texts editable without touching
answers, and no individual in-depth answers anywhere."""

import datetime

from django.core import mail
from django.utils import timezone

from surveys.models import Campaign, Question, Survey
from tests.surveys.helpers import answer, campaign, invite, make_technician


def test_staff_add_a_campaign_with_recipients_in_the_admin(
    client, staff_user, client_company, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)
    now = timezone.localtime()
    closes = now + datetime.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/surveys/campaign/add/",
            {
                "survey": Survey.objects.get(kind="client_onboarding").pk,
                "name": "Admin campaign",
                "send_at_0": now.strftime("%Y-%m-%d"),
                "send_at_1": now.strftime("%H:%M:%S"),
                "closes_at_0": closes.strftime("%Y-%m-%d"),
                "closes_at_1": closes.strftime("%H:%M:%S"),
                "max_reminders": "1",
                "reminder_after_days": "3",
                "contacts": [client_company.contacts.first().pk],
                "invitations-TOTAL_FORMS": "0",
                "invitations-INITIAL_FORMS": "0",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Campaign.objects.get()
    assert created.status == "open" and created.created_by == staff_user
    assert created.invitations.get().status == "sent"
    assert len(mail.outbox) == 1


def test_the_admin_campaign_list_is_bounded_in_queries(
    client, staff_user, client_campaign, pulse_campaign, django_assert_max_num_queries
):
    client.force_login(staff_user)
    # 13: one of them is the back office's sign-in policy (accounts/admin_site.py).
    with django_assert_max_num_queries(13):
        page = client.get("/admin/surveys/campaign/")
    assert page.status_code == 200


def test_editing_a_question_text_keeps_the_stored_answers(client, staff_user, technician):
    camp = campaign("pulse")
    answer(invite(camp, technician), {"week": 2})
    question = Question.objects.get(survey__kind="pulse", key="week")
    question.text_de = "Wie lief deine Woche?"
    question.save()
    assert camp.responses.get().answers.get().value == 2
    client.force_login(staff_user)
    page = client.get(f"/admin/surveys/survey/{question.survey_id}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    # Key and scale are read-only: they define what stored answers mean.
    assert 'name="questions-0-key"' not in html
    assert 'name="questions-0-text_de"' in html


def test_in_depth_responses_are_not_in_the_admin(client, staff_user):
    camp = campaign("in_depth")
    response = answer(invite(camp, make_technician()), {"job_satisfaction": 3})
    client.force_login(staff_user)
    listing = client.get("/admin/surveys/response/")
    assert listing.status_code == 200
    assert f"/admin/surveys/response/{response.pk}/" not in listing.content.decode()
    assert client.get(f"/admin/surveys/response/{response.pk}/change/").status_code in (302, 404)


def test_client_responses_are_listed_in_the_admin(client, staff_user, client_company):
    from tests.surveys.helpers import client_answer

    response = client_answer(
        campaign("client_onboarding"), client_company, 4, 9, 5, timezone.localdate()
    )
    client.force_login(staff_user)
    listing = client.get("/admin/surveys/response/").content.decode()
    assert f"/admin/surveys/response/{response.pk}/change/" in listing


def _admin_campaign_post(survey_kind, technicians, send_at=None):
    send_at = send_at or timezone.localtime()
    closes = send_at + datetime.timedelta(days=7)
    return {
        "survey": Survey.objects.get(kind=survey_kind).pk,
        "name": "Admin campaign",
        "send_at_0": send_at.strftime("%Y-%m-%d"),
        "send_at_1": send_at.strftime("%H:%M:%S"),
        "closes_at_0": closes.strftime("%Y-%m-%d"),
        "closes_at_1": closes.strftime("%H:%M:%S"),
        "max_reminders": "0",
        "technicians": [t.pk for t in technicians],
        "invitations-TOTAL_FORMS": "0",
        "invitations-INITIAL_FORMS": "0",
    }


def test_the_back_office_holds_anonymous_campaigns_to_five_recipients(client, staff_user):
    client.force_login(staff_user)
    team = [make_technician() for _ in range(5)]
    page = client.post("/admin/surveys/campaign/add/", _admin_campaign_post("in_depth", team[:4]))
    assert page.status_code == 200
    assert "Eine anonyme Umfrage braucht mindestens 5 Empfänger" in page.content.decode()
    assert not Campaign.objects.exists()
    pulse = client.post("/admin/surveys/campaign/add/", _admin_campaign_post("pulse", team[:1]))
    assert pulse.status_code == 302
    added = client.post("/admin/surveys/campaign/add/", _admin_campaign_post("in_depth", team))
    assert added.status_code == 302
    assert Campaign.objects.get(survey__kind="in_depth").invitations.count() == 5


def test_the_back_office_starts_no_anonymous_campaign_in_an_ended_quarter(client, staff_user):
    client.force_login(staff_user)
    team = [make_technician() for _ in range(5)]
    last_quarter = timezone.localtime() - datetime.timedelta(days=100)
    page = client.post(
        "/admin/surveys/campaign/add/", _admin_campaign_post("in_depth", team, last_quarter)
    )
    assert "nicht in einem bereits beendeten Quartal beginnen" in page.content.decode()
    assert not Campaign.objects.exists()


def test_a_started_campaign_keeps_its_start_and_a_scheduled_one_stays_in_open_quarters(
    client, staff_user
):
    client.force_login(staff_user)
    running = campaign("in_depth")
    form = client.get(f"/admin/surveys/campaign/{running.pk}/change/").content.decode()
    assert 'name="send_at_0"' not in form  # read-only once started
    later = timezone.localtime() + datetime.timedelta(days=3)
    scheduled = campaign("in_depth", status=Campaign.Status.SCHEDULED, send_at=later)
    for _ in range(5):
        invite(scheduled, make_technician(), status="queued")
    data = _admin_campaign_post("in_depth", [], timezone.localtime() - datetime.timedelta(days=100))
    del data["survey"], data["technicians"]
    page = client.post(f"/admin/surveys/campaign/{scheduled.pk}/change/", data)
    assert "nicht in einem bereits beendeten Quartal beginnen" in page.content.decode()
    scheduled.refresh_from_db()
    assert scheduled.send_at == later


def test_a_response_deleted_in_the_back_office_leaves_the_daily_figures(
    client, staff_user, client_company, django_capture_on_commit_callbacks
):
    from core.periods import Period
    from surveys import metrics
    from tests.surveys.helpers import client_answer

    today = timezone.localdate()
    response = client_answer(campaign("client_onboarding"), client_company, 4, 9, 5, today)
    period = Period.through(today, today)
    assert metrics.client_onboarding_summary(period)["responses"] == 1
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(f"/admin/surveys/response/{response.pk}/delete/", {"post": "yes"})
    assert page.status_code == 302
    assert metrics.client_onboarding_summary(period)["responses"] == 0
