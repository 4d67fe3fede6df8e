"""The survey page behind the personal link: no login, the token is the key.

Opening the page never records an answer (mail scanners follow links; HEAD and GET are
read-only). Only a POST stores or changes the answer. A face link (``?face=``) records
the opening and the page POSTs the face by its own script (surveys.one_click).
"""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ..forms import FACES, ResponseForm, field_name
from ..metrics import minimum_respondents
from ..models import Invitation
from ..one_click import ClickRefused, face_question, nonce_for, open_face, record_click
from ..sending import invitation_subject
from ..services import CampaignClosed, current_values, questions_of, save_response
from ..tokens import InvalidToken, invitation_for_token


def private_headers(response: HttpResponse) -> HttpResponse:
    """Pages behind a token: no referrer leaks the token, no search engine keeps it."""
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


def page_language(request, default: str) -> str:
    """The language a survey page speaks: the one its visitor chose with ``?lang=``, else
    ``default`` (the invitation's)."""
    chosen = request.GET.get("lang")
    return chosen if chosen in dict(settings.LANGUAGES) else default


def language_links(request) -> list[tuple[str, str, str]]:
    """(code, name, URL) per language: this page with ``lang`` set, its other parameters
    (a pre-selected pulse face) kept."""
    links = []
    for code, name in settings.LANGUAGES:
        query = request.GET.copy()
        query["lang"] = code
        links.append((code, name, f"{request.path}?{query.urlencode()}"))
    return links


# Clients see the MSP's brand and nothing of the product; a technician's link page keeps
# the product's look without its menu (templates/client_base.html, link_base.html).
CLIENT_LAYOUT = "client_base.html"
TECHNICIAN_LAYOUT = "link_base.html"


def layout_for(for_clients: bool) -> str:
    return CLIENT_LAYOUT if for_clients else TECHNICIAN_LAYOUT


def _spoken(language: str) -> dict:
    return {"Content-Language": language}


def _link_page(request, template: str, context: dict, default: str, status: int = 200):
    """A page on the way to or from the answers, in the language the visitor chose (else
    ``default``), with links to the others."""
    language = page_language(request, default)
    with translation.override(language):
        context = {**context, "language_links": language_links(request)}
        html = render_to_string(template, context, request=request)
    return private_headers(HttpResponse(html, status=status, headers=_spoken(language)))


def link_problem(
    request, reason: str, language: str | None = None, for_technicians: bool = False
) -> HttpResponse:
    """The friendly page for an unknown, tampered or closed link; ``for_technicians``
    where the link is known to be a technician's (they are addressed as "du")."""
    return _link_page(
        request,
        "surveys/link_problem.html",
        {
            "reason": reason,
            "for_technicians": for_technicians,
            # An unknown link may be anybody's: it looks like the client's.
            "layout": layout_for(not for_technicians),
        },
        language or translation.get_language(),
        status={"invalid": 404, "closed": 410}[reason],
    )


def _face(data, question) -> int | None:
    """The face value ``data`` names for the survey's face ``question`` (None: no face)."""
    face = data.get("face", "")
    # ASCII digits only: "²".isdigit() is true but int("²") fails.
    digits = face.isascii() and face.isdigit() and len(face) <= 2
    return int(face) if question and digits and int(face) in question.scale() else None


# The status of a page whose one click recorded nothing.
REFUSED_STATUS = {"invalid": 400, "expired": 400, "used": 409, "ambiguous": 409}


