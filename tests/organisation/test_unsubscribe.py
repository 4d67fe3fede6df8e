"""The unsubscribe page behind the link in every client e-mail: opening it changes
nothing, one click unsubscribes, a mail program's one-click POST (RFC 8058) unsubscribes
without a page; a forged or expired link gets a clear page, never a 500."""

import datetime

import pytest
import time_machine
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from core.log_redaction import redact
from organisation.consent import UNSUBSCRIBE_LINK_MAX_AGE, unsubscribe_token
from organisation.models import SuppressedAddress


def _url(email="clara@acme.example", language="de") -> str:
    return reverse("organisation:unsubscribe", kwargs={"token": unsubscribe_token(email, language)})


@pytest.fixture
def strict():
    """A client that would apply Django's CSRF check, as a browser's request meets it."""
    return BrowserClient(enforce_csrf_checks=True)


def test_opening_the_link_does_not_unsubscribe(db, client):
    for method in (client.get, client.head):
        response = method(_url())
        assert response.status_code == 200
    assert not SuppressedAddress.objects.exists()
    html = client.get(_url()).content.decode()
    assert 'data-testid="unsubscribe-button"' in html and "clara@acme.example" in html


def test_the_page_is_for_a_client_no_app_menu_no_sign_in(db, client):
    response = client.get(_url())
    html = response.content.decode()
    assert reverse("login") not in html
    assert "navbar" not in html and "msp-maturity" not in html
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]


def test_the_button_unsubscribes_and_says_how_to_come_back(db, strict):
    # The page's form, posted as a browser does under "Referrer-Policy: no-referrer".
    response = strict.post(_url(language="en"), {}, headers={"Origin": "null"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="unsubscribed"' in html and "Changed your mind?" in html
    entry = SuppressedAddress.objects.get()
    assert (entry.email, entry.reason) == ("clara@acme.example", "unsubscribed")


def test_the_one_click_post_of_a_mail_program_unsubscribes_without_a_token(db, strict):
    response = strict.post(
        _url("Clara@Acme.example"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert SuppressedAddress.objects.get().email == "clara@acme.example"


def test_unsubscribing_twice_changes_nothing(db, client):
    earlier = SuppressedAddress.objects.create(
        email="clara@acme.example", reason="hard_bounce", detail="550 No such user"
    )
    for _ in range(2):
        assert client.post(_url(), {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert list(SuppressedAddress.objects.values_list("pk", "reason")) == [
        (earlier.pk, "hard_bounce")
    ]
    assert 'data-testid="already-unsubscribed"' in client.get(_url()).content.decode()


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_page_speaks_the_contacts_language(db, client, language):
    response = client.get(_url(language=language))
    assert response["Content-Language"] == language
    assert f'<html lang="{language}">' in response.content.decode()


def _tampered() -> str:
    token = unsubscribe_token("clara@acme.example", "de")
    return token[:-3] + ("abc" if not token.endswith("abc") else "xyz")


@pytest.mark.parametrize(
    "make_token",
    [lambda: "nonsense", _tampered, lambda: "x" * 600],
    ids=["nonsense", "tampered", "too-long"],
)
def test_a_forged_link_gets_a_clear_page(db, client, make_token):
    token = make_token()
    for method in (client.get, client.post):
        response = method(reverse("organisation:unsubscribe", kwargs={"token": token}))
        assert response.status_code == 404
        assert 'data-testid="unsubscribe-problem"' in response.content.decode()
    assert not SuppressedAddress.objects.exists()


def test_an_expired_link_gets_a_clear_page_that_says_how_else_to_object(db, client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the link's language is unread
    url = _url()
    later = timezone.now() + UNSUBSCRIBE_LINK_MAX_AGE + datetime.timedelta(days=1)
    with time_machine.travel(later):
        response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 410
    html = response.content.decode()
    assert "too old" in html and "reply to one of our e-mails" in html
    assert not SuppressedAddress.objects.exists()


def test_the_link_is_kept_out_of_the_logs():
    token = unsubscribe_token("clara@acme.example", "de")
    assert token not in redact(f"Internal Server Error: /unsubscribe/{token}/")
