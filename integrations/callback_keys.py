"""ConnectWise's callback signing keys: fetched from the ``Metadata.key_url`` of a
callback (only on the integration's own host, integrations.signatures.key_url_allowed),
kept in the cache per URL until a signature fails with it, then fetched once more.

Each process also keeps a copy of the keys it used for at most a minute
(``LOCAL_SECONDS``), so a burst of callbacks does not ask the shared cache for the key
of every one: a key fetched again (a signature failed with it, here or in another
process) or expired from the shared cache is used at most that long after, and a
signature that fails with the copy fetches the key once more, as with the cache."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
import urllib.request

from django.core.cache import cache
from django.views.decorators.debug import sensitive_variables

logger = logging.getLogger("integrations.callback_keys")

TIMEOUT_SECONDS = 10
MAX_BYTES = 64 * 1024
CACHE_SECONDS = 24 * 3600
# The process's own copies: how long one is used without asking the shared cache, and
# how many are kept (one per connection and key URL; the oldest goes first).
LOCAL_SECONDS = 60
LOCAL_MAX = 100

_local: dict[str, tuple[str, float]] = {}
_local_lock = threading.Lock()


class KeyUnavailable(Exception):
    """The key URL did not give a signing key (the message says why, without the key)."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect could lead off the integration's host


def _cache_key(integration_id: int, key_url: str) -> str:
    return f"integrations:cw-key:{integration_id}:{hashlib.sha256(key_url.encode()).hexdigest()}"


@sensitive_variables("credentials", "user")
def fetch_signing_key(integration, key_url: str) -> str:
    """GET ``key_url`` with the integration's clientId (and its API member's Basic
    authentication) and return ``signing_key`` of the JSON answer. No redirects, a 10 s
    timeout, at most 64 KiB. Tests replace this function."""
    credentials = integration.credentials()
    user = f"{credentials['company_id']}+{credentials['public_key']}:{credentials['private_key']}"
    request = urllib.request.Request(  # noqa: S310 - https (or loopback) checked by the caller
        key_url,
        headers={
            "clientId": credentials["client_id"],
            "Authorization": "Basic " + base64.b64encode(user.encode()).decode(),
            "Accept": "application/json",
        },
    )
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            raw = response.read(MAX_BYTES + 1)
    except OSError as exc:
        raise KeyUnavailable(f"key URL unreachable: {type(exc).__name__}") from None
    if len(raw) > MAX_BYTES:
        raise KeyUnavailable("key URL answered more than 64 KiB")
    try:
        key = json.loads(raw)["signing_key"]
    except (ValueError, KeyError, TypeError):
        raise KeyUnavailable("key URL answered without signing_key") from None
    if not isinstance(key, str) or not key:
        raise KeyUnavailable("key URL answered an empty signing_key")
    return key


def _now() -> float:
    return time.monotonic()


def _keep(name: str, key: str) -> None:
    with _local_lock:
        _local.pop(name, None)
        while len(_local) >= LOCAL_MAX:
            del _local[next(iter(_local))]
        _local[name] = (key, _now() + LOCAL_SECONDS)


def signing_key(integration, key_url: str, *, refresh: bool = False) -> str:
    """The signing key behind ``key_url``: the process's copy of the last minute, else
    the shared cache's, unless ``refresh`` (then fetched)."""
    name = _cache_key(integration.pk, key_url)
    if not refresh:
        held = _local.get(name)
        if held is not None and held[1] > _now():
            return held[0]
        key = cache.get(name)
        if key:
            _keep(name, key)
            return key
    key = fetch_signing_key(integration, key_url)
    cache.set(name, key, CACHE_SECONDS)
    _keep(name, key)
    return key
