"""The product's URLs and two references the survey POST is compared with, on the same
server, middleware stack and database connection handling: /bench/trivial/ answers
without touching the database; /bench/limit/ is the bare cost of "store what a browser
posted": it validates a one-field form and commits one INSERT (the table is made by the
survey phase of bench.run)."""

from django import forms
from django.db import connection
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

LIMIT_TABLE = "bench_limit"


@require_GET
def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


class LimitForm(forms.Form):
    value = forms.CharField(max_length=200)


# Exempt like the survey page: the link's token, not a cookie, is its credential.
@csrf_exempt
@require_POST
def limit(request):
    form = LimitForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("bad form")
    with connection.cursor() as cursor:  # autocommit: the INSERT is its own transaction
        cursor.execute(
            f"INSERT INTO {LIMIT_TABLE} (value) VALUES (%s)",  # noqa: S608 - a constant
            [form.cleaned_data["value"]],
        )
    return HttpResponseRedirect("/bench/trivial/")  # 302, as the survey POST answers


urlpatterns = [
    path("bench/trivial/", trivial, name="bench_trivial"),
    path("bench/limit/", limit, name="bench_limit"),
    path("", include("msp_maturity.urls")),
]
