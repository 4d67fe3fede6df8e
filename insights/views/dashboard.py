"""The manager dashboard: one tile per KPI with its change against the previous period."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.roles import manager_required
from assessments.services import latest_closed_round, round_phase
from core.charts import sparkline
from core.periods import Period, trend_window
from core.units import MINUS, as_percent
from core.units import number as count
from insights import charts, turnover
from insights import formatting as fmt
from kpis import metrics
from kpis.models import ThresholdAlert
from surveys import metrics as survey_metrics

from .common import filter_query, filters_from_request


def _tile(key, label, value, url, change=("", ""), hint="", trend=(), action=""):
    """A tile's context; ``trend``: the figure over the trend window, oldest first,
    drawn as a small line (None where a bucket has no data); ``action``: the words of a
    visible link to ``url`` instead of the whole tile's."""
    return {
        "action": action,
        "key": key,
        "label": label,
        "value": value,
        "url": url,
        "change": change[0],
        "change_class": change[1],
        "hint": hint,
        "spark": sparkline(trend),
    }


def _share_tile(key, label, figures, url, hint, higher_is_better=True, trend=()):
    """A tile for a share 0..1 (now, before): a percentage and its change in points."""
    now, before = figures
    return _tile(
        key,
        label,
        fmt.percent(now),
        url,
        fmt.trend(now, before, higher_is_better, 100, _("pp")),
        hint,
        trend,
    )


def _number_tile(key, label, figures, url, hint, digits=2, trend=()):
    """A tile for an average or the NPS (now, before), higher is better."""
    now, before = figures
    return _tile(
        key,
        label,
        fmt.number(now, digits),
        url,
        fmt.trend(now, before, True, digits=digits),
        hint,
        trend,
    )


def maturity_figures(period: Period) -> dict:
    """The company's maturity phase: the phase of the team's mean answers in the last team
    round that closed in ``period``, with how many answered. A personal self-assessment
    says what one person thinks and never moves it. "—" and a link to start a round when
    no round closed in the period. Four queries (the round, its answers, statements and
    phases)."""
    team_round = latest_closed_round(period)
    if team_round is None:
        return {
            "value": fmt.DASH,
            "hint": _("No team round closed in this period"),
            "url": reverse("assessments:round_create"),
            "action": _("Start a team round"),
        }
    phase, answered = round_phase(team_round)
    hint = _("%(round)s, closed %(date)s") % {
        "round": team_round.name,
        "date": date_format(team_round.closed_on, "SHORT_DATE_FORMAT"),
    }
    responses = ngettext("%(n)s response", "%(n)s responses", answered) % {"n": count(answered)}
    return {
        "value": phase.display_name,
        "hint": f"{hint} · {responses}",
        "url": reverse("assessments:round_detail", args=[team_round.pk]),
        "action": "",
    }


@manager_required
def dashboard(request):
    form, filters = filters_from_request(request)
    period, previous = filters.period, filters.period.previous()
    query = filter_query(request, filters)
    suffix = f"?{query}" if query else ""
    ids = filters.client_ids
    scope = filters.rollup_scope  # segment rollups unless a client is chosen

    current = metrics.totals(period, **scope)
    before = metrics.totals(previous, **scope)
    escalation_now = metrics.escalation_summary(current)["share"]
    escalation_before = metrics.escalation_summary(before)["share"]
    proactive_now = metrics.proactive_shares(current)
    proactive_before = metrics.proactive_shares(before)
    sla_figure = metrics.sla_figure(current)
    sla_now = sla_figure["overall"]
    sla_before = metrics.sla_figure(before)["overall"]
    survey_now = survey_metrics.client_onboarding_summary(period, ids)
    survey_before = survey_metrics.client_onboarding_summary(previous, ids)
    pulse_now = survey_metrics.pulse_average(period)
    pulse_before = survey_metrics.pulse_average(previous)
    employments = turnover.employments()
    turnover_now = turnover.turnover_rate(employments, period)
    turnover_before = turnover.turnover_rate(employments, previous)
    maturity = maturity_figures(period)
    # Trends over at least half a year, whatever the tile period: the charts below and
    # the small lines in the tiles.
    weekly_window = trend_window(period, "week", 182)
    # As drawn: a last week of one or two days (a Monday, a Tuesday) joins the week before.
    weekly = metrics.drawn_series(
        metrics.series(weekly_window, by="week", **scope), weekly_window, "week"
    )
    monthly_window = trend_window(period, "month", 182)
    monthly = metrics.drawn_series(
        metrics.series(monthly_window, by="month", **scope), monthly_window, "month"
    )
    survey_months = survey_metrics.client_onboarding_by_month(monthly_window, ids)
    pulse_weeks = survey_metrics.pulse_average_by_period(weekly_window, "week")
    turnover_months = [
        turnover.turnover_rate(employments, Period(month.start, min(month.end, period.end)))
        for month in monthly_window.split("month")
    ]

    satisfaction_url = reverse("insights:satisfaction") + suffix
    turnover_url = reverse("insights:turnover")
    tiles = [
        _share_tile(
            "escalation",
            _("Escalation share"),
            (escalation_now, escalation_before),
            reverse("insights:escalations") + suffix,
            _("%(e)s of %(t)s tickets")
            % {"e": count(current["escalated"]), "t": count(current["tickets"])},
            higher_is_better=False,
            trend=[row["share"] for row in weekly],
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
            _("%(n)s responses") % {"n": count(survey_now["responses"])},
            [m["csat"] for m in survey_months],
        ),
        _number_tile(
            "nps",
            _("Onboarding NPS"),
            (survey_now["nps"], survey_before["nps"]),
            satisfaction_url,
            _("-100 to 100").replace("-", MINUS),
            digits=0,
            trend=[m["nps"] for m in survey_months],
        ),
        _number_tile(
            "ces",
            _("Onboarding CES"),
            (survey_now["ces"], survey_before["ces"]),
            satisfaction_url,
            _("1 (very difficult) to 7 (very easy)"),
            trend=[m["ces"] for m in survey_months],
        ),
        _number_tile(
            "pulse",
            _("Pulse average"),
            (pulse_now, pulse_before),
            turnover_url,
            _("1 to 5, whole team"),
            trend=[w["average"] for w in pulse_weeks],
        ),
        _share_tile(
            "turnover",
            _("Turnover"),
            (turnover_now, turnover_before),
            turnover_url,
            _("Leavers / average headcount in the period"),
            higher_is_better=False,
            trend=turnover_months,
        ),
        _share_tile(
            "proactive",
            _("Proactive share"),
            (proactive_now["proactive_share"], proactive_before["proactive_share"]),
            reverse("insights:proactive") + suffix,
            _("Resolved before a failure"),
            trend=[row["proactive_share"] for row in weekly],
        ),
        _share_tile(
            "sla",
            _("SLA attainment"),
            (sla_now, sla_before),
            reverse("insights:sla") + suffix,
            fmt.sla_source(sla_figure) or _("First response and resolution within target"),
            trend=[row["sla"]["overall"] for row in weekly],
        ),
        _tile(
            "maturity",
            _("Maturity phase"),
            maturity["value"],
            maturity["url"],
            hint=maturity["hint"],
            action=maturity["action"],
        ),
    ]
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
            "escalation_chart": charts.escalation_trend(
                weekly, "week", "chart-escalation-weekly", height=280
            ),
            "proactive_chart": charts.proactive_trend(
                monthly, "month", "chart-proactive-monthly", height=280
            ),
            "query": query,
        },
    )