def answer_page(
    request,
    invitation: Invitation,
    action: str,
    thanks_url: str,
    token_page: bool = True,
    language: str | None = None,
) -> HttpResponse:
    """Shared by the token page and a technician's own page: shows and stores answers in
    ``language`` (default: the invitation's), unless the visitor chose one with ``?lang=``."""
    campaign = invitation.campaign
    survey = campaign.survey
    language = page_language(request, language or invitation.language or settings.LANGUAGE_CODE)
    if token_page:  # the thank-you page speaks the language the answer was given in
        thanks_url = f"{thanks_url}{'&' if '?' in thanks_url else '?'}lang={language}"
    with translation.override(language):
        if not campaign.is_open_for_answers():
            return link_problem(request, "closed", language, not survey.for_clients)
        questions = questions_of(survey)
        question = face_question(questions)
        one_click, refused, status = None, None, 200
        face = _face(request.POST if request.method == "POST" else request.GET, question)
        if request.method == "POST" and "one_click" in request.POST:
            try:
                if face is None:
                    raise ClickRefused("invalid")
                record_click(invitation, request.POST["one_click"], face, questions)
            except ClickRefused as problem:
                refused, status = problem.reason, REFUSED_STATUS[problem.reason]
            except CampaignClosed:
                return link_problem(request, "closed", language, not survey.for_clients)
            else:
                # The same page again, showing the face stored and the other questions.
                done = redirect(f"{request.path}?recorded=1&lang={language}")
                return private_headers(done) if token_page else done
        if request.method == "POST" and refused is None:
            form = ResponseForm(request.POST, questions=questions, informal=not survey.for_clients)
            if form.is_valid():
                try:
                    save_response(invitation, form.values(), questions)
                except CampaignClosed:
                    return link_problem(request, "closed", language, not survey.for_clients)
                # The redirect is a token page too: its referrer policy governs the
                # request for the thank-you page.
                done = redirect(thanks_url)
                return private_headers(done) if token_page else done
            status = 400
        elif refused is None and face is not None and request.method == "GET" and token_page:
            opening, ambiguous = open_face(invitation, face, question)
            if ambiguous:
                refused, status = "ambiguous", 409
            else:
                one_click = {"nonce": nonce_for(opening), "value": face, "emoji": FACES.get(face)}
        if request.method != "POST" or refused is not None:
            # An anonymous survey never shows what was answered: whoever holds a link
            # (a forwarded e-mail, a second link sent to a changed address) must not read
            # one person's answers. Sending again replaces them.
            stored = {} if survey.aggregate_only else current_values(invitation)
            initial = {field_name(q): stored[q.key] for q in questions if q.key in stored}
            if face is not None and not token_page and refused is None:
                initial[field_name(question)] = str(face)
            form = ResponseForm(
                initial=initial, questions=questions, informal=not survey.for_clients
            )
        context = {
            "invitation": invitation,
            "survey": survey,
            "campaign": campaign,
            "survey_title": survey.title(),
            "intro": survey.intro(),
            "about": invitation_subject(invitation),
            "form": form,
            "action": action,
            "already_answered": invitation.status == Invitation.Status.ANSWERED
            and not request.GET.get("recorded"),
            "recorded": bool(request.GET.get("recorded")) and not refused,
            "one_click": one_click,
            "refused": refused,
            "face_question": question,
            "rows": _shown_rows(form, question, bool(one_click)),
            "is_pulse": survey.is_pulse,
            "for_clients": survey.for_clients,
            "anonymous": survey.aggregate_only,
            "minimum": minimum_respondents(),
            "token_page": token_page,
            "layout": layout_for(survey.for_clients) if token_page else "base.html",
            "language_links": language_links(request) if token_page else None,
        }
        html = render_to_string("surveys/respond.html", context, request=request)
    response = HttpResponse(html, status=status, headers=_spoken(language))
    return private_headers(response) if token_page else response


def _shown_rows(form, question, face_only) -> list:
    """The form's rows: a one-click page shows none; "may we contact you?" is asked only
    after a rating that was not positive."""
    if face_only:
        return []
    rows = form.rows()
    if question is not None and question.metric == "ticket_rating":
        rating = form.initial.get(field_name(question)) or form.data.get(field_name(question))
        if not (str(rating).isdigit() and int(rating) <= 3):
            rows = [(q, field) for q, field in rows if q.key != "may_contact"]
    return rows


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
    thanks_url = reverse("surveys:thanks")
    if invitation.campaign.survey.for_clients:
        thanks_url += "?audience=client"
    return answer_page(request, invitation, request.get_full_path(), thanks_url)


@require_http_methods(["GET", "HEAD"])
def thanks(request):
    for_clients = request.GET.get("audience") == "client"
    return _link_page(
        request,
        "surveys/thanks.html",
        {"for_clients": for_clients, "layout": layout_for(for_clients)},
        translation.get_language(),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def respond_unknown(request, rest: str):
    """Anything else below the personal links' path (a link cut or glued to other text in
    an e-mail): the client's link problem page, not the product's 404. A token without
    its closing slash is sent on to its page, as APPEND_SLASH would."""
    if rest and "/" not in rest and request.method != "POST":
        query = request.META.get("QUERY_STRING", "")
        target = reverse("surveys:respond", kwargs={"token": rest})
        return private_headers(redirect(f"{target}?{query}" if query else target))
    return link_problem(request, "invalid")
