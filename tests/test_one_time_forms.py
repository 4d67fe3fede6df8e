"""A creating form creates once: a double click on "create campaign" (the same rendered
form sent twice) used to create two campaigns and invite everybody twice."""

import datetime
import re
import threading
import time
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import TeamRound
from core.models import SubmittedForm
from core.one_time_forms import FIELD, forget_old, new_token
from surveys import services
from surveys.models import Campaign, Survey, SurveyKind
from tests.helpers import make_user

CAMPAIGNS = "/surveys/campaigns/new/"


def _campaign_data(client_company, **extra) -> dict:
    return {
        "survey": Survey.objects.get(kind=SurveyKind.CLIENT_ONBOARDING).pk,
        "name": "Acme Q4",
        "clients": [client_company.pk],
        "closes_on": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
        "max_reminders": "0",
        **extra,
    }


def _rendered_token(response) -> str:
    return re.search(rf'name="{FIELD}" value="([^"]+)"', response.content.decode()).group(1)


def test_a_double_post_of_the_campaign_form_creates_one_campaign_and_one_email_each(
    manager_client, client_company, django_capture_on_commit_callbacks
):
    token = _rendered_token(manager_client.get(CAMPAIGNS))
    data = _campaign_data(client_company, **{FIELD: token})
    with django_capture_on_commit_callbacks(execute=True):
        first = manager_client.post(CAMPAIGNS, data)
        second = manager_client.post(CAMPAIGNS, data, follow=True)
    campaign = Campaign.objects.get()
    assert first.status_code == 302 and first["Location"] == f"/surveys/campaigns/{campaign.pk}/"
    assert second.redirect_chain == [(first["Location"], 302)]
    assert "bereits gesendet" in second.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == ["clara@acme.example"]


def test_a_double_post_of_the_round_form_opens_one_round_and_invites_once(
    manager_client, technician_user, django_capture_on_commit_callbacks
):
    url = reverse("assessments:round_create")
    data = {
        "name": "Q4",
        "members": [technician_user.pk],
        "closes_on": "",
        FIELD: _rendered_token(manager_client.get(url)),
    }
    with django_capture_on_commit_callbacks(execute=True):
        first = manager_client.post(url, data)
        second = manager_client.post(url, data)
    team_round = TeamRound.objects.get()
    assert first["Location"] == second["Location"] == f"/assessment/rounds/{team_round.pk}/"
    assert [m.to for m in mail.outbox] == [[technician_user.email]]


def test_a_form_with_errors_keeps_its_token_for_the_corrected_sending(
    manager_client, client_company
):
    token = new_token()
    invalid = manager_client.post(
        CAMPAIGNS, _campaign_data(client_company, name="", **{FIELD: token})
    )
    assert invalid.status_code == 200 and _rendered_token(invalid) == token
    valid = manager_client.post(CAMPAIGNS, _campaign_data(client_company, **{FIELD: token}))
    assert valid.status_code == 302
    assert Campaign.objects.count() == 1


def test_a_form_without_a_token_is_shown_again_with_a_fresh_one(manager_client, client_company):
    response = manager_client.post(CAMPAIGNS, _campaign_data(client_company, **{FIELD: "x"}))
    assert response.status_code == 200
    assert "nicht mehr aktuell" in response.content.decode()
    assert len(_rendered_token(response)) == 43
    assert not Campaign.objects.exists()
    again = manager_client.post(
        CAMPAIGNS, _campaign_data(client_company, **{FIELD: _rendered_token(response)})
    )
    assert again.status_code == 302


def test_used_tokens_are_forgotten_after_a_day(db):
    SubmittedForm.objects.create(token=new_token(), created_at=timezone.now())
    SubmittedForm.objects.create(
        token=new_token(), created_at=timezone.now() - datetime.timedelta(days=2)
    )
    assert forget_old() == 1
    assert SubmittedForm.objects.count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_posts_of_one_form_create_one_campaign(client_company):
    """The second waits for the first to commit, then is sent where the first led."""
    manager = make_user("double-click", "manager")
    data = _campaign_data(client_company, **{FIELD: new_token()})
    original = services.create_campaign
    responses = []

    def slow_create(**kwargs):
        time.sleep(0.5)  # the second click arrives while the first is still creating
        return original(**kwargs)

    def click():
        browser = Client()
        browser.force_login(manager)
        try:
            responses.append(browser.post(CAMPAIGNS, data))
        finally:
            connection.close()

    with mock.patch.object(services, "create_campaign", slow_create):
        clicks = [threading.Thread(target=click) for _ in range(2)]
        for thread in clicks:
            thread.start()
            time.sleep(0.1)
        for thread in clicks:
            thread.join(timeout=30)
    campaign = Campaign.objects.get()
    assert [r.status_code for r in responses] == [302, 302]
    assert {r["Location"] for r in responses} == {f"/surveys/campaigns/{campaign.pk}/"}
    assert campaign.invitations.count() == 1
