"""The manager area: starting campaigns and following their statuses."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from surveys.models import Campaign, Invitation, Survey
from tests.helpers import with_form_token
from tests.surveys.helpers import make_technician


def test_a_manager_starts_a_client_campaign_and_each_contact_is_mailed(
    manager_client, client_company, django_capture_on_commit_callbacks
):
    survey = Survey.objects.get(kind="client_onboarding")
    closes = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/surveys/campaigns/new/",
            with_form_token(
                {
                    "survey": survey.pk,
                    "name": "Acme Q4",
                    "clients": [client_company.pk],
                    "closes_on": closes,
                    "reminder_after_days": "3",
                    "max_reminders": "2",
                }
            ),
        )
    campaign = Campaign.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/surveys/campaigns/{campaign.pk}/"
    )
    assert campaign.status == "open" and campaign.reminder_after_days == 3
    assert len(mail.outbox) == 1
    page = manager_client.get(response["Location"]).content.decode()
    assert 'data-status="sent"' in page and "clara@acme.example" in page


def test_recipients_must_match_the_survey(manager_client, client_company, technician):
    survey = Survey.objects.get(kind="pulse")
    closes = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    page = manager_client.post(
        "/surveys/campaigns/new/",
        with_form_token(
            {
                "survey": survey.pk,
                "name": "Wrong",
                "clients": [client_company.pk],
                "closes_on": closes,
                "max_reminders": "0",
            }
        ),
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "nicht an Ansprechpartner" in html
    assert 'value="Wrong"' in html  # input kept
    assert not Campaign.objects.exists()


def test_a_start_years_ahead_is_a_form_error_not_a_500(manager_client, client_company):
    """9999-12-31 23:59 plus the hour a campaign must at least run has no date."""
    survey = Survey.objects.get(kind="client_onboarding")
    closes = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    for send_at in ("9999-12-31T23:59", "2100-01-01T10:00"):
        page = manager_client.post(
            "/surveys/campaigns/new/",
            with_form_token(
                {
                    "survey": survey.pk,
                    "name": "Far ahead",
                    "clients": [client_company.pk],
                    "send_at": send_at,
                    "closes_on": closes,
                    "max_reminders": "0",
                }
            ),
        )
        assert page.status_code == 200
        assert "innerhalb eines Jahres" in page.content.decode()
    assert not Campaign.objects.exists()


def test_a_technician_campaign_without_a_choice_goes_to_everyone_employed(
    manager_client, technician, django_capture_on_commit_callbacks
):
    others = [make_technician() for _ in range(4)]
    make_technician(hire_date=datetime.date(2030, 1, 1))
    survey = Survey.objects.get(kind="in_depth")
    closes = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            "/surveys/campaigns/new/",
            with_form_token(
                {"survey": survey.pk, "name": "Q4", "closes_on": closes, "max_reminders": "2"}
            ),
        )
    assert set(Invitation.objects.values_list("technician", flat=True)) == {
        technician.pk,
        *(t.pk for t in others),
    }


def _technician_campaign(manager_client, kind, technicians, **extra):
    closes = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    return manager_client.post(
        "/surveys/campaigns/new/",
        with_form_token(
            {
                "survey": Survey.objects.get(kind=kind).pk,
                "name": "Nur eine Person",
                "technicians": [t.pk for t in technicians],
                "closes_on": closes,
                "max_reminders": "0",
                **extra,
            }
        ),
    )


ANONYMITY_ERROR = "Eine anonyme Umfrage braucht mindestens 5 Empfänger"


@pytest.mark.parametrize("kind", ["in_depth", "technician_onboarding"])
def test_an_anonymous_survey_needs_five_recipients(manager_client, db, kind, settings):
    """The differencing attack started with an in-depth campaign for one technician."""
    settings.SURVEY_MIN_AGGREGATE = 5
    team = [make_technician() for _ in range(5)]
    for chosen in (team[:1], team[:4]):
        page = _technician_campaign(manager_client, kind, chosen)
        assert page.status_code == 200
        assert ANONYMITY_ERROR in page.content.decode()
        assert not Campaign.objects.exists()
    assert _technician_campaign(manager_client, kind, team).status_code == 302
    assert Campaign.objects.get().invitations.count() == 5


def test_everyone_employed_is_not_enough_when_fewer_than_five_are(manager_client, technician):
    survey = Survey.objects.get(kind="in_depth")
    closes = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    page = manager_client.post(
        "/surveys/campaigns/new/",
        with_form_token(
            {"survey": survey.pk, "name": "Q4", "closes_on": closes, "max_reminders": "2"}
        ),
    )
    assert ANONYMITY_ERROR in page.content.decode()
    assert not Campaign.objects.exists()


def test_the_named_pulse_may_go_to_one_technician(manager_client, technician):
    assert _technician_campaign(manager_client, "pulse", [technician]).status_code == 302
    assert Campaign.objects.get().invitations.count() == 1


def test_the_anonymity_error_speaks_english_too(manager_client, technician, settings):
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = _technician_campaign(manager_client, "in_depth", [technician])
    assert "An anonymous survey needs at least 5 recipients" in page.content.decode()


def test_an_anonymous_survey_cannot_start_in_a_quarter_that_has_ended(manager_client, db):
    team = [make_technician() for _ in range(5)]
    # 1 July 2026, 00:02 in Berlin: the form accepts a start up to five minutes back,
    # which would fall into the second quarter, already decided.
    with time_machine.travel(datetime.datetime(2026, 6, 30, 22, 2, tzinfo=datetime.UTC)):
        page = _technician_campaign(manager_client, "in_depth", team, send_at="2026-06-30T23:59")
        assert "nicht in einem bereits beendeten Quartal beginnen" in page.content.decode()
        assert not Campaign.objects.exists()
        assert (
            _technician_campaign(manager_client, "in_depth", team, send_at="2026-07-01T00:05")
        ).status_code == 302


def test_the_form_says_which_surveys_are_anonymous_and_that_the_pulse_is_named(manager_client):
    html = manager_client.get("/surveys/campaigns/new/").content.decode()
    note = html.split('data-testid="anonymity-note"')[1].split("</p>")[0]
    assert "anonym" in note and "mindestens 5 Empfänger" in note and "namentlich" in note


def test_a_scheduled_campaign_waits(
    manager_client, client_company, django_capture_on_commit_callbacks
):
    survey = Survey.objects.get(kind="client_onboarding")
    later = timezone.localtime() + datetime.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            "/surveys/campaigns/new/",
            with_form_token(
                {
                    "survey": survey.pk,
                    "name": "Later",
                    "contacts": [client_company.contacts.first().pk],
                    "send_at": later.strftime("%Y-%m-%dT%H:%M"),
                    "closes_on": (later.date() + datetime.timedelta(days=7)).isoformat(),
                    "max_reminders": "0",
                }
            ),
        )
    campaign = Campaign.objects.get()
    assert campaign.status == "scheduled" and mail.outbox == []
    assert campaign.invitations.get().status == "queued"


def test_closing_a_campaign_ends_its_links(manager_client, client_campaign, client):
    path = mail.outbox[0].body.split("https://surveys.example")[1].split()[0]
    assert client.get(path).status_code == 200
    manager_client.post(f"/surveys/campaigns/{client_campaign.pk}/close/")
    client_campaign.refresh_from_db()
    assert client_campaign.status == "closed"
    assert client.get(path).status_code == 410


def test_the_campaign_list_takes_a_bounded_number_of_queries(
    manager_client, client_campaign, pulse_campaign, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        page = manager_client.get("/surveys/campaigns/")
    assert "Onboarding Acme" in page.content.decode()
    with django_assert_max_num_queries(8):
        assert manager_client.get(f"/surveys/campaigns/{client_campaign.pk}/").status_code == 200
    csv = manager_client.get(f"/surveys/campaigns/{client_campaign.pk}/?format=csv")
    assert csv["Content-Type"].startswith("text/csv")


def test_campaign_pages_say_whether_answers_are_named(manager_client, pulse_campaign):
    from tests.surveys.helpers import campaign

    pulse = manager_client.get(f"/surveys/campaigns/{pulse_campaign.pk}/").content.decode()
    assert 'data-testid="pulse-named-note"' in pulse and 'data-testid="anonymity-note"' not in pulse
    in_depth = campaign("in_depth")
    page = manager_client.get(f"/surveys/campaigns/{in_depth.pk}/").content.decode()
    assert 'data-testid="anonymity-note"' in page and 'data-testid="pulse-named-note"' not in page
