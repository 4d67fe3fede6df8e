"""The manager dashboard: one tile per KPI with its change against the previous period."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.roles import manager_required
from assessments.models import Assessment
from assessments.scoring import display_score
from core.periods import trend_window
from core.units import as_percent
from insights import formatting as fmt
from insights import turnover
from kpis import metrics
from kpis.models import ThresholdAlert
from surveys import metrics as survey_metrics

from .common import filter_query, filters_from_request, share_lines


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


def _share_tile(key, label, figures, url, hint, higher_is_better=True):
    """A tile for a share 0..1 (now, before): a percentage and its change in points."""
    now, before = figures
    return _tile(
        key,
        label,
        fmt.percent(now),
        url,
        fmt.trend(now, before, higher_is_better, 100, _("pp")),
        hint,
    )


def _number_tile(key, label, figures, url, hint, digits=2):
    """A tile for an average or the NPS (now, before), higher is better."""
    now, before = figures
    return _tile(
        key, label, fmt.number(now, digits), url, fmt.trend(now, before, True, digits=digits), hint
    )


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
    survey_now = survey_metrics.client_onboarding_summary(period, ids)
    survey_before = survey_metrics.client_onboarding_summary(previous, ids)
    pulse_now = survey_metrics.pulse_average(period)
    pulse_before = survey_metrics.pulse_average(previous)
    employments = turnover.employments()
    turnover_now = turnover.turnover_rate(employments, period)
    turnover_before = turnover.turnover_rate(employments, previous)
    maturity = maturity_figures()

    satisfaction_url = reverse("insights:satisfaction") + suffix
    turnover_url = reverse("insights:turnover")
    tiles = [
        _share_tile(
            "escalation",
            _("Escalation share"),
            (escalation_now, escalation_before),
            reverse("insights:escalations") + suffix,
            _("%(e)s of %(t)s tickets") % {"e": current["escalated"], "t": current["tickets"]},
            higher_is_better=False,
        ),
        _tile(
            "csat",
            _("Onboarding CSAT"),
            fmt.percent(survey_now["csat"], 0),
            satisfaction_url,
            # In points of the percentages as shown, so the change adds up on the page.
            fmt.trend(
                as_percent(survey_now["csat"]),
                as_percent(survey_before["csat"]),
                True,
                1,
                _("pp"),
                0,
            ),
            _("%(n)s responses") % {"n": survey_now["responses"]},
        ),
        _number_tile(
            "nps",
            _("Onboarding NPS"),
            (survey_now["nps"], survey_before["nps"]),
            satisfaction_url,
            _("-100 to 100"),
            digits=0,
        ),
        _number_tile(
            "ces",
            _("Onboarding CES"),
            (survey_now["ces"], survey_before["ces"]),
            satisfaction_url,
            _("1 (very difficult) to 7 (very easy)"),
        ),
        _number_tile(
            "pulse",
            _("Pulse average"),
            (pulse_now, pulse_before),
            turnover_url,
            _("1 to 5, whole team"),
        ),
        _share_tile(
            "turnover",
            _("Turnover"),
            (turnover_now, turnover_before),
            turnover_url,
            _("Leavers / average headcount in the period"),
            higher_is_better=False,
        ),
        _share_tile(
            "proactive",
            _("Proactive share"),
            (proactive_now["proactive_share"], proactive_before["proactive_share"]),
            reverse("insights:proactive") + suffix,
            _("Resolved before a failure"),
        ),
        _share_tile(
            "sla",
            _("SLA attainment"),
            (sla_now, sla_before),
            reverse("insights:sla") + suffix,
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
            "escalation_chart": share_lines(
                weekly,
                [("share", _("Escalation share (%)"))],
                "chart-escalation-weekly",
                height=280,
            ),
            "proactive_chart": share_lines(
                monthly,
                [
                    ("proactive_share", _("Resolved before a failure")),
                    ("monitoring_automation_share", _("From monitoring and automation")),
                    ("auto_remediated_share", _("Auto-remediated")),
                    ("self_service_share", _("Self-service")),
                ],
                "chart-proactive-monthly",
                height=280,
            ),
            "query": query,
        },
    )
