"""The managers' feedback cases: the list (open ones oldest first), a case's page where
what was done is recorded and the case closed or reopened, and the CSV."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.roles import manager_required
from core.csv_export import csv_response, refused_filter_response

from .. import cases as services
from ..forms import CaseFilterForm, CaseForm
from ..models import FeedbackCase
from ..queries import cases_with_answers

PAGE_SIZE = 50


def _filtered(request):
    form = CaseFilterForm(request.GET or None)
    cases = cases_with_answers().select_related(
        "client", "rating__ticket", "rating__contact", "rating__technician"
    )
    return form, cases


def _get_case(pk: int) -> FeedbackCase:
    """The case with what its page shows; 404 if there is none."""
    cases = cases_with_answers(FeedbackCase.objects.filter(pk=pk)).select_related(
        "client", "rating__ticket", "rating__contact", "rating__technician", "closed_by"
    )
    return get_object_or_404(cases)


@manager_required
def case_list(request):
    form, cases = _filtered(request)
    shown = form.apply(cases)
    # Time to close over the period and client chosen, whatever the status shown.
    durations = [
        closed - opened
        for opened, closed in form.apply_period(FeedbackCase.objects.all())
        .filter(status=FeedbackCase.Status.CLOSED)
        .values_list("opened_at", "closed_at")
    ]
    order = ["opened_at", "pk"] if form.chosen_status() == "open" else ["-opened_at", "-pk"]
    page = Paginator(shown.order_by(*order), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "ratings/case_list.html",
        {
            "form": form,
            "page": page,
            "query": params.urlencode(),
            "status": form.chosen_status(),
            "open_count": FeedbackCase.objects.filter(status=FeedbackCase.Status.OPEN).count(),
            "closed_count": len(durations),
            "time_to_close": services.time_to_close(durations),
        },
    )


@manager_required
def case_detail(request, pk: int):
    case = _get_case(pk)
    if request.method == "POST":
        action = request.POST.get("action", "record")
        if action == "reopen" and case.status == FeedbackCase.Status.CLOSED:
            services.reopen(case)
            messages.success(request, _("The feedback case is open again."))
            return redirect("ratings:case_detail", pk=case.pk)
        form = CaseForm(request.POST)
        if form.is_valid():
            note, contacted = form.cleaned_data["note"].strip(), form.contacted_value()
            if action == "close" and not note:
                form.add_error("note", _("Write what was done before closing the case."))
            elif action == "close" and services.close(case, request.user, note, contacted):
                messages.success(request, _("The feedback case is closed."))
                return redirect("ratings:case_list")
            else:
                services.record(case, note, contacted)
                messages.success(request, _("What was done is recorded."))
                return redirect("ratings:case_detail", pk=case.pk)
    else:
        form = CaseForm(initial=CaseForm.initial_for(case))
    return render(
        request,
        "ratings/case_detail.html",
        {
            "case": case,
            "form": form,
            "facts": services.facts(case),
            "hours_to_close": case.hours_to_close,
        },
    )


@manager_required
def case_export(request):
    form, cases = _filtered(request)
    if form.is_bound and not form.is_valid():
        return refused_filter_response(form)
    header = [
        _("Case"),
        _("Status"),
        _("Opened"),
        _("Closed"),
        _("Hours to close"),
        _("Client"),
        _("Contact"),
        _("Ticket"),
        _("Title"),
        _("Technician"),
        _("Rating that opened the case (1-5)"),
        _("Current rating (1-5)"),
        _("Comment"),
        _("May we contact you?"),
        _("Client contacted?"),
        _("What was done"),
    ]
    rows = (
        [
            c.pk,
            c.get_status_display(),
            c.opened_at,
            c.closed_at,
            c.hours_to_close,
            c.client.name,
            c.rating.contact.name,
            c.rating.ticket.external_id,
            c.rating.ticket.title,
            c.rating.technician.name if c.rating.technician else "",
            c.opening_face,
            c.face,
            c.comment or "",
            {1: _("yes"), 0: _("no")}.get(c.may_contact, ""),
            {True: _("yes"), False: _("no")}.get(c.contacted, ""),
            c.note,
        ]
        for c in form.apply(cases).order_by(F("opened_at").asc(), "pk").iterator(chunk_size=2000)
    )
    return csv_response("feedback-cases.csv", header, rows, stream=True)
