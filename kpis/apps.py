from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    name = "kpis"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("KPIs")

    def ready(self):
        # Registers the alert e-mails; connects the receivers of client changes.
        from . import alerting, signals  # noqa: F401
        from .reference_data import ensure_sla_targets

        # Reference data, restored by post_migrate after every migrate and flush.
        post_migrate.connect(ensure_sla_targets, sender=self)
