"""A manager turns on two-factor sign-in in the browser, signs out and signs in with
password and code; at desktop and phone width, in German and in English."""

import re
import time

import pytest
from playwright.sync_api import expect

from accounts import totp
from accounts.models import TwoFactor
from tests.helpers import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TEXT = {
    "de": {
        "security": "Sicherheit",
        "on": "Ein",
        "sign_in": "Anmelden",
        "saved": "Ich habe sie gespeichert",
    },
    "en": {"security": "Security", "on": "On", "sign_in": "Sign in", "saved": "I have saved them"},
}


def _open_user_menu(page):
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        # Opened, not still sliding open: a menu clicked meanwhile may not open.
        expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    page.get_by_test_id("signed-in-as").click()


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_manager_turns_on_two_factor_and_signs_in_with_a_code(
    page, live_server, manager, language, viewport
):
    words = TEXT[language]
    page.set_viewport_size(viewport)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name=words["sign_in"], exact=True).last.click()
    page.wait_for_url(re.compile(r"/$"))

    _open_user_menu(page)
    page.get_by_role("link", name=words["security"]).click()
    expect(page.locator("h1")).to_have_text(words["security"])
    page.get_by_test_id("turn-on").click()
    expect(page.get_by_test_id("qr-code").locator("svg")).to_be_visible()
    key = page.get_by_test_id("setup-key").inner_text().replace(" ", "")
    page.fill("input[name=code]", totp.code_at(key, time.time()))
    page.get_by_test_id("confirm-form").locator("button[type=submit]").click()
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    page.get_by_role("link", name=words["saved"]).click()
    expect(page.get_by_test_id("two-factor-state")).to_contain_text(words["on"])
    assert TwoFactor.objects.get(user=manager).key == key

    _open_user_menu(page)
    page.get_by_test_id("sign-out").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name=words["sign_in"], exact=True).last.click()
    page.wait_for_url(re.compile(r"/login/code/$"))
    # The next step's code: the one typed at set-up is used up.
    page.fill("input[name=code]", totp.code_at(key, time.time() + totp.STEP_SECONDS))
    page.get_by_test_id("code-form").locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_test_id("signed-in-as")).to_be_attached()
    assert page.js_errors == []
