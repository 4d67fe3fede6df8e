from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class MspMaturityConfig(AppConfig):
    name = "msp_maturity"
    verbose_name = "msp-maturity"

    def ready(self):
        from . import delivery  # noqa: F401 - defines the e-mail tasks
        from .roles import ensure_role_groups

        # The role groups are reference data: restored by post_migrate after every
        # migrate and flush. Sent for auth, the app that owns Group.
        post_migrate.connect(ensure_role_groups, sender=apps.get_app_config("auth"))
