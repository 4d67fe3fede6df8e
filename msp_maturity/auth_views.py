import logging

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from . import login_throttle

log = logging.getLogger("msp_maturity.auth")


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "Too many failed sign-in attempts. For your security, please wait 15 minutes "
            "and try again."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = login_throttle.client_address(self.request)
        if login_throttle.is_locked(username, address):
            log.warning("login locked address=%s", address)
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_throttle.record_failure(username, address)
            log.info("login failed address=%s", address)
            raise
        login_throttle.reset(username, address)
        return cleaned


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True
