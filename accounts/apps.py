from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Signing in: the sign-in pages, the back office's way in and the unlock command. The
    throttle itself is in the shared core (msp_maturity/login_throttle.py)."""

    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Sign-in")

    def ready(self):
        from msp_maturity import login_throttle

        from .models import ensure_sign_in_policy

        post_migrate.connect(ensure_sign_in_policy, sender=self)

        # Django reports every attempt through these signals, whatever page made it.
        user_login_failed.connect(login_throttle.count_failure, dispatch_uid="throttle-count")
        user_logged_in.connect(login_throttle.clear_on_sign_in, dispatch_uid="throttle-clear")


class BackOfficeConfig(admin_apps.AdminConfig):
    """Installed instead of django.contrib.admin: ``admin.site`` is a BackOfficeSite."""

    default = False  # "accounts" alone means AccountsConfig
    default_site = "accounts.admin_site.BackOfficeSite"
