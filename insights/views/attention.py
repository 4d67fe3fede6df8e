"""The attention page (a manager's first screen) and the client list: one row per client
with its coloured figures (insights.attention)."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_manager, manager_required
from core.periods import Period, month_to_date
from insights import attention
from insights.forms import ClientTableForm
from organisation.models import ONBOARDING_DAYS
from surveys.reports import pulse_check_in

PAGE_SIZE = 50
# The attention page shows the worst clients first: one screen of them, then pages.
ATTENTION_PAGE_SIZE = 25
DEFAULT_SORT = "name"
# The client list's columns: (sort key, heading), in the table's order.
COLUMNS = [
    ("name", _("Client")),
    ("state", _("State")),
    ("escalation", _("Escalation share")),
    ("csat", _("Ticket CSAT")),
    ("nps", _("Onboarding NPS")),
    ("sla", _("SLA attainment")),
    ("onboarding", _("Onboarding")),
    ("alerts", _("Open alerts")),
    ("cases", _("Open cases")),
]


@login_required
def start(request):
    """Where signing in leads: managers to the attention page, everyone else home."""
    if is_manager(request.user):
        return redirect("insights:attention")
    return redirect("home")


def client_table(request, rows):
    """(form, rows shown, query string without page and sort) from the request's filters;
    an invalid filter is left out and shown at its field."""
    segments = sorted({row.segment for row in rows if row.segment})
    form = ClientTableForm(request.GET or None, segments=segments)
    params = request.GET.copy()
    for key in ("page", "sort"):
        params.pop(key, None)
    return form, attention.filtered(rows, **form.filters()), params.urlencode()


def chosen_sort(request) -> str:
    sort = request.GET.get("sort", DEFAULT_SORT)
    return sort if sort.removeprefix("-") in attention.SORT_KEYS else DEFAULT_SORT


def _links(today: datetime.date) -> dict:
    """The first days of the drill-down filters: the periods the figures cover."""
    return {
        "month_start": month_to_date(today).start.isoformat(),
        "sla_start": Period.last_days(attention.SLA_DAYS, today).start.isoformat(),
        "csat_start": Period.last_days(attention.CSAT_DAYS, today).start.isoformat(),
        "sla_days": attention.SLA_DAYS,
        "csat_days": attention.CSAT_DAYS,
        "onboarding_days": ONBOARDING_DAYS,
        "urls": {
            "tickets": reverse("insights:ticket_list"),
            "ratings": reverse("ratings:list"),
            "cases": reverse("ratings:case_list"),
        },
    }


def _page(request, rows, size=PAGE_SIZE):
    return Paginator(rows, size).get_page(request.GET.get("page"))


@manager_required
def attention_page(request):
    today = timezone.localdate()
    rows = attention.client_rows(today)
    news = attention.since_last_visit(request.user, rows)
    form, shown, query = client_table(request, rows)
    return render(
        request,
        "insights/attention.html",
        {
            "form": form,
            "page": _page(request, shown, ATTENTION_PAGE_SIZE),
            "query": query,
            "shown": len(shown),
            "counts": {c: sum(row.state == c for row in rows) for c in attention.COLOURS},
            "news": news,
            "check_in": pulse_check_in(today=today),
            **_links(today),
        },
    )


@manager_required
def client_list(request):
    today = timezone.localdate()
    form, shown, query = client_table(request, attention.client_rows(today))
    sort = chosen_sort(request)
    columns = [
        {
            "key": key,
            "label": label,
            # ascending first, descending when sorted ascending already
            "next": f"-{key}" if sort == key else key,
            "order": "ascending" if sort == key else "descending" if sort == f"-{key}" else "",
        }
        for key, label in COLUMNS
    ]
    return render(
        request,
        "insights/client_list.html",
        {
            "form": form,
            "page": _page(request, attention.sorted_rows(shown, sort)),
            "query": query,
            "page_query": "&".join(filter(None, [query, f"sort={sort}"])),
            "shown": len(shown),
            "columns": columns,
            **_links(today),
        },
    )
