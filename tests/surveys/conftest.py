import datetime

import pytest
from django.utils import timezone

from surveys.models import Survey, SurveyKind
from surveys.services import create_campaign
from tests.surveys.helpers import make_contact, make_technician


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://surveys.example"


@pytest.fixture
def client_campaign(db, client_company, django_capture_on_commit_callbacks):
    """An open client onboarding campaign to one German and one English contact, sent."""
    english = make_contact(client_company, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        campaign = create_campaign(
            survey=Survey.objects.get(kind=SurveyKind.CLIENT_ONBOARDING),
            name="Onboarding Acme",
            recipients=[client_company.contacts.get(language="de"), english],
            closes_at=timezone.now() + datetime.timedelta(days=14),
        )
    return campaign


@pytest.fixture
def pulse_campaign(db, technician, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        campaign = create_campaign(
            survey=Survey.objects.get(kind=SurveyKind.PULSE),
            name="Pulse",
            recipients=[technician, make_technician(language="en")],
            closes_at=timezone.now() + datetime.timedelta(days=6),
        )
    return campaign
