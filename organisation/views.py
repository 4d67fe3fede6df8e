"""The unsubscribe page behind the personal link of every client e-mail (no login: the
signed link is the key; see organisation.consent).

Opening the link never unsubscribes: mail scanners open links. The page asks for one
click (a POST with the page's CSRF token). A mail program's one-click unsubscribe
(RFC 8058: a POST of ``List-Unsubscribe=One-Click`` to the link, no page, no cookie) is
the one request taken without a CSRF token; the signed link is what authorises it.
Both are idempotent: an address already on the list stays as it is.
"""

from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .consent import InvalidUnsubscribeLink, read_unsubscribe_token, suppress
from .models import SuppressedAddress


def _page(request, context: dict, language: str, status: int = 200) -> HttpResponse:
    with translation.override(language):
        html = render_to_string("organisation/unsubscribe.html", context, request=request)
    response = HttpResponse(html, status=status, headers={"Content-Language": language})
    # The link is a credential: no referrer carries it on, no search engine keeps it.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _one_click(request) -> bool:
    return request.POST.get("List-Unsubscribe") == "One-Click"


def _csrf_refused(request) -> HttpResponse | None:
    """Django's CSRF check for the page's own form (the view itself is exempt for the
    one-click POST only)."""
    return CsrfViewMiddleware(lambda _request: None).process_view(request, None, (), {})


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    try:
        link = read_unsubscribe_token(token)
    except InvalidUnsubscribeLink as problem:
        language = translation.get_language()
        reason = "expired" if problem.expired else "invalid"
        return _page(request, {"problem": reason}, language, 410 if problem.expired else 404)
    if request.method == "POST":
        if not _one_click(request) and (refused := _csrf_refused(request)) is not None:
            return refused
        suppress(link.email, SuppressedAddress.Reason.UNSUBSCRIBED)
        return _page(request, {"done": True, "email": link.email}, link.language)
    already = SuppressedAddress.objects.filter(email=link.email).exists()
    return _page(request, {"already": already, "email": link.email}, link.language)
