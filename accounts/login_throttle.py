"""Slow down password guessing without letting anyone lock another person out.

Every sign-in goes through Django's ``authenticate()``; ``ThrottleBackend`` sits first in
``AUTHENTICATION_BACKENDS`` and refuses an attempt before any backend checks a password.
Failures are counted from Django's ``user_login_failed`` signal and cleared by
``user_logged_in``, so a new sign-in page cannot bypass the throttle. Two rules:

- A pair of account and client address is refused for ``LOGIN_LOCKOUT_SECONDS`` after
  ``LOGIN_MAX_FAILURES`` failures, even with the right password.
- An account alone is never locked: after ``LOGIN_MAX_FAILURES`` failures from any
  addresses, the next attempt must wait 2 seconds after the latest failure, then 4, 8, ...
  at most ``LOGIN_MAX_DELAY_SECONDS``. An attempt made too soon is refused without checking
  the password and without counting, so guessing is slow and the owner still gets in.

Failures are forgotten ``LOGIN_LOCKOUT_SECONDS`` after the latest one; a successful
sign-in clears the pair and the account. Counters live in the cache (Redis in production,
shared by all web workers). When the cache fails, the throttle logs a warning and lets the
attempt through: sign-in keeps working while Redis is down (``/healthz`` reports it).
"""

import functools
import hashlib
import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from core.caches import CACHE_ERRORS

log = logging.getLogger("msp_maturity.auth")

# What a cache backend raises when its server is down or slow.

LOCKED = "locked"
WAIT = "wait"


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused (``LOCKED``: the pair; ``WAIT``: the account's delay) and
    for how many more seconds."""

    reason: str
    seconds: int


def _degrades(default):
    """A cache failure is logged and the attempt goes through (``default`` is returned)."""

    def decorator(function):
        @functools.wraps(function)
        def wrapped(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except CACHE_ERRORS as exc:
                log.warning("login throttle_unavailable error=%s", type(exc).__name__)
                return default

        return wrapped

    return decorator


def _digest(*parts: str) -> str:
    # Hashed: the cache should not hold a list of attempted account names.
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _account(username: str) -> str:
    return "login:account:" + _digest(username.strip().lower())


def _pair(username: str, address: str) -> str:
    return "login:pair:" + _digest(username.strip().lower(), address)


def _count(key: str) -> int:
    """Add one failure to ``key`` and return the new count; the count is kept until
    LOGIN_LOCKOUT_SECONDS after its latest failure."""
    timeout = settings.LOGIN_LOCKOUT_SECONDS
    if cache.add(key, 1, timeout):
        return 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout)
        return 1
    cache.touch(key, timeout)
    return count


def account_delay(failures: int) -> int:
    """Seconds an account waits after its ``failures``-th failure: none up to
    LOGIN_MAX_FAILURES - 1, then 2, 4, 8, ... capped at LOGIN_MAX_DELAY_SECONDS."""
    beyond = failures - settings.LOGIN_MAX_FAILURES
    if beyond < 0:
        return 0
    return min(2 ** min(beyond + 1, 32), settings.LOGIN_MAX_DELAY_SECONDS)


@_degrades(None)
def refusal(username: str, address: str) -> Refusal | None:
    """Why an attempt for ``username`` from ``address`` is refused now, or None."""
    keys = {f"{_pair(username, address)}:locked": LOCKED, f"{_account(username)}:wait": WAIT}
    now = time.time()
    found = cache.get_many(list(keys))
    for key, reason in keys.items():  # the pair's lock first: it is the longer wait
        if found.get(key, 0) > now:
            return Refusal(reason, math.ceil(found[key] - now))
    return None


@_degrades(None)
def record_failure(username: str, address: str) -> None:
    """Count a wrong password or code; lock the pair or start the account's delay when due."""
    now = time.time()
    pair, account = _pair(username, address), _account(username)
    if _count(f"{pair}:failures") >= settings.LOGIN_MAX_FAILURES:
        lockout = settings.LOGIN_LOCKOUT_SECONDS
        cache.set(f"{pair}:locked", now + lockout, lockout)
        # Remembered per account so that staff can unlock every address at once.
        addresses = cache.get(f"{account}:locked-addresses") or []
        if address not in addresses:
            cache.set(f"{account}:locked-addresses", [*addresses, address], lockout)
        log.warning("login locked address=%s", address)
    delay = account_delay(_count(f"{account}:failures"))
    if delay:
        cache.set(f"{account}:wait", now + delay, delay)
        log.info("login delayed seconds=%s", delay)


@_degrades(None)
def reset(username: str, address: str) -> None:
    """A successful sign-in clears its pair and the account's failures and delay."""
    pair, account = _pair(username, address), _account(username)
    cache.delete_many(
        [f"{pair}:failures", f"{pair}:locked", f"{account}:failures", f"{account}:wait"]
    )


def unlock(username: str, address: str | None = None) -> list[str]:
    """Clear the account's delay and its locked pairs (all of them, or the one with
    ``address``); returns the addresses unlocked. Raises the cache's error when it is down:
    staff must know that nothing was unlocked."""
    account = _account(username)
    locked = cache.get(f"{account}:locked-addresses") or []
    addresses = [address] if address else locked
    keys = [f"{account}:failures", f"{account}:wait"]
    for each in addresses:
        keys += [f"{_pair(username, each)}:failures", f"{_pair(username, each)}:locked"]
    cache.delete_many(keys)
    remaining = [each for each in locked if each not in addresses]
    if remaining:
        cache.set(f"{account}:locked-addresses", remaining, settings.LOGIN_LOCKOUT_SECONDS)
    else:
        cache.delete(f"{account}:locked-addresses")
    return addresses


def client_address(request) -> str:
    """The client's IP address: REMOTE_ADDR, or behind LOGIN_TRUSTED_PROXIES proxies the
    entry of X-Forwarded-For that the outermost trusted proxy appended (entries further
    left come from the client and may be forged)."""
    if request is None:
        return "unknown"
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    proxies = settings.LOGIN_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < proxies:  # did not come through the proxies
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return remote


class ThrottleBackend:
    """First in AUTHENTICATION_BACKENDS: refuses a throttled attempt before any backend
    checks its password. Authenticates nobody itself. The refusal is left on the request
    (``sign_in_refusal``) for the form to explain.

    Deliberately no ``get_user`` or permission methods: Django then never picks this
    backend for a session (``force_login`` takes the first backend that has ``get_user``)."""

    def authenticate(self, request, username=None, password=None, **credentials):
        if username is None:
            username = credentials.get(get_user_model().USERNAME_FIELD)
        address = client_address(request)
        found = refusal(username or "", address)
        if found is None:
            return None
        if request is not None:
            request.sign_in_refusal = found
        log.warning("login refused reason=%s address=%s", found.reason, address)
        # Stops authenticate() here: no further backend sees the password.
        raise PermissionDenied


def count_failure(sender, credentials, request=None, **kwargs) -> None:
    """user_login_failed receiver: a wrong password counts, a refused attempt does not."""
    username = credentials.get(get_user_model().USERNAME_FIELD) or ""
    address = client_address(request)
    if refusal(username, address) is None:
        log.info("login failed address=%s", address)
        record_failure(username, address)


def clear_on_sign_in(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver."""
    reset(user.get_username(), client_address(request))
