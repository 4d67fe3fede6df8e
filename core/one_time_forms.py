"""A form that creates something does so once, however often it is sent.

A double click on "create campaign" sent the form twice: two campaigns, and everybody
invited twice. Every creating form therefore carries a random one-time token in a hidden
field, and its view is wrapped so that the first valid submission consumes the token in
the same transaction that creates the object:

- the token is stored (a unique row) before the view runs; a second submission with the
  same token waits for the first to commit, then finds the token used and is redirected
  to where the first one led ("already sent"), creating nothing;
- a submission that does not end in a redirect (the form had errors) or that fails
  gives the token back (the transaction is rolled back), so the corrected form can be
  sent with it;
- a form sent without a well-formed token (an old page) is refused with a message and
  shown again with a fresh token.

Apply it to a form and its view:

    class ImportForm(OneTimeFormMixin, forms.Form): ...

    @manager_required
    @one_time_form
    def import_upload(request): ...   # POST, then redirect on success

The token proves nothing about the user (the session and CSRF do that); it only tells
two sendings of the same rendered form apart from two forms.
"""

from __future__ import annotations

import datetime
import functools
import re

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import SubmittedForm
from .tokens import new_token

FIELD = "form_token"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # core.tokens.new_token
# Used tokens are remembered this long: enough for double clicks and retried requests.
KEEP = datetime.timedelta(days=1)
STALE = gettext_lazy("This form is out of date. Please check it and send it again.")


def _well_formed(token) -> bool:
    return isinstance(token, str) and bool(_TOKEN.match(token))


class OneTimeFormMixin:
    """A hidden one-time token for a form that creates something (put it first among the
    bases). The view must be wrapped in ``one_time_form``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[FIELD] = forms.CharField(widget=forms.HiddenInput, initial=new_token)
        self.stale = self.is_bound and not _well_formed(self.data.get(self.add_prefix(FIELD)))
        if self.stale:
            # Shown again with a fresh token, so that the next sending can succeed.
            self.data = self.data.copy()
            self.data[self.add_prefix(FIELD)] = new_token()

    def clean(self):
        cleaned = super().clean()
        if self.stale:
            raise forms.ValidationError(STALE, code="stale_form")
        return cleaned


def one_time_form(view):
    """Run a POST with a form token at most once (see the module docstring)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        token = request.POST.get(FIELD) if request.method == "POST" else None
        if not _well_formed(token):
            return view(request, *args, **kwargs)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    # Waits while another request holds the same token uncommitted.
                    SubmittedForm.objects.create(token=token)
            except IntegrityError:
                return _already_sent(request, token)
            response = view(request, *args, **kwargs)
            if response.status_code in (301, 302, 303) and response.has_header("Location"):
                SubmittedForm.objects.filter(token=token).update(location=response["Location"])
                forget_old()
            else:
                transaction.set_rollback(True)  # not used up: the form comes back
        return response

    return wrapper


def _already_sent(request, token: str):
    submitted = SubmittedForm.objects.filter(token=token).first()
    messages.info(request, _("This form had already been sent; nothing was created twice."))
    return redirect(submitted.location if submitted and submitted.location else request.path)


def forget_old(now: datetime.datetime | None = None) -> int:
    return SubmittedForm.objects.filter(created_at__lt=(now or timezone.now()) - KEEP).delete()[0]
