from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    """The bottom floor: clients, contacts, technicians. Imports only the core."""

    name = "organisation"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Organisation")
