"""How each PSA proves that a live event is its own (docs/psa-apis.md 1.6, 2.6, 3.6).
Pure functions over the bytes received; every comparison in constant time.

- ConnectWise: ``x-content-signature`` = base64(HMAC-SHA256(key = SHA-256(signing key),
  raw body)). The signing key is fetched from the payload's ``Metadata.key_url``
  (integrations.callback_keys), which must be on the integration's own host. Three
  independent implementations hash the key before use; the fixtures' vectors
  (tests/fixtures/psa/connectwise/callback_signatures.json) follow them.
- Autotask: ``X-Hook-Signature: sha1=`` + base64(HMAC-SHA1(webhook secret, body)), where
  the body is signed with non-ASCII characters and ``& < > ' ` +`` inside strings written
  as ``\\uXXXX``; checked over the bytes received, then over them so escaped.
- HaloPSA: no signature; Basic (fixed user, per-integration password) or Bearer
  authentication as configured.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlsplit

from django.views.decorators.debug import sensitive_variables

# Autotask escapes these inside JSON strings before signing (besides non-ASCII).
_AUTOTASK_ESCAPED = frozenset("&<>'`+")


@sensitive_variables("signing_key")
def connectwise_signature(body: bytes, signing_key: str) -> str:
    key = hashlib.sha256(signing_key.encode()).digest()
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def connectwise_valid(body: bytes, header: str, signing_key: str) -> bool:
    return bool(header) and hmac.compare_digest(
        header.strip().encode(), connectwise_signature(body, signing_key).encode()
    )


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


def key_url_allowed(key_url: str, base_url: str) -> bool:
    """Whether ConnectWise's ``key_url`` is on the integration's own host: the same
    scheme, host and port as the base URL, where a cloud API host ``api-eu.…`` also
    stands for its site host ``eu.…`` (the key URL carries the site's host)."""
    if not isinstance(key_url, str):
        return False
    try:
        scheme, host, port = _origin(key_url)
        own_scheme, own_host, own_port = _origin(base_url)
    except ValueError:  # a malformed port
        return False
    hosts = {own_host}
    if own_host.startswith("api-"):
        hosts.add(own_host.removeprefix("api-"))
    return bool(host) and scheme == own_scheme and host in hosts and port == own_port


def autotask_escaped(body: bytes) -> bytes:
    """``body`` with every non-ASCII character and ``& < > ' ` +`` inside JSON strings
    written as ``\\uXXXX`` (upper-case hex; surrogate pairs beyond the BMP), the form
    Autotask signs. Characters outside strings are left alone."""
    text = body.decode("utf-8")
    out: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string and not escaped and (ord(char) > 127 or char in _AUTOTASK_ESCAPED):
            encoded = char.encode("utf-16-be")
            out.extend(
                f"\\u{int.from_bytes(encoded[i : i + 2], 'big'):04X}"
                for i in range(0, len(encoded), 2)
            )
            continue
        out.append(char)
        if escaped:
            escaped = False
        elif char == "\\" and in_string:
            escaped = True
        elif char == '"':
            in_string = not in_string
    return "".join(out).encode("ascii")


@sensitive_variables("secret")
def autotask_signature(body: bytes, secret: str) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha1).digest()
    return "sha1=" + base64.b64encode(digest).decode()


def autotask_valid(body: bytes, header: str, secret: str) -> bool:
    if not header or not secret:
        return False
    given = header.strip().encode()
    if hmac.compare_digest(given, autotask_signature(body, secret).encode()):
        return True
    try:
        escaped = autotask_escaped(body)
    except UnicodeDecodeError:
        return False
    return escaped != body and hmac.compare_digest(
        given, autotask_signature(escaped, secret).encode()
    )


@sensitive_variables("password", "token", "expected")
def halo_valid(header: str, mode: str, *, user: str, password: str, token: str) -> bool:
    """Whether the Authorization header carries the configured Basic or Bearer secret."""
    if mode == "bearer":
        expected = f"Bearer {token}"
    else:
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    return bool(header) and hmac.compare_digest(header.strip().encode(), expected.encode())
