"""dispatch_due: weekly pulse, onboarding days, scheduled campaigns, closing."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail

from core import delivery
from organisation.models import Client, Contact
from surveys import tasks
from surveys.models import Campaign, Invitation, SurveySettings
from tests.surveys.helpers import make_technician

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def at(*args, tz=BERLIN):
    return datetime.datetime(*args, tzinfo=tz)


@pytest.fixture
def dispatch(django_capture_on_commit_callbacks):
    """Run dispatch_due with the on-commit queueing executed, as outside a test."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            tasks.dispatch_due.apply()

    return run


@pytest.fixture
def team(db):
    active = [make_technician(hire_date=datetime.date(2024, 1, 1)) for _ in range(3)]
    make_technician(hire_date=datetime.date(2027, 1, 1))  # not hired yet
    return active


@pytest.fixture
def quiet_schedules(db):
    config = SurveySettings.load()
    config.in_depth_quarterly = False
    config.client_onboarding_enabled = False
    config.technician_onboarding_enabled = False
    config.save()
    return config


def test_the_weekly_pulse_starts_at_the_configured_time_once(dispatch, team, quiet_schedules):
    # Friday 13:00 Berlin is the default slot. 2026-11-20 is a Friday.
    with time_machine.travel(at(2026, 11, 20, 12, 59)):
        dispatch()
    assert not Campaign.objects.exists()
    with time_machine.travel(at(2026, 11, 20, 13, 1)):
        dispatch()
        dispatch()
    campaign = Campaign.objects.get()
    assert campaign.survey.kind == "pulse" and campaign.auto_key == "pulse:2026-11-16"
    assert campaign.invitations.count() == 3
    assert len(mail.outbox) == 3
    # Saturday: still the same week, nothing new.
    with time_machine.travel(at(2026, 11, 21, 9, 0)):
        dispatch()
    assert Campaign.objects.count() == 1


def test_weekday_time_and_time_zone_are_configurable(dispatch, team, quiet_schedules):
    quiet_schedules.pulse_weekday = SurveySettings.Weekday.THURSDAY
    quiet_schedules.pulse_time = datetime.time(16, 30)
    quiet_schedules.pulse_timezone = "America/New_York"
    quiet_schedules.save()
    new_york = zoneinfo.ZoneInfo("America/New_York")
    with time_machine.travel(at(2026, 11, 19, 16, 29, tz=new_york)):
        dispatch()
    assert not Campaign.objects.exists()
    with time_machine.travel(at(2026, 11, 19, 16, 31, tz=new_york)):
        dispatch()
    assert Campaign.objects.count() == 1


def test_client_onboarding_surveys_go_out_on_the_configured_days(dispatch, db, quiet_schedules):
    quiet_schedules.client_onboarding_enabled = True
    quiet_schedules.pulse_enabled = False
    quiet_schedules.client_onboarding_days = "14, 45, 85"
    quiet_schedules.save()
    client = Client.objects.create(
        external_id="X", name="Neu GmbH", contract_start=datetime.date(2026, 3, 1)
    )
    Contact.objects.create(client=client, name="A", email="a@neu.example", language="en")
    Contact.objects.create(client=client, name="B", email="b@neu.example", is_active=False)
    for day in (13, 14, 15, 30, 45, 85, 89, 90, 100):
        with time_machine.travel(at(2026, 3, 1, 10) + datetime.timedelta(days=day)):
            dispatch()
    keys = sorted(Campaign.objects.values_list("auto_key", flat=True))
    assert keys == [
        f"client-onboarding:{client.pk}:14",
        f"client-onboarding:{client.pk}:45",
        f"client-onboarding:{client.pk}:85",
    ]
    assert Invitation.objects.count() == 3  # the inactive contact is skipped
    firsts = [m for m in mail.outbox if not m.subject.startswith("Reminder")]
    assert [m.subject for m in firsts] == ["Your satisfaction with onboarding"] * 3


def test_a_client_entered_late_gets_only_the_current_milestone(dispatch, db, quiet_schedules):
    quiet_schedules.client_onboarding_enabled = True
    quiet_schedules.pulse_enabled = False
    quiet_schedules.save()
    client = Client.objects.create(
        external_id="Y", name="Spät AG", contract_start=datetime.date(2026, 3, 1)
    )
    Contact.objects.create(client=client, name="A", email="a@spaet.example")
    with time_machine.travel(at(2026, 3, 1, 10) + datetime.timedelta(days=47)):
        dispatch()
    assert list(Campaign.objects.values_list("auto_key", flat=True)) == [
        f"client-onboarding:{client.pk}:45"
    ]


def test_a_scheduled_campaign_starts_when_due_and_closes_at_its_date(
    dispatch, db, client_company, manager_client
):
    from surveys.models import Survey
    from surveys.services import create_campaign

    with time_machine.travel(at(2026, 11, 2, 9)):
        campaign = create_campaign(
            survey=Survey.objects.get(kind="client_onboarding"),
            name="Later",
            recipients=list(client_company.contacts.all()),
            send_at=at(2026, 11, 3, 9),
            closes_at=at(2026, 11, 10, 0),
        )
        assert campaign.status == "scheduled"
        dispatch()
        delivery.sweep_unsent.apply()
    assert mail.outbox == []
    with time_machine.travel(at(2026, 11, 3, 9, 5)):
        dispatch()
        dispatch()
    campaign.refresh_from_db()
    assert campaign.status == "open" and len(mail.outbox) == 1
    with time_machine.travel(at(2026, 11, 10, 0, 5)):
        dispatch()
    campaign.refresh_from_db()
    assert campaign.status == "closed"


def test_the_in_depth_survey_starts_once_a_quarter(dispatch, team, quiet_schedules):
    quiet_schedules.pulse_enabled = False
    quiet_schedules.in_depth_quarterly = True
    quiet_schedules.in_depth_day_of_quarter = 15
    quiet_schedules.save()
    for day in (
        datetime.date(2026, 10, 14),
        datetime.date(2026, 10, 15),
        datetime.date(2026, 11, 30),
    ):
        with time_machine.travel(at(day.year, day.month, day.day, 10)):
            dispatch()
    assert list(Campaign.objects.values_list("auto_key", flat=True)) == ["in-depth:2026-Q4"]


def test_onboarding_days_must_lie_inside_the_first_90_days(db):
    from django.core.exceptions import ValidationError

    config = SurveySettings.load()
    config.client_onboarding_days = "14, 95"
    with pytest.raises(ValidationError):
        config.full_clean()
    config.client_onboarding_days = "14, abc"
    with pytest.raises(ValidationError):
        config.full_clean()
    config.client_onboarding_days = "85,14 ,45"
    config.full_clean()
    assert config.onboarding_days() == [14, 45, 85]
