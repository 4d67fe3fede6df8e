"""Sign-in lockout beyond tests/test_login.py: guesses spread over many addresses still
lock the account, the lock holds for its full time and ends after it, and the message is
clear in German and English."""

import datetime

import time_machine
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from tests.helpers import PASSWORD

LOCKED_DE = "Zu viele fehlgeschlagene Anmeldeversuche"
LOCKED_EN = "Too many failed sign-in attempts. For your security, please wait 15 minutes"


def _login(client, username, password, address):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_guesses_from_five_addresses_lock_the_account_everywhere(client, manager, technician_user):
    for i in range(5):
        _login(client, "manager", "wrong", address=f"192.0.2.{i}")
    # A sixth, fresh address with the right password is still refused.
    response = _login(client, "manager", PASSWORD, address="198.51.100.7")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert LOCKED_DE in response.content.decode()
    # The address counters were not reached: another account signs in from there.
    client.logout()
    assert _login(client, "tech", PASSWORD, address="192.0.2.1").status_code == 302


def test_the_lock_ends_after_its_time(client, manager):
    for i in range(5):
        _login(client, "MANAGER ", "wrong", address=f"192.0.2.{i}")  # same account
    assert "_auth_user_id" not in client.session
    assert LOCKED_DE in _login(client, "manager", PASSWORD, "203.0.113.5").content.decode()
    # The locmem cache expires by the clock; travel past the lockout.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        assert _login(client, "manager", PASSWORD, "203.0.113.5").status_code == 302


def test_the_lockout_message_in_english(client, manager):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    for i in range(5):
        _login(client, "manager", "wrong", address=f"192.0.2.{i}")
    response = _login(client, "manager", PASSWORD, address="198.51.100.8")
    html = response.content.decode()
    assert response.status_code == 200
    assert LOCKED_EN in html
    assert LOCKED_DE not in html
    assert "_auth_user_id" not in client.session
