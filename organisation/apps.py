from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    """The bottom floor: clients, contacts, technicians. Imports only the core."""

    name = "organisation"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Organisation")

    def ready(self):
        from .reference_data import ensure_csv_source

        # Reference data, restored by post_migrate after every migrate and flush.
        post_migrate.connect(ensure_csv_source, sender=self)
