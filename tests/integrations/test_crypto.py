"""Credentials encrypted at rest: a round trip, key rotation, a clear error without a
key, the last four characters on pages, a blank field keeping the stored value."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from integrations import checks, crypto
from integrations.models import Integration

from .conftest import CW_CREDENTIALS

ROOT = Path(__file__).resolve().parents[2]
KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_secrets_come_back_as_they_went_in(settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = [KEY_A]
    token = crypto.encrypt({"private_key": "privKEY-cw-secret-WXYZ"})
    assert "privKEY" not in token
    assert crypto.decrypt(token) == {"private_key": "privKEY-cw-secret-WXYZ"}


def test_the_database_holds_no_credential_in_clear(connectwise):
    row = Integration.objects.filter(pk=connectwise.pk).values().get()
    stored = repr(row)
    for value in CW_CREDENTIALS.values():
        assert value not in stored
    assert Integration.objects.get(pk=connectwise.pk).credentials() == CW_CREDENTIALS


def test_a_new_key_first_still_reads_the_old_and_rotation_moves_to_the_new(settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = [KEY_A]
    old = crypto.encrypt({"secret": "s3cret-value"})
    settings.INTEGRATIONS_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert crypto.decrypt(old) == {"secret": "s3cret-value"}
    rotated = crypto.rotate(old)
    settings.INTEGRATIONS_ENCRYPTION_KEYS = [KEY_B]
    assert crypto.decrypt(rotated) == {"secret": "s3cret-value"}
    with pytest.raises(crypto.SecretsUnreadable):
        crypto.decrypt(old)


def test_the_rotation_command_re_encrypts_every_connection(settings, connectwise):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = [KEY_B, settings.DEV_INTEGRATIONS_ENCRYPTION_KEY]
    call_command("rotate_integration_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    settings.INTEGRATIONS_ENCRYPTION_KEYS = [KEY_B]
    assert Integration.objects.get(pk=connectwise.pk).credentials() == CW_CREDENTIALS


def test_without_a_key_encrypting_fails_with_a_clear_message(settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="INTEGRATIONS_ENCRYPTION_KEYS must be set"):
        crypto.encrypt({"secret": "x" * 10})
    assert [e.id for e in checks.encryption_keys()] == ["integrations.E001"]


def test_a_malformed_key_is_a_check_error(settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    errors = checks.encryption_keys()
    assert [e.id for e in errors] == ["integrations.E001"]
    assert "not a Fernet key" in errors[0].msg


def test_the_development_key_is_refused_by_the_deploy_check(settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = [settings.DEV_INTEGRATIONS_ENCRYPTION_KEY]
    assert checks.encryption_keys() == []
    assert [e.id for e in checks.no_development_key()] == ["integrations.E003"]
    settings.INTEGRATIONS_ENCRYPTION_KEYS = [KEY_A]
    assert checks.no_development_key() == []


def test_production_refuses_to_start_without_an_encryption_key():
    dropped = ("INTEGRATIONS_ENCRYPTION_KEYS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**env, "DEBUG": "0", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "msp.example.com"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "INTEGRATIONS_ENCRYPTION_KEYS must be set when DEBUG is off" in result.stderr


@pytest.mark.parametrize(
    "value,shown", [("privKEY-cw-secret-WXYZ", "…WXYZ"), ("short", "…"), ("", "")]
)
def test_pages_show_only_the_last_four_characters(value, shown):
    assert crypto.last_four(value) == shown


def test_a_blank_credential_keeps_the_stored_one(connectwise):
    changed = connectwise.replace_credentials({"private_key": "", "public_key": "new-public-0002"})
    connectwise.save()
    stored = Integration.objects.get(pk=connectwise.pk).credentials()
    assert changed == ["public_key"]
    assert stored == {**CW_CREDENTIALS, "public_key": "new-public-0002"}
