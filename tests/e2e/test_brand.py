"""In Chromium: a client opens the survey link from the e-mail and sees the MSP's brand
(logo loaded, brand colour on the button, footer), in German and English, with no console
error; the logo in the e-mail loads from its absolute address."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from demo.brand import seed_brand
from surveys.models import Survey
from surveys.services import create_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"(https?://[^\s]+/surveys/r/[^\s/]+/)")
LOGO = re.compile(r'src="(https?://[^"]+/brand/logo/[0-9a-f]{16})"')


@pytest.fixture
def branded_link(settings, live_server, client_company):
    settings.SITE_URL = live_server.url
    seed_brand()
    create_campaign(
        survey=Survey.objects.get(kind="client_onboarding"),
        name="Acme",
        recipients=list(client_company.contacts.all()),
        closes_at=timezone.now() + datetime.timedelta(days=7),
    )
    (message,) = mail.outbox
    return LINK.search(message.body).group(1), LOGO.search(message.alternatives[0][0]).group(1)


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_client_sees_the_msps_brand(page, branded_link, language):
    link, _logo = branded_link
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(f"{link}?lang={language}")
    header = page.get_by_test_id("brand-header")
    assert "Nordlicht IT-Service GmbH" in header.inner_text()
    assert header.locator("img").evaluate("img => img.complete && img.naturalWidth") == 192
    button = page.locator("form button[type=submit]")
    colours = button.evaluate(
        "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]"
    )
    assert colours == ["rgb(11, 93, 122)", "rgb(255, 255, 255)"]
    assert "24103 Kiel" in page.get_by_test_id("brand-footer").inner_text()
    assert "msp-maturity" not in page.content().lower()
    assert page.title().endswith("Nordlicht IT-Service GmbH")
    assert not errors, errors


def test_the_logo_in_the_email_loads(page, branded_link):
    _link, logo = branded_link
    response = page.goto(logo)
    assert response.status == 200
    assert response.headers["content-type"] == "image/png"
