"""The system check behind `manage.py check --deploy` and every management command: the
encryption keys of the PSA credentials are present and well-formed."""

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
    if settings.DEV_INTEGRATIONS_ENCRYPTION_KEY in keys and not settings.DEBUG:
        problems.append(
            checks.Error(
                "INTEGRATIONS_ENCRYPTION_KEYS contains the published development key.",
                id="integrations.E003",
            )
        )
    return problems
