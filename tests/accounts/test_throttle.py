"""The sign-in throttle: an (account, address) pair is refused after LOGIN_MAX_FAILURES
failures; an account alone only waits, 2 s doubling up to LOGIN_MAX_DELAY_SECONDS; nobody
can lock another person out by guessing."""

import datetime

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone

from accounts import login_throttle
from tests.accounts.helpers import sign_in, signed_in
from tests.helpers import PASSWORD

LOCKED_DE = "Zu viele fehlgeschlagene Anmeldeversuche für dieses Konto von Ihrer Adresse"
WAIT_DE = "Zu viele fehlgeschlagene Anmeldeversuche für dieses Konto. Bitte versuchen Sie es in"


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def test_a_wrong_password_reshows_the_form_with_the_username_kept(client, manager):
    response = sign_in(client, "manager", "wrong")
    assert response.status_code == 200
    assert 'value="manager"' in response.content.decode()


def test_five_failures_lock_the_pair_even_for_the_right_password(client, manager, clock):
    for _ in range(5):
        sign_in(client, "manager", "wrong", address="10.0.0.2")
    clock.shift(datetime.timedelta(minutes=1))  # long past the account's delay
    response = sign_in(client, "manager", PASSWORD, address="10.0.0.2")
    assert response.status_code == 200
    assert not signed_in(client)
    assert LOCKED_DE in response.content.decode()
    assert "14 Minuten" in response.content.decode()  # what is left of the 15
    # The same account from another address is not locked.
    assert sign_in(client, "manager", PASSWORD, address="10.0.0.3").status_code == 302


def test_the_pair_lock_ends_after_its_time(client, manager, clock):
    for _ in range(5):
        sign_in(client, "MANAGER ", "wrong", address="192.0.2.1")  # the same account
    clock.shift(datetime.timedelta(minutes=14))
    assert LOCKED_DE in sign_in(client, "manager", PASSWORD, "192.0.2.1").content.decode()
    clock.shift(datetime.timedelta(minutes=1, seconds=1))
    assert sign_in(client, "manager", PASSWORD, "192.0.2.1").status_code == 302


def test_made_up_usernames_from_one_address_lock_nobody_out(client, manager, technician_user):
    """Behind the TLS proxy every user has the proxy's address: guesses with made-up names
    from there must not keep a real user out."""
    for index in range(30):
        sign_in(client, f"guess{index}", "wrong", address="10.0.0.9")
    assert sign_in(client, "tech", PASSWORD, address="10.0.0.9").status_code == 302


def test_guesses_from_many_addresses_only_slow_the_account_down(client, manager, clock):
    for index in range(5):
        sign_in(client, "manager", "wrong", address=f"192.0.2.{index}")
    # The owner, from their own address: asked to wait 2 s, not locked out.
    response = sign_in(client, "manager", PASSWORD, address="198.51.100.7")
    assert not signed_in(client)
    assert WAIT_DE in response.content.decode()
    assert "2 Sekunden" in response.content.decode()
    clock.shift(datetime.timedelta(seconds=2))
    assert sign_in(client, "manager", PASSWORD, address="198.51.100.7").status_code == 302


def test_the_account_delay_doubles_and_is_capped(settings, db):
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_MAX_DELAY_SECONDS = 300
    delays = [login_throttle.account_delay(failures) for failures in range(1, 15)]
    assert delays == [0, 0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert login_throttle.account_delay(10_000) == 300


def test_an_attempt_made_too_soon_is_refused_and_not_counted(client, manager, clock):
    for index in range(6):
        sign_in(client, "manager", "wrong", address=f"192.0.2.{index}")
        clock.shift(datetime.timedelta(seconds=10))
    # 6 failures: the next attempt must wait 4 s after the last one.
    clock.shift(datetime.timedelta(seconds=-8))
    for _ in range(20):
        response = sign_in(client, "manager", "wrong", address="192.0.2.99")
        assert WAIT_DE in response.content.decode()
    assert login_throttle.refusal("manager", "198.51.100.1").seconds == 2
    clock.shift(datetime.timedelta(seconds=2))
    assert sign_in(client, "manager", PASSWORD, address="198.51.100.1").status_code == 302


def test_a_successful_sign_in_resets_the_pair_and_the_account(client, manager, clock):
    for _ in range(4):
        sign_in(client, "manager", "wrong", address="10.0.1.1")
    assert sign_in(client, "manager", PASSWORD, address="10.0.1.1").status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, "manager", "wrong", address="10.0.1.1")
    # Four, not eight: neither locked nor delayed.
    assert login_throttle.refusal("manager", "10.0.1.1") is None
    assert sign_in(client, "manager", PASSWORD, address="10.0.1.1").status_code == 302


