"""A signed-in technician's own ticket ratings: their ticket CSAT and their tickets'
ratings and comments; nobody else's."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from accounts.roles import is_technician

from .. import figures as services
from ..forms import FiguresFilterForm
from ..metrics import face_kind
from ..models import TicketRating

SHOWN = 100


@login_required
def my_ratings(request):
    if not is_technician(request.user):
        raise PermissionDenied
    technician = getattr(request.user, "technician", None)
    form = FiguresFilterForm(request.GET or None)
    period = form.to_period(timezone.localdate())
    totals, ratings = None, []
    if technician is not None:
        own = services.invited(period, TicketRating.objects.filter(technician=technician))
        totals = services.totals(own)
        ratings = list(
            own.exclude(face__isnull=True)
            .select_related("ticket", "client", "contact")
            .order_by("-resolved_at", "-pk")[:SHOWN]
        )
        for rating in ratings:
            rating.kind = face_kind(rating.face)
    return render(
        request,
        "ratings/mine.html",
        {
            "form": form,
            "period": period,
            "technician": technician,
            "totals": totals,
            "ratings": ratings,
        },
    )
