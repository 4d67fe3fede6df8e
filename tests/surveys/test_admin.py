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
