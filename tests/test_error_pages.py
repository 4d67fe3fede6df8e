"""Error pages in the product's layout and the page's language; a database that cannot be
reached answers 503 with Retry-After and says the answer was not saved; every rendered
page and export is ``Cache-Control: private, no-store``."""

import pytest
from django.db import OperationalError, connection
from django.urls import include, path

from core.views import RETRY_AFTER_SECONDS
from tests.surveys.helpers import campaign, invite, make_client, make_contact
from tests.surveys.links import link_token


def _boom(request):
    raise ValueError("a bug")


# This module doubles as a URLconf: the product's URLs plus one view with a bug.
urlpatterns = [path("boom/", _boom), path("", include("msp_maturity.urls"))]
handler500 = "core.views.server_error"


@pytest.fixture
def plain_client(client):
    client.raise_request_exception = False
    return client


def _refuse_every_query(execute, sql, params, many, context):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


@pytest.mark.urls("tests.test_error_pages")
@pytest.mark.parametrize(
    ("language", "heading"), [("de", "Etwas ist schiefgelaufen"), ("en", "Something went wrong")]
)
def test_a_bug_shows_the_styled_500_page_in_the_visitors_language(
    plain_client, settings, language, heading
):
    settings.DEBUG = False
    plain_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = plain_client.get("/boom/")
    page = response.content.decode()
    assert response.status_code == 500
    assert heading in page and 'data-testid="error-page"' in page
    assert f'lang="{language}"' in page
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("language", "text"),
    [("de", "Seite nicht gefunden"), ("en", "Page not found")],
)
def test_an_unknown_address_shows_the_styled_404_page(client, settings, language, text):
    settings.DEBUG = False
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert text in response.content.decode()


def test_a_forbidden_page_shows_the_styled_403_page(client, outsider, settings):
    settings.DEBUG = False
    client.force_login(outsider)
    response = client.get("/kpis/")
    assert response.status_code == 403
    assert "Kein Zugriff" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "text"),
    [("de", "wurde nicht gespeichert"), ("en", "has not been saved")],
)
def test_an_answer_posted_while_the_database_is_down_gets_a_503_in_the_pages_language(
    db, plain_client, settings, language, text
):
    settings.DEBUG = False
    contact = make_contact(make_client(), language=language)
    invitation = invite(campaign("client_onboarding"), contact)
    url = f"/surveys/r/{link_token(invitation)}/"
    # The visitor's own language cookie says German; the page they posted from was theirs.
    plain_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    with connection.execute_wrapper(_refuse_every_query):
        response = plain_client.post(
            url, {"q_overall_satisfaction": "5", "page_language": language}
        )
    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert text in page and f'lang="{language}"' in page
    assert response["Content-Language"] == language


def test_the_survey_form_carries_its_pages_language(db, client):
    contact = make_contact(make_client(), language="en")
    invitation = invite(campaign("client_onboarding"), contact)
    page = client.get(f"/surveys/r/{link_token(invitation)}/").content.decode()
    assert '<input type="hidden" name="page_language" value="en">' in page


def test_signed_in_pages_and_exports_are_never_stored(manager_client):
    for url in ("/kpis/", "/surveys/results/clients/", "/kpis/export/tickets.csv"):
        response = manager_client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store", url


def test_static_files_stay_cacheable(client, settings):
    # As in production: whitenoise answers before any page middleware runs.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
