from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    name = "kpis"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("KPIs")

    def ready(self):
        from . import signals  # noqa: F401 - connects the receivers
