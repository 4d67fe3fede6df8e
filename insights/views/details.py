"""Detail pages behind the dashboard tiles."""

from __future__ import annotations

import plotly.graph_objects as go
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import manager_required
from core.charts import base_layout, chart
from core.units import as_percent
from insights import formatting as fmt
from insights import reports

from .common import filter_query, filters_from_request, share_lines


def _context(request, form, filters, **extra):
    return {"form": form, "filters": filters, "query": filter_query(request), **extra}


@manager_required
def escalations(request):
    form, filters = filters_from_request(request)
    report = reports.escalation_report(filters)
    weekly_chart = share_lines(
        report["weekly"],
        [
            ("share", _("All tickets")),
            ("onboarding_share", _("Early support (first 90 days)")),
            ("ongoing_share", _("Ongoing support")),
        ],
        "chart-escalations-weekly",
    )
    monthly_chart = share_lines(
        report["monthly"],
        [
            ("share", _("Escalation share")),
            ("onboarding_share", _("Early support")),
            ("ongoing_share", _("Ongoing support")),
        ],
        "chart-escalations-monthly",
    )
    rows = report["rows"]
    fig = go.Figure()
    judged = [r for r in rows if r["state"].share is not None]
    fig.add_trace(
        go.Bar(
            x=[r["state"].name for r in judged],
            y=[fmt.percent_value(r["state"].share) for r in judged],
            name=_("Escalation share (%)"),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[r["state"].name for r in judged],
            y=[fmt.percent_value(r["state"].threshold) for r in judged],
            name=_("Threshold (%)"),
            mode="markers",
            marker={"symbol": "line-ew-open", "size": 24, "line": {"width": 3}},
        )
    )
    fig.update_layout(**base_layout(yaxis={"title": "%", "rangemode": "tozero"}))
    return render(
        request,
        "insights/escalations.html",
        _context(
            request,
            form,
            filters,
            report=report,
            weekly_chart=weekly_chart,
            monthly_chart=monthly_chart,
            clients_chart=chart(fig, "chart-escalations-clients", height=360),
        ),
    )


def _monthly_page(request, name: str, build, series, months=lambda rows: rows):
    """A detail page of the dashboard filter with one chart of monthly shares: the
    report ``build(filters)``, its "monthly" rows through ``months``, one line per series."""
    form, filters = filters_from_request(request)
    report = build(filters)
    monthly_chart = share_lines(months(report["monthly"]), series, f"chart-{name}")
    return render(
        request,
        f"insights/{name}.html",
        _context(request, form, filters, report=report, monthly_chart=monthly_chart),
    )


@manager_required
def proactive(request):
    return _monthly_page(
        request,
        "proactive",
        reports.proactive_report,
        [
            ("proactive_share", _("Resolved before a failure")),
            ("monitoring_automation_share", _("From monitoring and automation")),
            ("auto_remediated_share", _("Auto-remediated")),
            ("self_service_share", _("Self-service (shift left)")),
        ],
    )


@manager_required
def sla(request):
    return _monthly_page(
        request,
        "sla",
        reports.sla_report,
        [
            ("first_response", _("First response within target")),
            ("resolution", _("Resolution within target")),
            ("overall", _("Overall")),
        ],
        months=lambda rows: [{**r["sla"], "start": r["start"]} for r in rows],
    )


@manager_required
def satisfaction(request):
    form, filters = filters_from_request(request)
    report = reports.satisfaction_report(filters)
    months = report["monthly"]
    fig = go.Figure()
    x = [row["month"].isoformat() for row in months]
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[as_percent(row["csat"]) for row in months],
            name=_("CSAT (%)"),
            mode="lines+markers",
        )
    )
    fig.add_trace(
        go.Scatter(x=x, y=[row["nps"] for row in months], name=_("NPS"), mode="lines+markers")
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[row["ces"] for row in months],
            name=_("CES (1-7)"),
            mode="lines+markers",
            yaxis="y2",
        )
    )
    fig.update_layout(
        **base_layout(
            yaxis={"title": _("CSAT % / NPS")},
            yaxis2={"title": "CES", "overlaying": "y", "side": "right", "range": [1, 7]},
        )
    )
    return render(
        request,
        "insights/satisfaction.html",
        _context(
            request, form, filters, report=report, monthly_chart=chart(fig, "chart-satisfaction")
        ),
    )


@manager_required
def turnover(request):
    report = reports.turnover_report(timezone.localdate())
    quarters = report["quarters"]
    trend = go.Figure()
    labels = [row["label"] for row in quarters]
    trend.add_trace(
        go.Bar(
            x=labels, y=[fmt.percent_value(row["rate"]) for row in quarters], name=_("Turnover (%)")
        )
    )
    trend.add_trace(
        go.Scatter(
            x=labels,
            y=[row["job_satisfaction"] for row in quarters],
            name=_("Job satisfaction (0-10)"),
            mode="lines+markers",
            yaxis="y2",
        )
    )
    trend.add_trace(
        go.Scatter(
            x=labels,
            y=[None if row["pulse"] is None else row["pulse"] * 2 for row in quarters],
            name=_("Pulse (1-5, shown x2)"),
            mode="lines+markers",
            yaxis="y2",
        )
    )
    trend.update_layout(
        **base_layout(
            yaxis={"title": _("Turnover (%)"), "rangemode": "tozero"},
            yaxis2={
                "title": _("Satisfaction"),
                "overlaying": "y",
                "side": "right",
                "range": [0, 10],
            },
        )
    )
    scatter = go.Figure()
    points = [r for r in quarters if r["job_satisfaction"] is not None and r["rate"] is not None]
    scatter.add_trace(
        go.Scatter(
            x=[r["job_satisfaction"] for r in points],
            y=[fmt.percent_value(r["rate"]) for r in points],
            text=[r["label"] for r in points],
            mode="markers+text",
            textposition="top center",
            name=_("Quarters"),
        )
    )
    shapes = [
        {
            "type": "line",
            "x0": report["benchmark"],
            "x1": report["benchmark"],
            "yref": "paper",
            "y0": 0,
            "y1": 1,
            "line": {"dash": "dash", "color": "#198754"},
        }
    ]
    annotations = [
        {
            "x": report["benchmark"],
            "yref": "paper",
            "y": 1,
            "text": _("Benchmark %(value)s") % {"value": fmt.number(report["benchmark"])},
            "showarrow": False,
        }
    ]
    if report["inflection"].level is not None:
        shapes.append(
            {
                "type": "line",
                "x0": report["inflection"].level,
                "x1": report["inflection"].level,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dot", "color": "#d63384"},
            }
        )
        annotations.append(
            {
                "x": report["inflection"].level,
                "yref": "paper",
                "y": 0.9,
                "text": _("Your inflection point"),
                "showarrow": False,
            }
        )
    scatter.update_layout(
        **base_layout(
            xaxis={"title": _("Job satisfaction (0-10)"), "range": [0, 10]},
            yaxis={"title": _("Turnover (%)"), "rangemode": "tozero"},
            shapes=shapes,
            annotations=annotations,
        )
    )
    return render(
        request,
        "insights/turnover.html",
        {
            "report": report,
            "trend_chart": chart(trend, "chart-turnover-trend"),
            "scatter_chart": chart(scatter, "chart-turnover-satisfaction"),
        },
    )
