import logging
import sys

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)


def home(request):
    return render(request, "home.html")


@never_cache
@require_GET
def healthz(request):
    """200 when the database, the cache and (if configured) the broker answer, else 503.

    The cache is checked through Django's cache, the way the sign-in throttle uses it: while
    it fails, sign-in still works, unthrottled, and this says so."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        log.warning("healthz database_error=%s", type(exc).__name__)
        checks["database"] = "error"
    if settings.REDIS_URL:
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["broker"] = "ok"
        except Exception as exc:  # noqa: BLE001
            log.warning("healthz broker_error=%s", type(exc).__name__)
            checks["broker"] = "error"
    else:
        checks["broker"] = "in-process"
    try:
        cache.get("healthz")
        checks["cache"] = "ok"
    except Exception as exc:  # noqa: BLE001
        log.warning("healthz cache_error=%s", type(exc).__name__)
        checks["cache"] = "failing"
    healthy = all(value not in ("error", "failing") for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


# How long a client should wait before trying again after a 503.
RETRY_AFTER_SECONDS = 30


def server_error(request):
    """handler500: the styled error page; a 503 with Retry-After when the database is
    unreachable, saying that what was posted has not been saved.

    Django calls it inside its exception handler, so ``sys.exc_info()`` names the error.
    Nothing here touches the database, the session or the user. The page speaks the
    language of the page the form was posted from (``page_language``, carried by forms
    whose language differs from the visitor's own, such as a survey link's).
    """
    error = sys.exc_info()[1]
    # Django raises these for a database it cannot reach or lost mid-request (and for
    # lock time-outs and deadlocks): all of them pass, so "try again" is the right answer.
    unavailable = isinstance(error, (OperationalError, InterfaceError))
    language = _page_language(request)
    with translation.override(language):
        if unavailable:
            html = loader.render_to_string(
                "503.html", {"posted": request.method == "POST"}, request=None
            )
            response = HttpResponseServerError(html, status=503)
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        else:
            response = HttpResponseServerError(loader.render_to_string("500.html"))
    response["Content-Language"] = language
    return response


def _page_language(request) -> str:
    supported = {code for code, _ in settings.LANGUAGES}
    try:
        posted = request.POST.get("page_language") if request.method == "POST" else None
    except Exception:  # noqa: BLE001 - an unreadable body must not hide the error page
        posted = None
    if posted in supported:
        return posted
    return translation.get_language() or settings.LANGUAGE_CODE
