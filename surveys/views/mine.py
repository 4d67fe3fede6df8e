"""A technician's own surveys and pulse history; nobody else's."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from accounts.roles import is_technician

from .. import charts
from ..models import Campaign, Invitation
from ..reports import technician_pulse_history
from .public import answer_page


def _technician_of(user):
    if not is_technician(user):
        raise PermissionDenied
    technician = getattr(user, "technician", None)
    return technician


def _get_own_invitation(user, pk: int) -> Invitation:
    """The invitation if it belongs to this user; 404 otherwise (no hint that it exists)."""
    technician = _technician_of(user)
    if technician is None:
        raise Http404
    invitation = (
        Invitation.objects.select_related("campaign__survey", "technician")
        .filter(pk=pk, technician=technician)
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation


@login_required
def my_surveys(request):
    technician = _technician_of(request.user)
    invitations = []
    history = []
    figure = None
    if technician is not None:
        invitations = list(
            Invitation.objects.filter(technician=technician)
            .select_related("campaign__survey")
            .order_by("-campaign__send_at")[:40]
        )
        history = technician_pulse_history(technician)
        if history:
            figure = charts.my_pulse(list(reversed(history)), "my-pulse-chart")
    open_invitations = [
        inv
        for inv in invitations
        if inv.campaign.status == Campaign.Status.OPEN and inv.campaign.is_open_for_answers()
    ]
    return render(
        request,
        "surveys/my_surveys.html",
        {
            "technician": technician,
            "invitations": invitations,
            "open_invitations": open_invitations,
            "history": history,
            "chart": figure,
        },
    )


def own_page_language(request, invitation: Invitation) -> str:
    """The language of a survey answered while signed in: the one the technician chose for
    the product (its language cookie), else the technician's own as it is now. Not the
    invitation's: that was copied when the campaign started, and the page sits in the
    product's frame, whose menu speaks the chosen language."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES):
        return chosen
    return invitation.technician.language or invitation.language


@login_required
def my_response(request, pk: int):
    invitation = _get_own_invitation(request.user, pk)
    return answer_page(
        request,
        invitation,
        reverse("surveys:my_response", kwargs={"pk": pk}),
        reverse("surveys:my_surveys"),
        token_page=False,
        language=own_page_language(request, invitation),
    )
