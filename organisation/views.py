"""The unsubscribe page behind the personal link of every client e-mail (no login: the
signed link is the key; see organisation.consent).

Opening the link never unsubscribes: mail scanners open links. The page asks for one
click (a POST from its form); a mail program's one-click unsubscribe (RFC 8058: a POST of
``List-Unsubscribe=One-Click`` to the link, no page, no cookie) unsubscribes at once. Both
are idempotent: an address already on the list stays as it is.

No CSRF check, as on the survey page behind its link: the signed token in the URL is the
only credential (no cookie or session grants anything), so a forged cross-site POST would
need the token; the mail program's POST carries no CSRF token at all; and with
"Referrer-Policy: no-referrer" browsers send "Origin: null" on the form's POST, which
Django's origin check would refuse.
"""

from django.http import HttpResponse
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


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    try:
        link = read_unsubscribe_token(token)
    except InvalidUnsubscribeLink as problem:
        language = translation.get_language()
        reason = "expired" if problem.expired else "invalid"
        return _page(request, {"problem": reason}, language, 410 if problem.expired else 404)
    if request.method == "POST":  # the page's button, or a mail program's one click
        suppress(link.email, SuppressedAddress.Reason.UNSUBSCRIBED)
        return _page(request, {"done": True, "email": link.email}, link.language)
    already = SuppressedAddress.objects.filter(email=link.email).exists()
    return _page(request, {"already": already, "email": link.email}, link.language)
