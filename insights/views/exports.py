"""CSV export of every table on the KPI pages: /kpis/export/<table>.csv with the page's
filters in the query string."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.roles import manager_required
from core.csv_export import RefusedFilter, refused_filter_response, require_valid_filter
from core.units import as_percent
from insights import attention, reports
from insights import formatting as fmt
from insights.csv_export import csv_response
from kpis import metrics
from kpis.models import ThresholdAlert

from .attention import chosen_sort, client_table
from .clients import filtered_tickets
from .common import filters_from_request


def _escalations(filters):
    report = reports.escalation_report(filters)
    header = [
        _("Client"),
        _("Tickets"),
        _("Escalated"),
        _("Share (%)"),
        _("Threshold (%)"),
        _("State"),
        _("Early support share (%)"),
        _("Ongoing share (%)"),
    ]
    rows = (
        [
            r["state"].name,
            r["state"].tickets,
            r["state"].escalated,
            fmt.percent_value(r["state"].share),
            fmt.percent_value(r["state"].threshold),
            r["state"].state,
            fmt.percent_value(r["onboarding_share"]),
            fmt.percent_value(r["ongoing_share"]),
        ]
        for r in report["rows"]
    )
    return header, rows


def _series(filters, by):
    series = metrics.series(filters.period, by=by, **filters.rollup_scope)
    header = [
        _("Week") if by == "week" else _("Month"),
        _("Tickets"),
        _("Escalated"),
        _("Share (%)"),
        _("Early support share (%)"),
        _("Ongoing share (%)"),
        _("Resolved before a failure (%)"),
        _("Monitoring and automation (%)"),
        _("Auto-remediated (%)"),
        _("Self-service (%)"),
        _("SLA attainment (%)"),
    ]
    rows = (
        [
            r["start"].isoformat(),
            r["tickets"],
            r["escalated"],
            fmt.percent_value(r["share"]),
            fmt.percent_value(r["onboarding_share"]),
            fmt.percent_value(r["ongoing_share"]),
            fmt.percent_value(r["proactive_share"]),
            fmt.percent_value(r["monitoring_automation_share"]),
            fmt.percent_value(r["auto_remediated_share"]),
            fmt.percent_value(r["self_service_share"]),
            fmt.percent_value(r["sla"]["overall"]),
        ]
        for r in series
    )
    return header, rows


def _sla(filters):
    report = reports.sla_report(filters)
    header = [
        _("Priority"),
        _("First response target (min)"),
        _("Resolution target (min)"),
        _("First response within target (%)"),
        _("Measured"),
        _("Resolution within target (%)"),
        _("Measured"),
    ]
    rows = (
        [
            str(r["label"]),
            r["target"].first_response_minutes if r["target"] else None,
            r["target"].resolution_minutes if r["target"] else None,
            fmt.percent_value(r["first_response"]),
            r["first_response_measured"],
            fmt.percent_value(r["resolution"]),
            r["resolution_measured"],
        ]
        for r in report["rows"]
    )
    return header, rows


def _reconciliation(filters):
    tickets, targets = reports.reconciliation(filters)
    header = [
        _("Ticket"),
        _("Client"),
        _("Priority"),
        _("Opened"),
        _("First response (min)"),
        _("Resolution (min)"),
        _("Our verdict"),
        _("PSA verdict"),
        _("PSA response (min)"),
        _("PSA resolution plan (min)"),
        _("PSA resolution (min)"),
        _("PSA waiting (min)"),
        _("Reason"),
    ]

    def minutes(seconds):
        return None if seconds is None else round(seconds / 60)

    def verdict(met):
        return pgettext("SLA verdict", "met") if met else pgettext("SLA verdict", "missed")

    rows = (
        [
            t.external_id,
            t.client.name,
            t.priority,
            timezone.localtime(t.opened_at).isoformat(),
            minutes(t.first_response_seconds),
            minutes(t.resolution_seconds),
            verdict(row["ours"]),
            verdict(row["psa"]),
            t.psa_response_minutes,
            t.psa_plan_minutes,
            t.psa_resolution_minutes,
            t.psa_waiting_minutes,
            str(row["reason"].label),
        ]
        for t in tickets.iterator(chunk_size=2000)
        for row in [reports.reconciliation_row(t, targets)]
    )
    return header, rows


def _satisfaction(filters):
    report = reports.satisfaction_report(filters)
    header = [
        _("Client"),
        _("CSAT (%)"),
        _("NPS"),
        _("CES"),
        _("Responses"),
        _("Invited"),
        _("Response rate (%)"),
        _("Escalation share in early support (%)"),
    ]
    rows = (
        [
            r["client"].name,
            as_percent(r["survey"].get("csat")),
            r["survey"].get("nps"),
            r["survey"].get("ces"),
            r["survey"].get("responses", 0),
            r["survey"].get("invited", 0),
            as_percent(r["survey"].get("response_rate")),
            fmt.percent_value(r["escalation"].get("onboarding_share")),
        ]
        for r in report["rows"]
    )
    return header, rows


def _turnover(request):
    report = reports.turnover_report(timezone.localdate())
    header = [
        _("Period"),
        _("Headcount at start"),
        _("Headcount at end"),
        _("Average headcount"),
        _("Leavers"),
        _("Turnover (%)"),
        _("Job satisfaction (0-10)"),
        _("Pulse (1-5)"),
    ]
    rows = (
        [
            r["label"],
            r["headcount_start"],
            r["headcount_end"],
            float(r["average_headcount"]),
            r["leavers"],
            fmt.percent_value(r["rate"]),
            r["job_satisfaction"],
            r["pulse"],
        ]
        for r in [*report["quarters"], *report["years"]]
    )
    return header, rows


def _tickets(request):
    form, tickets = filtered_tickets(request)
    require_valid_filter(form)
    header = [
        _("Ticket"),
        _("Client"),
        _("Priority"),
        _("Opened"),
        _("First response"),
        _("Resolved"),
        _("Escalated"),
        _("Source"),
        _("Resolved before a failure"),
        _("Auto-remediated"),
        _("Technician"),
        # Added later: at the end, so the columns before keep their places.
        _("Title"),
        _("Requester"),
        _("Requester e-mail"),
    ]

    def iso(moment):
        return timezone.localtime(moment).isoformat() if moment else ""

    rows = (
        [
            t.external_id,
            t.client.name,
            t.priority,
            iso(t.opened_at),
            iso(t.first_response_at),
            iso(t.resolved_at),
            t.escalated,
            t.source,
            t.proactive,
            t.auto_remediated,
            t.technician.name if t.technician else "",
            t.title,
            t.requester.name if t.requester else "",
            t.requester.email if t.requester else "",
        ]
        for t in tickets.listed().order_by("-opened_at", "-pk").iterator(chunk_size=2000)
    )
    return header, rows


def _alerts(request):
    alerts = ThresholdAlert.objects.select_related("client", "acknowledged_by").order_by(
        "-created_at"
    )
    header = [
        _("Client"),
        _("Month"),
        _("State"),
        _("Share (%)"),
        _("Threshold (%)"),
        _("Tickets"),
        _("Escalated"),
        _("Raised"),
        _("E-mailed"),
        _("Acknowledged"),
    ]

    def iso(moment):
        return timezone.localtime(moment).isoformat(timespec="minutes") if moment else ""

    rows = (
        [
            a.client.name,
            a.period_start.strftime("%Y-%m"),
            a.state,
            fmt.percent_value(a.share),
            fmt.percent_value(a.threshold),
            a.tickets,
            a.escalated,
            iso(a.created_at),
            iso(a.emailed_at),
            iso(a.acknowledged_at),
        ]
        for a in alerts.iterator(chunk_size=500)
    )
    return header, rows


def _clients(request):
    form, shown, _query = client_table(request, attention.client_rows(timezone.localdate()))
    require_valid_filter(form)
    header = [
        _("Client"),
        _("Segment"),
        _("State"),
        _("Escalation share (%)"),
        _("Threshold (%)"),
        _("Escalation state"),
        _("Ticket CSAT (%)"),
        _("Ratings"),
        _("Onboarding NPS"),
        _("Onboarding CSAT (%)"),
        _("Survey responses"),
        _("SLA attainment (%)"),
        _("Onboarding day"),
        _("Open alerts"),
        _("Open feedback cases"),
    ]
    rows = (
        [
            r.name,
            r.segment,
            r.state,
            fmt.percent_value(r.escalation.share),
            fmt.percent_value(r.escalation.threshold),
            r.escalation.state,
            fmt.percent_value(r.csat),
            r.rated,
            None if r.nps is None else round(r.nps, 2),
            fmt.percent_value(r.onboarding_csat),
            r.responses,
            fmt.percent_value(r.sla),
            r.onboarding_day,
            r.open_alerts,
            r.open_cases,
        ]
        for r in attention.sorted_rows(shown, chosen_sort(request))
    )
    return header, rows


def _filtered(build):
    """A table of the dashboard filter: ``build(filters)``; refused when the filter is not
    valid, since a CSV cannot show the page's correction."""

    def table(request):
        form, filters = filters_from_request(request)
        require_valid_filter(form)
        return build(filters)

    return table


TABLES = {
    "escalations": _filtered(_escalations),
    "escalations-weekly": _filtered(lambda filters: _series(filters, "week")),
    "monthly": _filtered(lambda filters: _series(filters, "month")),
    "sla": _filtered(_sla),
    "sla-reconciliation": _filtered(_reconciliation),
    "satisfaction": _filtered(_satisfaction),
    "turnover": _turnover,
    "tickets": _tickets,
    "alerts": _alerts,
    "clients": _clients,
}


@manager_required
def export(request, table: str):
    builder = TABLES.get(table)
    if builder is None:
        raise Http404
    try:
        header, rows = builder(request)
    except RefusedFilter as refused:
        return refused_filter_response(refused.form)
    filename = f"{table}-{timezone.localdate().isoformat()}.csv"
    return csv_response(filename, header, rows)
