"""The product's URLs and /bench/trivial/, the reference the survey POST is compared
with: it passes through the same server, middleware stack and database connection
handling, and answers without touching the database."""

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET


@require_GET
def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/trivial/", trivial, name="bench_trivial"),
    path("", include("msp_maturity.urls")),
]
