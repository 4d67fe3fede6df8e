"""Two-factor sign-in: TOTP by RFC 6238 (checked against the RFC's test vectors with a
frozen clock), set-up confirmed by a first code, recovery codes shown once and stored
hashed, the code step after the password on every way in, and wrong codes throttled."""

import base64
import datetime

import pytest
import time_machine
from django.urls import reverse

from accounts import totp
from accounts.models import RecoveryCode, SignInPolicy, TwoFactor
from accounts.two_factor import SETUP_KEY
from tests.accounts.helpers import sign_in, signed_in
from tests.helpers import PASSWORD

# RFC 6238 Appendix B: the SHA1 seed "12345678901234567890" and its codes (8 digits; the
# 6-digit code is the last six).
RFC_KEY = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]
# Two neighbouring time steps of the vectors: 1111111109 is step 37037036, 1111111111
# is step 37037037.
EARLIER, LATER = "081804", "050471"


def _at(unix_seconds):
    return time_machine.travel(
        datetime.datetime.fromtimestamp(unix_seconds, tz=datetime.UTC), tick=False
    )


@pytest.fixture
def manager_2fa(manager):
    TwoFactor.objects.create(user=manager, key=RFC_KEY)
    return manager


@pytest.mark.parametrize("unix_seconds,expected", RFC_VECTORS)
def test_codes_match_the_rfc_6238_test_vectors(unix_seconds, expected):
    assert totp.code_at(RFC_KEY, unix_seconds, digits=8) == expected
    assert totp.code_at(RFC_KEY, unix_seconds) == expected[-6:]


def test_a_code_is_good_one_step_either_side_and_only_once(manager_2fa):
    two_factor = manager_2fa.two_factor
    # The earlier step's code, half a minute late: still good, once.
    assert two_factor.accept_code(EARLIER, 1111111111)
    assert not two_factor.accept_code(EARLIER, 1111111111)
    # The current step after it is good once; then the earlier one is never good again.
    assert two_factor.accept_code(LATER, 1111111111)
    assert not two_factor.accept_code(LATER, 1111111111)
    assert not two_factor.accept_code(EARLIER, 1111111111)


def test_a_code_two_steps_away_is_refused(manager_2fa):
    assert not manager_2fa.two_factor.accept_code(EARLIER, 1111111109 + 60)
    assert not manager_2fa.two_factor.accept_code(LATER, 1111111111 - 60)
    assert manager_2fa.two_factor.accept_code(LATER, 1111111111 - 30)  # the next step


