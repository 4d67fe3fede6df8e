"""Detail pages behind the dashboard tiles."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import manager_required
from insights import charts, reports

from .common import filter_query, filters_from_request

RECONCILIATION_PAGE = 50


def _context(request, form, filters, **extra):
    return {"form": form, "filters": filters, "query": filter_query(request, filters), **extra}


@manager_required
def escalations(request):
    form, filters = filters_from_request(request)
    report = reports.escalation_report(filters)
    trend_chart = charts.escalation_trend(
        report["trend"],
        report["step"],
        "chart-escalations-trend",
        series=[
            ("share", _("All tickets")),
            ("onboarding_share", _("Early support (first 90 days)")),
            ("ongoing_share", _("Ongoing support")),
        ],
        since=filters.period.start,
    )
    return render(
        request,
        "insights/escalations.html",
        _context(
            request,
            form,
            filters,
            report=report,
            trend_chart=trend_chart,
            clients_chart=charts.clients_against_threshold(
                report["rows"], "chart-escalations-clients"
            ),
        ),
    )


def _trend_page(request, name: str, build, draw):
    """A detail page of the dashboard filter with one trend chart: the report
    ``build(filters)`` and ``draw(rows, step, chart_id)`` over its buckets."""
    form, filters = filters_from_request(request)
    report = build(filters)
    trend_chart = draw(report["trend"], report["step"], f"chart-{name}", since=filters.period.start)
    return render(
        request,
        f"insights/{name}.html",
        _context(request, form, filters, report=report, trend_chart=trend_chart),
    )


@manager_required
def proactive(request):
    return _trend_page(request, "proactive", reports.proactive_report, charts.proactive_trend)


@manager_required
def sla(request):
    return _trend_page(request, "sla", reports.sla_report, charts.sla_trend)


@manager_required
def sla_reconciliation(request):
    """Tickets whose PSA verdict differs from ours, with the reason where it shows."""
    form, filters = filters_from_request(request)
    tickets, targets = reports.reconciliation(filters)
    page = Paginator(tickets, RECONCILIATION_PAGE).get_page(request.GET.get("page"))
    rows = [reports.reconciliation_row(t, targets) for t in page.object_list]
    return render(
        request,
        "insights/sla_reconciliation.html",
        _context(request, form, filters, page=page, rows=rows),
    )


@manager_required
def satisfaction(request):
    form, filters = filters_from_request(request)
    report = reports.satisfaction_report(filters)
    return render(
        request,
        "insights/satisfaction.html",
        _context(
            request,
            form,
            filters,
            report=report,
            trend_chart=charts.satisfaction_trend(
                report["monthly"], report["summary"], "chart-satisfaction"
            ),
        ),
    )


@manager_required
def turnover(request):
    report = reports.turnover_report(timezone.localdate())
    return render(
        request,
        "insights/turnover.html",
        {
            "report": report,
            "trend_chart": charts.turnover_trend(report["quarters"], "chart-turnover-trend"),
            "scatter_chart": charts.turnover_scatter(
                report["quarters"],
                report["benchmark"],
                report["inflection"].level,
                "chart-turnover-satisfaction",
            ),
        },
    )
