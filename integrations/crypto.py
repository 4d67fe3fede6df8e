"""PSA credentials and event secrets encrypted at rest (Fernet: AES-128-CBC with an
HMAC-SHA256, from the ``cryptography`` library).

The keys come from ``settings.INTEGRATIONS_ENCRYPTION_KEYS``, never from SECRET_KEY: the
first key encrypts, every key decrypts (MultiFernet), so rotating is: put a new key first,
run ``manage.py rotate_integration_keys``, then drop the old key. A stored value that no
key opens raises ``SecretsUnreadable``; nothing here logs a value."""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

# What a manager reads when no configured key opens a connection's stored secrets.
UNREADABLE = gettext_lazy(
    "The stored credentials cannot be read with the configured encryption keys; type them in again."
)


class SecretsUnreadable(Exception):
    """No configured key opens the stored value (a key was dropped too early)."""


def _fernet() -> MultiFernet:
    keys = list(getattr(settings, "INTEGRATIONS_ENCRYPTION_KEYS", None) or [])
    if not keys:
        raise ImproperlyConfigured(
            "INTEGRATIONS_ENCRYPTION_KEYS must be set: the PSA credentials are encrypted "
            "with it (docs/integrations.md, 'Encryption key')."
        )
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "INTEGRATIONS_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 bytes "
            "in URL-safe base64; make one with `manage.py rotate_integration_keys --new-key`)."
        ) from None


def check_keys() -> None:
    """Raise ImproperlyConfigured when the keys are missing or malformed."""
    _fernet()


def new_key() -> str:
    """A fresh Fernet key, as the environment variable takes it."""
    return Fernet.generate_key().decode()


@sensitive_variables("values", "plain")
def encrypt(values: dict[str, str]) -> str:
    """The dict of secrets as one Fernet token (text) under the first key; "" for none."""
    if not values:
        return ""
    plain = json.dumps(values, sort_keys=True).encode()
    return _fernet().encrypt(plain).decode()


@sensitive_variables("plain")
def decrypt(token: str) -> dict[str, str]:
    """The dict of secrets stored as ``token`` ({} for "")."""
    if not token:
        return {}
    try:
        plain = _fernet().decrypt(token.encode())
    except InvalidToken:
        raise SecretsUnreadable("no configured key opens the stored secrets") from None
    return json.loads(plain)


def rotate(token: str) -> str:
    """``token`` encrypted again under the first key (unchanged content)."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretsUnreadable("no configured key opens the stored secrets") from None


def last_four(value: str) -> str:
    """What a page shows of a stored secret: "…" and its last four characters, or only
    "…" when it is too short to show any of it (fewer than 8 characters)."""
    if not value:
        return ""
    return "…" + value[-4:] if len(value) >= 8 else "…"