def test_recovery_codes_are_stored_hashed_and_good_once(manager_2fa):
    codes = manager_2fa.two_factor.new_recovery_codes()
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = list(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert all(code.replace("-", "") not in hash_ for code in codes for hash_ in stored)
    assert manager_2fa.two_factor.accept_code(codes[3].lower(), 0)  # case does not matter
    assert not manager_2fa.two_factor.accept_code(codes[3], 0)
    assert manager_2fa.two_factor.unused_recovery_codes() == 9


def test_a_manager_turns_it_on_with_a_first_code_and_sees_the_recovery_codes_once(
    manager_client, manager
):
    page = manager_client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    session = manager_client.session
    session[SETUP_KEY] = RFC_KEY
    session.save()
    with _at(1111111111):
        wrong = manager_client.post(reverse("two_factor_setup"), {"code": "123456"})
        assert "nicht richtig" in wrong.content.decode()
        assert not TwoFactor.objects.exists()
        done = manager_client.post(reverse("two_factor_setup"), {"code": LATER})
        html = done.content.decode()
        assert done.status_code == 200 and "no-store" in done["Cache-Control"]
        assert html.count("<li>") >= 10
        assert TwoFactor.objects.get(user=manager).key == RFC_KEY
        assert RecoveryCode.objects.count() == 10
        # Shown once: the set-up page now leads back to the security page.
        setup = manager_client.get(reverse("two_factor_setup"))
        assert setup["Location"] == reverse("security")
        assert RFC_KEY not in manager_client.get(reverse("security")).content.decode()


def test_a_double_click_on_confirm_turns_it_on_once(manager_client, manager, monkeypatch):
    """Two confirmations racing past the "already on?" check: the second finds it on
    instead of failing on the unique user (was a 500)."""
    from accounts import two_factor

    monkeypatch.setattr(two_factor, "two_factor_of", lambda user: None)  # the race window
    session = manager_client.session
    session[SETUP_KEY] = RFC_KEY
    session.save()
    with _at(1111111111):
        first = manager_client.post(reverse("two_factor_setup"), {"code": LATER})
        session = manager_client.session
        session[SETUP_KEY] = RFC_KEY
        session.save()
        second = manager_client.post(reverse("two_factor_setup"), {"code": LATER})
    assert first.status_code == 200
    assert second.status_code == 302 and second["Location"] == reverse("security")
    assert TwoFactor.objects.filter(user=manager).count() == 1
    assert RecoveryCode.objects.count() == 10


def test_sign_in_asks_for_the_code_after_the_password(client, manager_2fa):
    with _at(1111111111):
        response = sign_in(client, "manager", PASSWORD)
        assert response["Location"] == reverse("login_code")
        assert not signed_in(client)
        assert "Zwei-Faktor" in client.get(reverse("login_code")).content.decode()
        response = client.post(reverse("login_code"), {"code": LATER}, REMOTE_ADDR="10.0.0.1")
        # The sign-in's own landing: managers go on to the attention page.
        assert response["Location"] == reverse("insights:start")
        assert signed_in(client)


def test_the_back_office_login_asks_for_the_code_too(client, staff_user):
    TwoFactor.objects.create(user=staff_user, key=RFC_KEY)
    login = client.get("/admin/login/?next=/admin/")["Location"]
    with _at(1111111111):
        response = client.post(login, {"username": "staff", "password": PASSWORD})
        assert response["Location"] == reverse("login_code")
        assert client.get("/admin/").status_code == 302
        response = client.post(reverse("login_code"), {"code": LATER})
        assert response["Location"] == "/admin/"
        # (inside the frozen clock: the session would have expired since 2005)
        assert client.get("/admin/").status_code == 200


def test_a_recovery_code_signs_in_once(client, manager_2fa):
    code = manager_2fa.two_factor.new_recovery_codes()[0]
    sign_in(client, "manager", PASSWORD)
    landing = reverse("insights:start")
    assert client.post(reverse("login_code"), {"code": code})["Location"] == landing
    client.logout()
    sign_in(client, "manager", PASSWORD)
    assert client.post(reverse("login_code"), {"code": code}).status_code == 200
    assert not signed_in(client)


def test_a_code_used_once_does_not_sign_in_again(client, manager_2fa):
    with _at(1111111111):
        sign_in(client, "manager", PASSWORD)
        client.post(reverse("login_code"), {"code": LATER})
        client.logout()
        sign_in(client, "manager", PASSWORD)
        response = client.post(reverse("login_code"), {"code": LATER})
    assert "nicht richtig" in response.content.decode()
    assert not signed_in(client)


def test_wrong_codes_count_in_the_throttle(client, manager_2fa):
    with _at(1111111111) as clock:
        sign_in(client, "manager", PASSWORD, "10.0.0.8")
        for _ in range(5):
            client.post(reverse("login_code"), {"code": "000000"}, REMOTE_ADDR="10.0.0.8")
        clock.shift(datetime.timedelta(seconds=5))  # past the account's delay
        response = client.post(reverse("login_code"), {"code": LATER}, REMOTE_ADDR="10.0.0.8")
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in response.content.decode()
    assert not signed_in(client)


def test_the_code_step_expires(client, manager_2fa):
    sign_in(client, "manager", PASSWORD)
    with time_machine.travel(datetime.timedelta(minutes=6)):
        assert client.get(reverse("login_code"))["Location"] == reverse("login")


def test_turning_it_off_needs_a_current_code_or_the_password(manager_client, manager_2fa):
    off = reverse("two_factor_turn_off")
    response = manager_client.post(off, {"proof": "wrong"})
    assert response.status_code == 200
    assert "Weder ein aktueller Code noch Ihr Passwort" in response.content.decode()
    assert TwoFactor.objects.filter(user=manager_2fa).exists()
    assert manager_client.post(off, {"proof": PASSWORD})["Location"] == reverse("security")
    assert not TwoFactor.objects.filter(user=manager_2fa).exists()


def test_turning_it_off_with_a_code(manager_client, manager_2fa):
    with _at(1111111111):
        manager_client.post(reverse("two_factor_turn_off"), {"proof": LATER})
    assert not TwoFactor.objects.exists()


def test_the_security_page_is_in_the_user_menu_of_managers_only(client, manager, technician_user):
    client.force_login(manager)
    assert reverse("security") in client.get(reverse("home")).content.decode()
    client.force_login(technician_user)
    assert reverse("security") not in client.get(reverse("home")).content.decode()


def test_staff_can_require_it_for_the_back_office(client, staff_user):
    SignInPolicy.objects.filter(pk=1).update(back_office_requires_two_factor=True)
    client.force_login(staff_user)
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response["Location"] == f"{reverse('two_factor_setup')}?next=%2Fadmin%2F"
    session = client.session
    session[SETUP_KEY] = RFC_KEY
    session.save()
    with _at(1111111111):
        done = client.post(response["Location"], {"code": LATER, "next": "/admin/"})
        assert 'href="/admin/"' in done.content.decode()
        assert client.get("/admin/").status_code == 200


def test_the_policy_switch_is_in_the_admin(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("admin:accounts_signinpolicy_change", args=[1]),
        {"back_office_requires_two_factor": "on"},
    )
    assert response.status_code == 302
    assert SignInPolicy.load().back_office_requires_two_factor
