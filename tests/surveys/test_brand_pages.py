"""Every page a client reaches through a survey link carries the MSP's brand and nothing of
the product: not its name, not its menu, no sign-in link; in German and English."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from demo.brand import NAME, seed_brand
from surveys.models import Campaign
from tests.surveys.links import token_path_for
from tests.surveys.test_respond import CLIENT_ANSWER


@pytest.fixture
def brand(db):
    return seed_brand()


def assert_branded(page, brand, language="de"):
    html = page.content.decode()
    assert f'<html lang="{language}">' in html
    assert re.search(r"<title>[^<]*· Nordlicht IT-Service GmbH</title>", html)
    header = html[html.index('data-testid="brand-header"') : html.index("</header>")]
    assert NAME in header
    assert f'src="{brand.logo_path()}"' in header
    assert f'href="/brand/style-{brand.style_version()}.css"' in html
    footer = html[html.index('data-testid="brand-footer"') :]
    assert "Hafenstraße 12<br>24103 Kiel" in footer
    assert 'href="https://www.nordlicht-it-demo.de/impressum"' in footer
    assert 'href="https://www.nordlicht-it-demo.de/datenschutz"' in footer
    assert_nothing_of_the_product(page)


def assert_nothing_of_the_product(page):
    html = page.content.decode()
    assert "msp-maturity" not in html.lower()
    assert "MSP maturity" not in html and "MSP-Reife" not in html
    assert reverse("login") not in html
    assert 'id="main-nav"' not in html and "nav-surveys" not in html
    assert reverse("assessments:start") not in html
    assert "favicon.svg" not in html


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_survey_form_is_branded(client, brand, client_campaign, language):
    page = client.get(f"{token_path_for('clara@acme.example')}?lang={language}")
    assert page.status_code == 200
    assert_branded(page, brand, language)


def test_a_form_with_errors_is_branded(client, brand, client_campaign):
    path = token_path_for("clara@acme.example")
    page = client.post(path, {**CLIENT_ANSWER, "q_recommend": ""})
    assert page.status_code == 400
    assert_branded(page, brand)


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_thank_you_and_already_answered_pages_are_branded(
    client, brand, client_campaign, language
):
    path = f"{token_path_for('clara@acme.example')}?lang={language}"
    done = client.post(path, CLIENT_ANSWER)
    assert "audience=client" in done["Location"]
    assert_branded(client.get(done["Location"]), brand, language)
    again = client.get(path)
    assert b'data-testid="already-answered"' in again.content
    assert_branded(again, brand, language)


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_closed_survey_is_branded(client, brand, client_campaign, language):
    path = token_path_for("clara@acme.example")
    Campaign.objects.update(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    page = client.get(f"{path}?lang={language}")
    assert page.status_code == 410
    assert_branded(page, brand, language)


@pytest.mark.parametrize(
    "path",
    [
        "/surveys/r/not-a-token/",
        "/surveys/r/cut.off/rest-of-a-line/",
        "/surveys/r/token/%3E",
    ],
)
def test_a_broken_link_gets_the_branded_404(client, brand, path):
    page = client.get(path)
    assert page.status_code == 404
    assert b'data-testid="link-problem"' in page.content
    assert_branded(page, brand)


def test_a_link_that_lost_its_last_slash_is_sent_to_its_page(client, brand, client_campaign):
    path = token_path_for("clara@acme.example")
    moved = client.get(path.rstrip("/") + "?lang=en")
    assert moved.status_code == 302
    assert moved["Location"] == f"{path}?lang=en"
    assert moved["Referrer-Policy"] == "no-referrer"


def test_without_a_brand_the_pages_still_show_nothing_of_the_product(client, client_campaign):
    page = client.get(token_path_for("clara@acme.example"))
    assert page.status_code == 200
    assert_nothing_of_the_product(page)
    assert b'href="/brand/style-0d6efd.css"' in page.content


def test_a_technicians_link_page_has_no_menu_and_no_sign_in(client, brand, pulse_campaign):
    page = client.get(token_path_for("tim@example.com"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="main-nav"' not in html
    assert reverse("login") not in html
    assert reverse("assessments:start") not in html
    assert NAME not in html  # the technicians' pages keep the product's look


def test_the_technicians_thank_you_page_has_no_menu(client, brand):
    page = client.get(reverse("surveys:thanks"))
    assert 'id="main-nav"' not in page.content.decode()
    assert reverse("login") not in page.content.decode()


def test_a_technicians_own_page_keeps_the_menu(client, technician_user, pulse_campaign):
    client.force_login(technician_user)
    invitation = pulse_campaign.invitations.get(email="tim@example.com")
    page = client.get(reverse("surveys:my_response", args=[invitation.pk]))
    assert 'id="main-nav"' in page.content.decode()
