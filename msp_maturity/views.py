import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
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
            import redis

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
