"""The manager dashboard: one tile per KPI with its change against the previous period."""

from __future__ import annotations

import plotly.graph_objects as go
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.roles import manager_required
from assessments.models import Assessment
from assessments.scoring import display_score
from core.charts import base_layout, chart
from insights import formatting as fmt
from insights import turnover
from kpis import metrics
from kpis.models import ThresholdAlert
from kpis.periods import trend_window
from surveys import metrics as survey_metrics

from .common import filter_query, filters_from_request


def _tile(key, label, value, url, change=("", ""), hint=""):
    return {
        "key": key,
        "label": label,
        "value": value,
        "url": url,
        "change": change[0],
        "change_class": change[1],
        "hint": hint,
    }


def maturity_figures() -> dict:
    """The organisation's current maturity phase from its latest stored assessment and
    the score change against the one before; "—" when none is stored. One query."""
    latest = list(Assessment.objects.select_related("phase").order_by("-created_at")[:2])
    if not latest:
        return {"value": fmt.DASH, "hint": _("No self-assessment stored yet"), "change": ("", "")}
    current = latest[0]
    hint = _("Score %(score)s, %(date)s") % {
        "score": fmt.number(float(display_score(current.overall_score)), 2),
        "date": current.created_at.date().strftime("%d.%m.%Y"),
    }
    change = ("", "")
    if len(latest) > 1:
        change = fmt.trend(
            float(current.overall_score), float(latest[1].overall_score), True, digits=2
        )
    return {"value": current.phase.display_name, "hint": hint, "change": change}


def _escalation_chart(weekly: list[dict]):
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[row["start"].isoformat() for row in weekly],
            y=[None if row["share"] is None else round(row["share"] * 100, 2) for row in weekly],
            name=_("Escalation share (%)"),
            mode="lines+markers",
        )
    )
    fig.update_layout(**base_layout(yaxis={"title": "%", "rangemode": "tozero"}))
    return chart(fig, "chart-escalation-weekly", height=280)


def _proactive_chart(monthly: list[dict]):
    fig = go.Figure()
    months = [row["start"].isoformat() for row in monthly]
    for key, label in (
        ("proactive_share", _("Resolved before a failure")),
        ("monitoring_automation_share", _("From monitoring and automation")),
        ("auto_remediated_share", _("Auto-remediated")),
        ("self_service_share", _("Self-service")),
    ):
        fig.add_trace(
            go.Scatter(
                x=months,
                y=[None if row[key] is None else round(row[key] * 100, 2) for row in monthly],
                name=label,
                mode="lines+markers",
            )
        )
    fig.update_layout(**base_layout(yaxis={"title": "%", "rangemode": "tozero"}))
    return chart(fig, "chart-proactive-monthly", height=280)


@manager_required
def dashboard(request):
    form, filters = filters_from_request(request)
    period, previous = filters.period, filters.period.previous()
    query = filter_query(request)
    suffix = f"?{query}" if query else ""
    ids = filters.client_ids
    scope = filters.rollup_scope  # segment rollups unless a client is chosen

    current = metrics.totals(period, **scope)
    before = metrics.totals(previous, **scope)
    escalation_now = metrics.escalation_summary(current)["share"]
    escalation_before = metrics.escalation_summary(before)["share"]
    proactive_now = metrics.proactive_shares(current)
    proactive_before = metrics.proactive_shares(before)
    sla_now = metrics.sla_attainment(current)["overall"]
    sla_before = metrics.sla_attainment(before)["overall"]
    survey_now = survey_metrics.client_onboarding_summary(period.start, period.end, ids)
    survey_before = survey_metrics.client_onboarding_summary(previous.start, previous.end, ids)
    pulse_now = survey_metrics.pulse_average(period.start, period.end)
    pulse_before = survey_metrics.pulse_average(previous.start, previous.end)
    employments = turnover.employments()
    turnover_now = turnover.turnover_rate(employments, period)
    turnover_before = turnover.turnover_rate(employments, previous)
    maturity = maturity_figures()

    satisfaction_url = reverse("insights:satisfaction") + suffix
    tiles = [
        _tile(
            "escalation",
            _("Escalation share"),
            fmt.percent(escalation_now),
            reverse("insights:escalations") + suffix,
            fmt.trend(escalation_now, escalation_before, False, 100, _("pp")),
            _("%(e)s of %(t)s tickets") % {"e": current["escalated"], "t": current["tickets"]},
        ),
        _tile(
            "csat",
            _("Onboarding CSAT"),
            fmt.percent(None if survey_now["csat"] is None else survey_now["csat"] / 100, 0),
            satisfaction_url,
            fmt.trend(survey_now["csat"], survey_before["csat"], True, 1, _("pp"), 0),
            _("%(n)s responses") % {"n": survey_now["responses"]},
        ),
        _tile(
            "nps",
            _("Onboarding NPS"),
            fmt.number(survey_now["nps"], 0),
            satisfaction_url,
            fmt.trend(survey_now["nps"], survey_before["nps"], True, digits=0),
            _("-100 to 100"),
        ),
        _tile(
            "ces",
            _("Onboarding CES"),
            fmt.number(survey_now["ces"], 2),
            satisfaction_url,
            fmt.trend(survey_now["ces"], survey_before["ces"], True, digits=2),
            _("1 (very difficult) to 7 (very easy)"),
        ),
        _tile(
            "pulse",
            _("Pulse average"),
            fmt.number(pulse_now, 2),
            reverse("insights:turnover"),
            fmt.trend(pulse_now, pulse_before, True, digits=2),
            _("1 to 5, whole team"),
        ),
        _tile(
            "turnover",
            _("Turnover"),
            fmt.percent(turnover_now),
            reverse("insights:turnover"),
            fmt.trend(turnover_now, turnover_before, False, 100, _("pp")),
            _("Leavers / average headcount in the period"),
        ),
        _tile(
            "proactive",
            _("Proactive share"),
            fmt.percent(proactive_now["proactive_share"]),
            reverse("insights:proactive") + suffix,
            fmt.trend(
                proactive_now["proactive_share"],
                proactive_before["proactive_share"],
                True,
                100,
                _("pp"),
            ),
            _("Resolved before a failure"),
        ),
        _tile(
            "sla",
            _("SLA attainment"),
            fmt.percent(sla_now),
            reverse("insights:sla") + suffix,
            fmt.trend(sla_now, sla_before, True, 100, _("pp")),
            _("First response and resolution within target"),
        ),
        _tile(
            "maturity",
            _("Maturity phase"),
            maturity["value"],
            reverse("assessments:history"),
            maturity["change"],
            maturity["hint"],
        ),
    ]
    # Trends over at least half a year, whatever the tile period.
    weekly = metrics.series(trend_window(period, "week", 182), by="week", **scope)
    monthly = metrics.series(trend_window(period, "month", 182), by="month", **scope)
    alerts = list(
        ThresholdAlert.objects.open().select_related("client").order_by("-created_at")[:5]
    )
    return render(
        request,
        "insights/dashboard.html",
        {
            "form": form,
            "filters": filters,
            "tiles": tiles,
            "alerts": alerts,
            "open_alert_count": ThresholdAlert.objects.open().count(),
            "escalation_chart": _escalation_chart(weekly),
            "proactive_chart": _proactive_chart(monthly),
            "query": query,
        },
    )
