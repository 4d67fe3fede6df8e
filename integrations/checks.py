"""System checks of the PSA credentials' encryption keys: present and well-formed (every
management command), and not the development key (`manage.py check --deploy`)."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import crypto


@checks.register(checks.Tags.security, deploy=False)
def encryption_keys(**kwargs):
    try:
        crypto.check_keys()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="integrations.E001")]
    keys = settings.INTEGRATIONS_ENCRYPTION_KEYS
    problems = []
    if settings.SECRET_KEY in keys:
        problems.append(
            checks.Error(
                "INTEGRATIONS_ENCRYPTION_KEYS must not contain SECRET_KEY.",
                id="integrations.E002",
            )
        )
    return problems


# Only with --deploy: tests run management commands with DEBUG off and the development key.
@checks.register(checks.Tags.security, deploy=True)
def no_development_key(**kwargs):
    if settings.DEV_INTEGRATIONS_ENCRYPTION_KEY in settings.INTEGRATIONS_ENCRYPTION_KEYS:
        return [
            checks.Error(
                "INTEGRATIONS_ENCRYPTION_KEYS contains the published development key.",
                id="integrations.E003",
            )
        ]
    return []
