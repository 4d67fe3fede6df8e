"""Slow down password guessing: after too many failed sign-ins for one account or from one
address, further attempts are refused for a while, even with the right password.

Counters live in the cache (Redis in production, so all web workers share them).
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

MAX_FAILURES = getattr(settings, "LOGIN_MAX_FAILURES", 5)
LOCKOUT_SECONDS = getattr(settings, "LOGIN_LOCKOUT_SECONDS", 15 * 60)


def _keys(username: str, address: str) -> list[str]:
    # Hash the username: the cache should not hold a list of attempted account names.
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:account:{account}", f"login-fail:address:{address}"]


def is_locked(username: str, address: str) -> bool:
    """True when the account or the address has failed MAX_FAILURES times recently."""
    counts = cache.get_many(_keys(username, address))
    return any(count >= MAX_FAILURES for count in counts.values())


def record_failure(username: str, address: str) -> None:
    for key in _keys(username, address):
        if not cache.add(key, 1, LOCKOUT_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, LOCKOUT_SECONDS)


def reset(username: str, address: str) -> None:
    """A successful sign-in clears the account's counter (not the address's)."""
    cache.delete(_keys(username, address)[0])


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")
