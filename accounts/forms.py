from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.login_throttle import LOCKED, Refusal


def refusal_message(refusal: Refusal) -> str:
    """The throttle's refusal in the page's language."""
    if refusal.reason == LOCKED:
        minutes = -(-refusal.seconds // 60)
        return ngettext(
            "Too many failed sign-in attempts for this account from your address. For your "
            "security, please try again in %(count)d minute.",
            "Too many failed sign-in attempts for this account from your address. For your "
            "security, please try again in %(count)d minutes.",
            minutes,
        ) % {"count": minutes}
    return ngettext(
        "Too many failed sign-in attempts for this account. Please try again in %(count)d second.",
        "Too many failed sign-in attempts for this account. Please try again in %(count)d seconds.",
        refusal.seconds,
    ) % {"count": refusal.seconds}


class SignInForm(AuthenticationForm):
    """Django's form; the throttle refuses inside authenticate() and this says why."""

    def get_invalid_login_error(self):
        refusal = getattr(self.request, "sign_in_refusal", None)
        if refusal is not None:
            return ValidationError(refusal_message(refusal), code=refusal.reason)
        return super().get_invalid_login_error()


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=24,
        help_text=_("The 6 digits from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ConfirmKeyForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class TurnOffForm(forms.Form):
    proof = forms.CharField(
        label=_("Current code or password"),
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