def test_the_messages_in_english(client, manager, clock):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(5):
        sign_in(client, "manager", "wrong", address="192.0.2.1")
    html = sign_in(client, "manager", PASSWORD, address="192.0.2.2").content.decode()
    assert (
        "Too many failed sign-in attempts for this account. Please try again in 2 seconds." in html
    )
    clock.shift(datetime.timedelta(seconds=3))
    html = sign_in(client, "manager", PASSWORD, address="192.0.2.1").content.decode()
    assert (
        "Too many failed sign-in attempts for this account from your address. For your "
        "security, please try again in 15 minutes."
    ) in html
    assert "Zu viele" not in html
    assert not signed_in(client)


@pytest.mark.parametrize(
    "proxies,forwarded,remote,expected",
    [
        (0, "203.0.113.5", "10.0.0.1", "10.0.0.1"),
        (1, "203.0.113.5", "10.0.0.1", "203.0.113.5"),
        # The client may send its own header; the proxy appends the address it saw.
        (1, "1.1.1.1, 203.0.113.5", "10.0.0.1", "203.0.113.5"),
        (2, "1.1.1.1, 203.0.113.5, 10.0.0.7", "10.0.0.1", "203.0.113.5"),
        # Not through the proxies (too few entries) or garbage: the direct peer.
        (2, "203.0.113.5", "10.0.0.1", "10.0.0.1"),
        (1, "", "10.0.0.1", "10.0.0.1"),
        (1, "not-an-address", "10.0.0.1", "10.0.0.1"),
        (1, "2001:db8::1", "10.0.0.1", "2001:db8::1"),
    ],
)
def test_the_client_address_behind_trusted_proxies(
    rf, settings, proxies, forwarded, remote, expected
):
    settings.LOGIN_TRUSTED_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert login_throttle.client_address(request) == expected


def test_behind_the_proxy_a_guesser_locks_only_their_own_pair(client, settings, manager, clock):
    settings.LOGIN_TRUSTED_PROXIES = 1
    proxy = "10.0.0.254"
    for _ in range(5):
        sign_in(client, "manager", "wrong", proxy, HTTP_X_FORWARDED_FOR="203.0.113.66")
    clock.shift(datetime.timedelta(seconds=3))
    guesser = sign_in(client, "manager", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert LOCKED_DE in guesser.content.decode()
    owner = sign_in(client, "manager", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert owner.status_code == 302


def test_log_lines_are_key_value_pairs_without_username_or_password(client, manager, caplog):
    caplog.set_level("INFO", logger="msp_maturity.auth")
    for _ in range(6):
        sign_in(client, "manager", "s3cret-guess", address="192.0.2.1")
    lines = [record.getMessage() for record in caplog.records if record.name == "msp_maturity.auth"]
    assert any(line.startswith("login failed address=192.0.2.1") for line in lines)
    assert any(line.startswith("login locked address=192.0.2.1") for line in lines)
    assert any(line.startswith("login refused reason=locked") for line in lines)
    for line in lines:
        event, *pairs = line.split(" ")[1:] if line.startswith("login ") else line.split(" ")
        assert all("=" in pair for pair in pairs), line
        assert "manager" not in line and "s3cret" not in line
