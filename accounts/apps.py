from django.apps import AppConfig, apps
from django.contrib.admin import apps as admin_apps
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Signing in and roles: the sign-in pages and their throttle, two-factor sign-in, the
    back office's way in, the unlock command and the role groups."""

    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Sign-in")

    def ready(self):
        from accounts import login_throttle

        from .models import ensure_sign_in_policy
        from .roles import ensure_role_groups

        post_migrate.connect(ensure_sign_in_policy, sender=self)
        # The role groups are reference data: restored by post_migrate after every
        # migrate and flush. Sent for auth, the app that owns Group.
        post_migrate.connect(ensure_role_groups, sender=apps.get_app_config("auth"))

        # Django reports every attempt through these signals, whatever page made it.
        user_login_failed.connect(login_throttle.count_failure, dispatch_uid="throttle-count")
        user_logged_in.connect(login_throttle.clear_on_sign_in, dispatch_uid="throttle-clear")


class BackOfficeConfig(admin_apps.AdminConfig):
    """Installed instead of django.contrib.admin: ``admin.site`` is a BackOfficeSite."""

    default = False  # "accounts" alone means AccountsConfig
    default_site = "accounts.admin_site.BackOfficeSite"
