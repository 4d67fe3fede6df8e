"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP, HMAC-SHA1), the codes of
authenticator apps. Pure functions of a key and a time; the model keeps the state.

The RFC's own code is a dozen lines of HMAC, so the product carries it instead of a
library; tests check it against the RFC's test vectors."""

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
# Codes of the previous and the next step are accepted too: phones' clocks drift and a
# code typed at the end of its 30 seconds arrives in the next step.
WINDOW = 1


def new_key() -> str:
    """A random 160-bit key, base32 without padding (what authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key_bytes(key: str) -> bytes:
    key = key.upper().replace(" ", "")
    return base64.b32decode(key + "=" * (-len(key) % 8))


def hotp(key: bytes, counter: int, digits: int = DIGITS) -> str:
    """RFC 4226: the code for ``counter``, ``digits`` long with leading zeros."""
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def step_at(unix_seconds: float) -> int:
    """The RFC 6238 time step (T) for a Unix time in seconds."""
    return int(unix_seconds // STEP_SECONDS)


def code_at(key: str, unix_seconds: float, digits: int = DIGITS) -> str:
    """The code an authenticator app shows at ``unix_seconds``."""
    return hotp(_key_bytes(key), step_at(unix_seconds), digits)


def matching_step(key: str, code: str, unix_seconds: float) -> int | None:
    """The time step within ±WINDOW of ``unix_seconds`` whose code is ``code``, or None.
    The caller refuses a step it has already accepted once (no reuse)."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = step_at(unix_seconds)
    for step in range(now - WINDOW, now + WINDOW + 1):
        if hmac.compare_digest(code_at(key, step * STEP_SECONDS), code):
            return step
    return None


def provisioning_uri(key: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?" + urlencode({"secret": key, "issuer": issuer})
