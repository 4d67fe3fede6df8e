from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """PSA connections (ConnectWise Manage, Autotask, HaloPSA): their settings, encrypted
    credentials and live events. A floor above the subject apps: it writes tickets
    through kpis.upsert; insights may read it, nothing below imports it."""

    name = "integrations"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("PSA connections")

    def ready(self):
        # The encryption key check; the connection alert e-mails.
        from . import checks, health  # noqa: F401
