"""The back office signs in through the product's sign-in page, so the throttle and the
second step hold there too; Django's own admin login form is never shown. With the
sign-in policy's switch on, staff without two-factor sign-in are sent to set it up."""

from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import two_factor


class BackOfficeSite(admin.AdminSite):
    site_header = "msp-maturity"
    site_title = "msp-maturity"

    def has_permission(self, request):
        return super().has_permission(request) and not two_factor.back_office_blocked(request.user)

    def login(self, request, extra_context=None):
        index = reverse("admin:index", current_app=self.name)
        if not request.user.is_authenticated:
            # A POST here authenticates nobody: it is only sent on to the sign-in page.
            return redirect_to_login(
                request.GET.get(REDIRECT_FIELD_NAME) or index, reverse("login")
            )
        if self.has_permission(request):
            return redirect(index)
        if super().has_permission(request):  # staff, only two-factor is missing
            messages.warning(
                request, _("The back office requires two-factor sign-in. Please set it up.")
            )
            return redirect(f"{reverse('two_factor_setup')}?{urlencode({'next': index})}")
        raise PermissionDenied
