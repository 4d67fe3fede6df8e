import time
from functools import wraps

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.login_throttle import Refusal

from . import totp, two_factor
from .forms import CodeForm, ConfirmKeyForm, SignInForm, TurnOffForm, refusal_message
from .models import TwoFactor

ISSUER = "msp-maturity"


class SignInView(auth_views.LoginView):
    """The password; users with two-factor sign-in go on to the code step."""

    form_class = SignInForm
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.two_factor_of(user) is None:
            return super().form_valid(form)
        two_factor.hold(self.request, user, self.get_success_url())
        return redirect("login_code")


def _code_error(form, result: Refusal | bool, wrong: str) -> None:
    form.add_error(None, refusal_message(result) if isinstance(result, Refusal) else wrong)


@never_cache
def sign_in_code(request):
    """The second step: the code from the authenticator app or a recovery code."""
    if request.user.is_authenticated:
        return redirect("home")
    user = two_factor.pending_user(request)
    if user is None:
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = two_factor.check_code(request, user, form.cleaned_data["code"])
        if result is True:
            return redirect(two_factor.finish(request, user))
        _code_error(form, result, _("This code is not right. Please try again."))
    return render(request, "accounts/sign_in_code.html", {"form": form})


def may_use_two_factor(view):
    """Managers and staff; anonymous users go to the sign-in page, others get 403."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not two_factor.may_use(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _safe_next(request) -> str | None:
    target = request.GET.get("next") or request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@may_use_two_factor
def security(request, turn_off_form=None):
    current = two_factor.two_factor_of(request.user)
    return render(
        request,
        "accounts/security.html",
        {
            "two_factor": current,
            "recovery_left": current.unused_recovery_codes() if current else 0,
            "turn_off_form": turn_off_form or TurnOffForm(),
        },
    )


@never_cache
@may_use_two_factor
def two_factor_setup(request):
    """Show a new key as QR code; the first code from the app turns two-factor on and the
    recovery codes are shown, once."""
    if two_factor.two_factor_of(request.user) is not None:
        return redirect("security")
    key = request.session.get(two_factor.SETUP_KEY) or totp.new_key()
    request.session[two_factor.SETUP_KEY] = key
    form = ConfirmKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        now = time.time()
        step = totp.matching_step(key, form.cleaned_data["code"], now)
        if step is not None:
            # A double click sends the confirmation twice: the second finds it on already.
            confirmed, created = TwoFactor.objects.get_or_create(
                user=request.user, defaults={"key": key, "last_step": step}
            )
            request.session.pop(two_factor.SETUP_KEY, None)
            if not created:
                return redirect("security")
            return render(
                request,
                "accounts/recovery_codes.html",
                {
                    "codes": confirmed.new_recovery_codes(),
                    "next": _safe_next(request) or reverse("security"),
                },
            )
        form.add_error("code", _("This code is not right. Check the time on your phone."))
    uri = totp.provisioning_uri(key, request.user.get_username(), ISSUER)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            # Drawn here from our own data: markup segno generates, no user input in it.
            "qr_svg": mark_safe(segno.make(uri, error="m").svg_inline(scale=5)),  # noqa: S308
            "key_groups": [key[i : i + 4] for i in range(0, len(key), 4)],
            "next": _safe_next(request),
        },
    )


@may_use_two_factor
@require_POST
def two_factor_turn_off(request):
    if two_factor.two_factor_of(request.user) is None:
        return redirect("security")
    form = TurnOffForm(request.POST)
    if form.is_valid():
        result = two_factor.check_code(
            request, request.user, form.cleaned_data["proof"], or_password=True
        )
        if result is True:
            TwoFactor.objects.filter(user=request.user).delete()
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("security")
        _code_error(form, result, _("Neither a current code nor your password."))
    return security(request, turn_off_form=form)
