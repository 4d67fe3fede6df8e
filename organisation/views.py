"""The brand's logo and style sheet, loaded by every client page and e-mail; public.
(The brand page for managers is surveys.views.brand: it needs the roles of accounts.)"""

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods

from .models import Brand

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
