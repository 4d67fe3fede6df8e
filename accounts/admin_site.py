"""The back office signs in through the product's sign-in page, so the throttle and the
second step hold there too; Django's own admin login form is never shown."""

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse


class BackOfficeSite(admin.AdminSite):
    site_header = "msp-maturity"
    site_title = "msp-maturity"

    def login(self, request, extra_context=None):
        index = reverse("admin:index", current_app=self.name)
        if not request.user.is_authenticated:
            # A POST here authenticates nobody: it is only sent on to the sign-in page.
            return redirect_to_login(
                request.GET.get(REDIRECT_FIELD_NAME) or index, reverse("login")
            )
        if self.has_permission(request):
            return redirect(index)
        raise PermissionDenied
