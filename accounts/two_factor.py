"""Two-factor sign-in as steps of a request: the pending sign-in between password and
code, checking a code under the throttle, and who may turn it on."""

import logging
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login

from accounts import login_throttle
from accounts.roles import is_manager

from .models import SignInPolicy, TwoFactor

log = logging.getLogger("msp_maturity.auth")

PENDING = "sign_in_pending"
SETUP_KEY = "two_factor_setup_key"


def two_factor_of(user) -> TwoFactor | None:
    try:
        return user.two_factor
    except TwoFactor.DoesNotExist:
        return None


def may_use(user) -> bool:
    """Managers and staff may turn two-factor sign-in on; technicians sign in with a
    password only."""
    return bool(user.is_authenticated and (user.is_staff or is_manager(user)))


def back_office_blocked(user) -> bool:
    """True for staff who must set up two-factor sign-in before the back office."""
    return SignInPolicy.load().back_office_requires_two_factor and two_factor_of(user) is None


def hold(request, user, next_url: str) -> None:
    """The password was right and the user has two-factor: remember who is signing in
    (not signed in yet) for the code step."""
    request.session[PENDING] = {
        "user": user.pk,
        "backend": user.backend,
        "next": next_url,
        "since": time.time(),
    }


def pending_user(request):
    """The user whose password was right in this session within
    TWO_FACTOR_PENDING_SECONDS, or None."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["since"] > settings.TWO_FACTOR_PENDING_SECONDS:
        return None
    return get_user_model().objects.filter(pk=pending["user"], is_active=True).first()


def finish(request, user) -> str:
    """Sign the pending user in (this clears the throttle through user_logged_in) and
    return where to go."""
    pending = request.session.pop(PENDING)
    auth_login(request, user, backend=pending["backend"])
    return pending["next"]


def check_code(
    request, user, code: str, *, or_password: bool = False
) -> login_throttle.Refusal | bool:
    """A code (or, with ``or_password``, the password) for ``user`` under the throttle:
    the throttle's refusal, else whether it was good. A wrong code counts like a wrong
    password."""
    address = login_throttle.client_address(request)
    refusal = login_throttle.refusal(user.get_username(), address)
    if refusal is not None:
        log.warning("login refused reason=%s address=%s step=code", refusal.reason, address)
        return refusal
    two_factor = two_factor_of(user)
    if two_factor is not None and two_factor.accept_code(code, time.time()):
        return True
    if or_password and user.check_password(code):
        return True
    log.info("login failed address=%s step=code", address)
    login_throttle.record_failure(user.get_username(), address)
    return False
