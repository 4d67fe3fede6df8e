"""Managers' pages for consent (organisation.consent): the suppression list, and the
opt-out marks of clients and contacts (set from the client's page)."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.roles import manager_required
from organisation.consent import set_opted_out, suppress
from organisation.models import Client, Contact, SuppressedAddress, normalise_address

from ..csv_export import csv_response

PAGE_SIZE = 50


class SuppressionForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail address"), max_length=254)
    detail = forms.CharField(label=gettext_lazy("Note (optional)"), max_length=300, required=False)


@manager_required
def suppression_list(request):
    entries = SuppressedAddress.objects.order_by("-created_at", "-id")
    search = request.GET.get("q", "").strip()[:254]
    if search:
        entries = entries.filter(email__contains=normalise_address(search))
    if request.GET.get("format") == "csv":
        return csv_response(
            "suppression-list.csv",
            [_("E-mail"), _("Reason"), _("Since"), _("Note")],
            (
                [
                    entry.email,
                    entry.get_reason_display(),
                    entry.created_at.isoformat(),
                    entry.detail,
                ]
                for entry in entries
            ),
        )
    if request.method == "POST":
        form = SuppressionForm(request.POST)
        if form.is_valid():
            entry = suppress(
                form.cleaned_data["email"],
                SuppressedAddress.Reason.STAFF,
                form.cleaned_data["detail"],
            )
            messages.success(
                request,
                _("%(email)s is on the suppression list: no client e-mail goes to it.")
                % {"email": entry.email},
            )
            return redirect("surveys:suppression_list")
    else:
        form = SuppressionForm()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "surveys/suppression_list.html",
        {
            "page": page,
            "form": form,
            "search": search,
            "clients": Client.objects.filter(surveys_opted_out=True).order_by("name"),
            "contacts": Contact.objects.filter(surveys_opted_out=True)
            .select_related("client")
            .order_by("client__name", "name"),
        },
    )


@manager_required
@require_POST
def suppression_remove(request, pk: int):
    entry = get_object_or_404(SuppressedAddress, pk=pk)
    entry.delete()
    messages.success(
        request,
        _("%(email)s is off the suppression list: client e-mail may go to it again.")
        % {"email": entry.email},
    )
    return redirect("surveys:suppression_list")


def _back(request):
    """Back to the page the form was on (the client's page, or the consent page)."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("surveys:suppression_list")
    return redirect(target)


def _mark(request, record: Client | Contact, marked: str, unmarked: str):
    """Set or take off the record's "no surveys" mark as the form says, and go back."""
    set_opted_out(record, request.POST.get("opted_out") == "1")
    message = marked if record.surveys_opted_out else unmarked
    messages.success(request, message % {"name": record.name})
    return _back(request)


@manager_required
@require_POST
def client_opt_out(request, pk: int):
    return _mark(
        request,
        get_object_or_404(Client, pk=pk),
        _("%(name)s is marked: no surveys to its contacts."),
        _("%(name)s may receive surveys again."),
    )


@manager_required
@require_POST
def contact_opt_out(request, pk: int):
    return _mark(
        request,
        get_object_or_404(Contact, pk=pk),
        _("%(name)s is marked: no surveys."),
        _("%(name)s may receive surveys again."),
    )
