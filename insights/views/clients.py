"""A client's page and the ticket list."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from accounts.roles import manager_required
from core.periods import Period, trend_window
from insights import attention, charts, reports
from insights import formatting as fmt
from insights.forms import TicketFilterForm
from kpis import metrics, thresholds
from kpis.models import Ticket
from organisation.consent import withheld_reasons
from ratings import figures as rating_figures
from ratings.models import FeedbackCase
from ratings.queries import cases_with_answers
from surveys import metrics as survey_metrics

from .common import filter_query, filters_from_request, get_client

PAGE_SIZE = 50
RECENT = 10


@manager_required
def client_detail(request, pk: int):
    client = get_client(pk)
    form, filters = filters_from_request(request, period_only=True)
    period = filters.period
    today = timezone.localdate()
    ids = [client.pk]
    current = metrics.totals(period, ids)
    summary = metrics.escalation_summary(current)
    sla_figure = metrics.sla_figure(current)
    # The state from the counts just summed: the client and the rows are the same.
    state = thresholds.client_state(client, current["tickets"], current["escalated"])
    # The client's trend over at least the last twelve months.
    monthly = metrics.series(trend_window(period, "month", 365), ids, "month")
    survey = survey_metrics.client_onboarding_summary(period, ids)
    # Survey answers are few: show the whole relationship, month by month.
    survey_months = survey_metrics.client_onboarding_by_month(
        Period(client.contract_start, period.end), ids
    )
    recent = list(Ticket.objects.for_client(client).listed().order_by("-opened_at")[:RECENT])
    escalated = list(
        Ticket.objects.for_client(client).escalated().listed().order_by("-opened_at")[:RECENT]
    )
    alerts = list(client.alerts.select_related("acknowledged_by").order_by("-created_at")[:12])
    contacts = list(client.contacts.order_by("-is_active", "name"))
    open_cases = list(
        cases_with_answers(client.feedback_cases.filter(status=FeedbackCase.Status.OPEN))
        .select_related("rating__ticket", "rating__contact")
        .order_by("opened_at", "pk")
    )
    withheld = withheld_reasons(contacts, client=client)
    for contact in contacts:
        contact.withheld = withheld.get(contact.pk, "")
    return render(
        request,
        "insights/client_detail.html",
        {
            "client": client,
            "form": form,
            "filters": filters,
            "query": filter_query(request),
            "summary": summary,
            "state": state,
            "sla": metrics.sla_attainment(current),
            # The figure shown: the PSA's where every ticket has its verdict.
            "sla_figure": sla_figure,
            "sla_source": fmt.sla_source(sla_figure),
            "proactive": metrics.proactive_shares(current),
            "survey": survey,
            # Ticket CSAT over a fixed 90 days: ratings are few per client.
            "ticket_csat": rating_figures.client_csat(client.pk, today, attention.CSAT_DAYS),
            "csat_days": attention.CSAT_DAYS,
            "open_cases": open_cases,
            "survey_months": [m for m in survey_months if m["responses"] or m["invited"]],
            "onboarding": reports.onboarding_status(client, today),
            "recent": recent,
            "escalated": escalated,
            "alerts": alerts,
            "staff": list(client.responsible_staff.all()),
            "contacts": contacts,
            "chart": charts.client_monthly(monthly, "chart-client-monthly"),
        },
    )


def filtered_tickets(request) -> tuple[TicketFilterForm, object]:
    form = TicketFilterForm(request.GET or None)
    tickets = form.apply(Ticket.objects.all()) if form.is_bound else Ticket.objects.all()
    return form, tickets


@manager_required
def ticket_list(request):
    form, tickets = filtered_tickets(request)
    paginator = Paginator(tickets.listed().order_by("-opened_at", "-pk"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "insights/ticket_list.html",
        {"form": form, "page": page, "query": params.urlencode()},
    )
