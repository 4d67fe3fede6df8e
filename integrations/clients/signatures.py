"""Checks of the PSAs' live events, pure functions over the bytes received (verify before
parsing) and the integration's secret; every comparison in constant time.

- ConnectWise: ``x-content-signature`` = base64(HMAC-SHA256(key, raw body)). The key is
  SHA-256 of the ``signing_key`` fetched from the callback's ``Metadata.key_url`` in three
  independent implementations; the issue reads it as the key itself. Both are accepted
  until a real callback settles it (docs/psa-apis.md 1.6 and open question 1).
- Autotask: ``X-Hook-Signature: sha1=`` + base64(HMAC-SHA1(SecretKey, body)); Autotask
  signs JSON whose strings escape non-ASCII and ``& < > ' " ` +`` as ``\\uXXXX``: checked
  over the raw bytes, then over the body re-escaped that way (docs/psa-apis.md 2.6).
- HaloPSA: no signature; the webhook sends Basic or Bearer credentials of our choosing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re


def connectwise_valid(body: bytes, signature: str, signing_key: str) -> bool:
    """Whether ``signature`` (the x-content-signature header) signs ``body``."""
    if not signature:
        return False
    raw = signing_key.encode()
    for key in (hashlib.sha256(raw).digest(), raw):
        expected = base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
        if hmac.compare_digest(expected, signature.strip()):
            return True
    return False


# Inside JSON strings Autotask writes these as \uXXXX (upper-case hex) before signing; an
# escaped quote (\") becomes \u0022, other escapes stay.
_ESCAPED = re.compile(r"\\.|[^\x00-\x7f]|[&<>'`+]")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def autotask_escaped(body: bytes) -> bytes:
    """``body`` with every JSON string escaped as Autotask does before signing."""

    def escape_string(match: re.Match) -> str:
        inner = match.group()[1:-1]
        return '"' + _ESCAPED.sub(_escape_one, inner) + '"'

    def _escape_one(char: re.Match) -> str:
        text = char.group()
        if text.startswith("\\"):
            return "\\u0022" if text == '\\"' else text
        return _u_escape(text)

    return _STRING.sub(escape_string, body.decode("utf-8")).encode("ascii", "backslashreplace")


def _u_escape(char: str) -> str:
    encoded = char.encode("utf-16-be")
    return "".join(f"\\u{encoded[i : i + 2].hex().upper()}" for i in range(0, len(encoded), 2))


def autotask_valid(body: bytes, signature: str, secret: str) -> bool:
    """Whether ``signature`` (the X-Hook-Signature header, "sha1=…") signs ``body``."""
    prefix, _, given = (signature or "").strip().partition("=")
    if prefix.lower() != "sha1" or not given:
        return False

    def signs(message: bytes) -> bool:
        digest = hmac.new(secret.encode(), message, hashlib.sha1).digest()
        return hmac.compare_digest(base64.b64encode(digest).decode(), given)

    if signs(body):
        return True
    try:
        return signs(autotask_escaped(body))
    except UnicodeDecodeError:
        return False


def halo_valid(
    authorization: str, *, username: str = "", password: str = "", token: str = ""
) -> bool:
    """Whether the Authorization header carries our Basic user/password or Bearer token
    (whichever the integration was set up with; an empty secret never matches)."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and token:
        return hmac.compare_digest(value.encode(), token.encode())
    if scheme.lower() == "basic" and password:
        expected = base64.b64encode(f"{username}:{password}".encode()).decode()
        return hmac.compare_digest(value.encode(), expected.encode())
    return False
