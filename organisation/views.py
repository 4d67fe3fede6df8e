"""Public pages and files of the organisation, no login: the brand's logo and style sheet
(loaded by every client page and e-mail; the brand page for managers is surveys.views.brand:
it needs the roles of accounts), and the unsubscribe page behind the personal link of
every client e-mail (the signed link is the key; see organisation.consent).

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

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .consent import InvalidUnsubscribeLink, read_unsubscribe_token, suppress
from .models import Brand, SuppressedAddress

FOREVER = "public, max-age=31536000, immutable"


@require_http_methods(["GET", "HEAD"])
def brand_logo(request, digest: str):
    """The logo with that digest; 404 when there is none (or it has changed since)."""
    row = (
        Brand.objects.filter(pk=1, logo_digest=digest)
        .exclude(logo_digest="")
        .values_list("logo", "logo_type")
        .first()
    )
    if row is None:
        raise Http404
    data, content_type = row
    response = HttpResponse(bytes(data), content_type=content_type)
    response["Cache-Control"] = FOREVER
    response["Content-Disposition"] = "inline"
    # Not a document: nothing in it may run or load anything, whatever the bytes say.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"  # mail clients load it
    return response


@require_http_methods(["GET", "HEAD"])
def brand_style(request, version: str):
    """The brand colour as Bootstrap's custom properties (no inline style on any page).
    Cached for good under the current version; an old version gets today's colours,
    briefly cached."""
    brand = Brand.current()
    css = render_to_string("organisation/brand.css", {"colours": brand.colours()})
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = (
        FOREVER if version == brand.style_version() else "public, max-age=300"
    )
    return response


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
