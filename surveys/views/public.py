"""The survey page behind the personal link: no login, the token is the key.

Opening the page never records anything (mail scanners follow links; HEAD and GET are
read-only). Only a POST stores or changes the answer.
"""

from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ..forms import ResponseForm, field_name
from ..models import Invitation, Metric
from ..services import CampaignClosed, current_values, questions_of, save_response
from ..tokens import InvalidToken, invitation_for_token


def private_headers(response: HttpResponse) -> HttpResponse:
    """Pages behind a token: no referrer leaks the token, no search engine keeps it."""
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


def link_problem(request, reason: str, language: str | None = None) -> HttpResponse:
    """The friendly page for an unknown, tampered or closed link."""
    status = {"invalid": 404, "closed": 410}[reason]
    with translation.override(language or translation.get_language()):
        html = render_to_string("surveys/link_problem.html", {"reason": reason}, request=request)
    return private_headers(HttpResponse(html, status=status))


def _preselected_face(request, questions) -> dict:
    face = request.GET.get("face", "")
    pulse = next((q for q in questions if q.metric == Metric.PULSE), None)
    # ASCII digits only: "²".isdigit() is true but int("²") fails.
    if (
        pulse
        and face.isascii()
        and face.isdigit()
        and len(face) <= 2
        and int(face) in pulse.scale()
    ):
        return {field_name(pulse): str(int(face))}
    return {}


def answer_page(
    request, invitation: Invitation, action: str, thanks_url: str, token_page: bool = True
) -> HttpResponse:
    """Shared by the token page and a technician's own page: shows and stores answers."""
    campaign = invitation.campaign
    survey = campaign.survey
    language = invitation.language or "de"
    with translation.override(language):
        if not campaign.is_open_for_answers():
            return link_problem(request, "closed", language)
        questions = questions_of(survey)
        if request.method == "POST":
            form = ResponseForm(request.POST, questions=questions)
            if form.is_valid():
                try:
                    save_response(invitation, form.values(), questions)
                except CampaignClosed:
                    return link_problem(request, "closed", language)
                # The redirect is a token page too: its referrer policy governs the
                # request for the thank-you page.
                done = redirect(thanks_url)
                return private_headers(done) if token_page else done
            status = 400
        else:
            stored = current_values(invitation)
            initial = {field_name(q): stored[q.key] for q in questions if q.key in stored}
            initial.update(_preselected_face(request, questions))
            form = ResponseForm(initial=initial, questions=questions)
            status = 200
        context = {
            "invitation": invitation,
            "survey": survey,
            "campaign": campaign,
            "survey_title": survey.title(),
            "intro": survey.intro(),
            "form": form,
            "rows": form.rows(),
            "action": action,
            "already_answered": invitation.status == Invitation.Status.ANSWERED,
            "is_pulse": survey.is_pulse,
            "token_page": token_page,
        }
        html = render_to_string("surveys/respond.html", context, request=request)
    response = HttpResponse(html, status=status)
    return private_headers(response) if token_page else response


# No CSRF check here: the signed token in the URL is the only credential (no cookie or
# session grants anything), so a forged cross-site POST needs the token and could then
# post directly anyway. And with "Referrer-Policy: no-referrer" browsers send
# "Origin: null" on the form's POST, which Django's origin check would refuse.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def respond(request, token: str):
    try:
        invitation = invitation_for_token(token)
    except InvalidToken as problem:
        return link_problem(request, problem.reason)
    thanks_url = reverse("surveys:thanks") + f"?lang={invitation.language}"
    if invitation.campaign.survey.for_clients:
        thanks_url += "&audience=client"
    return answer_page(request, invitation, request.get_full_path(), thanks_url)


@require_http_methods(["GET", "HEAD"])
def thanks(request):
    language = request.GET.get("lang")
    if language not in ("de", "en"):
        language = translation.get_language()
    with translation.override(language):
        html = render_to_string(
            "surveys/thanks.html",
            {"for_clients": request.GET.get("audience") == "client"},
            request=request,
        )
    return private_headers(HttpResponse(html))
