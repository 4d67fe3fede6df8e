"""The managers' list of ticket ratings, filtered, with its CSV."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.roles import manager_required
from core.csv_export import csv_response, refused_filter_response

from ..forms import RatingFilterForm
from ..metrics import csat_counts, face_kind, ticket_csat
from ..models import TicketRating
from ..queries import with_answers

PAGE_SIZE = 50


def _filtered(request):
    form = RatingFilterForm(request.GET or None)
    ratings = with_answers(TicketRating.objects.filter(status=TicketRating.Status.INVITED))
    return form, form.apply(ratings).select_related(
        "ticket", "client", "technician", "contact", "case"
    )


@manager_required
def rating_list(request):
    form, ratings = _filtered(request)
    counts = csat_counts(ratings)
    page = Paginator(ratings.order_by("-invited_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    invited = page.paginator.count  # the paginator's one COUNT
    params = request.GET.copy()
    params.pop("page", None)
    for rating in page.object_list:
        rating.kind = face_kind(rating.face)
    return render(
        request,
        "ratings/rating_list.html",
        {
            "form": form,
            "page": page,
            "query": params.urlencode(),
            "invited": invited,
            "rated": counts["rated"],
            "csat": ticket_csat(counts["positive"], counts["rated"]),
            "response_rate": ticket_csat(counts["rated"], invited),
        },
    )


@manager_required
def export(request):
    form, ratings = _filtered(request)
    if form.is_bound and not form.is_valid():
        return refused_filter_response(form)
    header = [
        _("Ticket"),
        _("Title"),
        _("Client"),
        _("Contact"),
        _("Technician"),
        _("Priority"),
        _("Source"),
        _("Resolved"),
        _("E-mail sent"),
        _("Rating (1-5)"),
        _("Comment"),
        _("May we contact you?"),
    ]
    rows = (
        [
            r.ticket.external_id,
            r.ticket.title,
            r.client.name,
            r.contact.name,
            r.technician.name if r.technician else "",
            r.get_priority_display(),
            r.get_source_display(),
            r.resolved_at,
            r.invited_at,
            r.face,
            r.comment or "",
            {1: _("yes"), 0: _("no")}.get(r.may_contact, ""),
        ]
        for r in ratings.order_by("-invited_at", "-pk").iterator(chunk_size=2000)
    )
    return csv_response("ticket-ratings.csv", header, rows, stream=True)
