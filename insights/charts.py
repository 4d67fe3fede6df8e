"""The charts of the dashboard and the report pages, as plain Plotly specs (core.charts).

Each builder returns the context of ``partials/_chart.html``: a chart, or a sentence when
the period holds fewer than ``MIN_POINTS`` points with data, or "No data in this period".
Shares arrive 0..1 and are drawn in percent.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Sequence

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.charts import (
    MIN_POINTS,
    STATE_COLORS,
    THRESHOLD_COLOR,
    chart,
    clipped,
    date_label,
    hover_label,
    line,
    no_data,
    note,
    quarter_axis,
    time_axis,
    value_axis,
)
from core.units import as_percent
from core.units import number as count
from kpis import metrics
from kpis.models import AlertState

from . import formatting as fmt


def _percent(share: float | None) -> float | None:
    value = as_percent(share)
    return None if value is None else round(value, 2)


def step_title(title: str, step: str) -> str:
    """ "Escalation share" and "week" -> "Escalation share per week"."""
    per = {
        "day": _("%(title)s per day"),
        "week": _("%(title)s per week"),
        "month": _("%(title)s per month"),
        "quarter": _("%(title)s per quarter"),
    }[step]
    return per % {"title": title}


def _describe(title: str, labels: Sequence[str], lines: Sequence[tuple[str, list, bool]]) -> str:
    """The screen reader's sentence for a chart: its title, the first and last label, and
    per line the last value and the range, e.g. "Escalation share per week (1. Jun –
    23. Nov). All tickets: last 8,3 %, from 3,1 % to 12,0 %."."""
    parts = [f"{title} ({labels[0]} – {labels[-1]})."]
    for name, values, percent in lines:
        known = [v for v in values if v is not None]
        if not known:
            continue

        def shown(value, percent=percent):
            return f"{count(value, 1)} %" if percent else count(value, 1)

        parts.append(
            _("%(name)s: last %(last)s, from %(low)s to %(high)s.")
            % {
                "name": name,
                "last": shown(known[-1]),
                "low": shown(min(known)),
                "high": shown(max(known)),
            }
        )
    return " ".join(parts)


def _summed(rows: Sequence[dict]) -> Counter:
    total = Counter()
    for row in rows:
        total.update(row["totals"])
    return total


def share_trend(
    rows: Sequence[dict],
    series: Sequence[tuple[str, str]],
    step: str,
    chart_id: str,
    title: str,
    sentence,
    has_data=lambda row: row["tickets"],
    height: int = 320,
    since: datetime.date | None = None,
) -> dict:
    """Lines of shares (percent) over the buckets of ``rows`` (kpis.metrics.series), one
    per (key, label) of ``series``; ``sentence(rows)`` says it when fewer than MIN_POINTS
    buckets have data. ``since``: the period's first day (see core.charts.clipped)."""
    with_data = [row for row in rows if has_data(row)]
    if not with_data:
        return no_data(chart_id)
    if len(with_data) < MIN_POINTS:
        return {**note(chart_id, sentence(rows)), "title": title}
    days = clipped([row["start"] for row in rows], since)
    hover = [hover_label(d, step) for d in days]
    data, lines, values = [], [], []
    for key, label in series:
        ys = [_percent(row[key]) for row in rows]
        data.append(line(days, ys, label, hover, hovertemplate="%{customdata}: %{y:.1f} %"))
        lines.append((label, ys, True))
        values.extend(ys)
    layout = {
        "xaxis": time_axis(days, step),
        "yaxis": value_axis(values, percent=True),
        "showlegend": len(series) > 1,
    }
    label = _describe(title, [date_label(days[0], step), date_label(days[-1], step)], lines)
    return {**chart({"data": data, "layout": layout}, chart_id, label, height), "title": title}


def escalation_sentence(rows) -> str:
    total = _summed(rows)
    return _("In this period: %(tickets)s tickets, %(share)s escalated") % {
        "tickets": count(total["tickets"]),
        "share": fmt.percent(metrics.escalation_share(total["escalated"], total["tickets"])),
    }


def proactive_sentence(rows) -> str:
    total = _summed(rows)
    return _("In this period: %(tickets)s tickets, %(share)s resolved before a failure") % {
        "tickets": count(total["tickets"]),
        "share": fmt.percent(metrics.proactive_shares(total)["proactive_share"]),
    }


def sla_sentence(rows) -> str:
    sla = metrics.sla_attainment(_summed(rows))
    return _(
        "In this period: %(measured)s measured responses and resolutions, %(share)s within target"
    ) % {
        "measured": count(sla["measured"]),
        "share": fmt.percent(sla["overall"]),
    }


def escalation_trend(rows, step, chart_id, series=None, height=320, since=None) -> dict:
    series = series or [("share", _("Escalation share"))]
    return share_trend(
        rows,
        series,
        step,
        chart_id,
        step_title(_("Escalation share"), step),
        escalation_sentence,
        height=height,
        since=since,
    )


# Lazy: read in the language of the page that draws them, not of the import.
PROACTIVE_SERIES = (
    ("proactive_share", gettext_lazy("Resolved before a failure")),
    ("monitoring_automation_share", gettext_lazy("From monitoring and automation")),
    ("auto_remediated_share", gettext_lazy("Auto-remediated")),
    ("self_service_share", gettext_lazy("Self-service (shift left)")),
)


def proactive_trend(rows, step, chart_id, height=320, since=None) -> dict:
    return share_trend(
        rows,
        [(key, str(label)) for key, label in PROACTIVE_SERIES],
        step,
        chart_id,
        step_title(_("Proactive IT"), step),
        proactive_sentence,
        height=height,
        since=since,
    )


def sla_trend(rows, step, chart_id, height=320, since=None) -> dict:
    flat = [{**row["sla"], "start": row["start"], "totals": row["totals"]} for row in rows]
    return share_trend(
        flat,
        [
            ("first_response", _("First response within target")),
            ("resolution", _("Resolution within target")),
            ("overall", _("Overall")),
        ],
        step,
        chart_id,
        step_title(_("SLA attainment"), step),
        sla_sentence,
        has_data=lambda row: row["measured"],
        height=height,
        since=since,
    )


# --- Clients against their thresholds -------------------------------------------------

STATE_ORDER = (AlertState.BREACH, AlertState.WARNING, AlertState.OK, AlertState.NOT_JUDGED)


def clients_against_threshold(rows: Sequence[dict], chart_id: str) -> dict:
    """Horizontal bars of each client's escalation share (names on the y axis, highest
    first), coloured by state, each client's threshold a short line across its bar."""
    judged = [row["state"] for row in rows if row["state"].share is not None]
    if not judged:
        return no_data(chart_id)
    names = [state.name for state in judged]
    data = []
    for value in STATE_ORDER:
        members = [state for state in judged if state.state == value]
        if not members:
            continue
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "x": [_percent(state.share) for state in members],
                "y": [state.name for state in members],
                "name": str(AlertState(value).label),
                "marker": {"color": STATE_COLORS[value]},
                "hovertemplate": "%{y}: %{x:.1f} %<extra></extra>",
            }
        )
    thresholds = [_percent(state.threshold) for state in judged]
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": thresholds,
            "y": names,
            "name": _("Threshold"),
            "marker": {
                "symbol": "line-ns-open",
                "size": 26,
                "color": THRESHOLD_COLOR,
                "line": {"width": 3, "color": THRESHOLD_COLOR},
            },
            "hovertemplate": "%{y}: " + _("threshold") + " %{x:.1f} %<extra></extra>",
        }
    )
    layout = {
        "barmode": "stack",
        "xaxis": value_axis(
            [_percent(s.share) for s in judged] + thresholds, percent=True, side="top"
        ),
        "yaxis": {
            "type": "category",
            "categoryorder": "array",
            "categoryarray": names,
            "autorange": "reversed",
            "automargin": True,
            "fixedrange": True,
        },
        "margin": {"l": 8, "r": 16, "t": 32, "b": 8},
        "legend": {"orientation": "h", "y": -0.02, "yanchor": "top", "traceorder": "normal"},
    }
    label = _(
        "Escalation share per client against its threshold: %(breach)s above the threshold, "
        "%(warning)s close to it, %(ok)s below it."
    ) % {
        "breach": sum(1 for s in judged if s.state == AlertState.BREACH),
        "warning": sum(1 for s in judged if s.state == AlertState.WARNING),
        "ok": sum(1 for s in judged if s.state == AlertState.OK),
    }
    height = max(220, 90 + 30 * len(judged))
    return chart({"data": data, "layout": layout}, chart_id, label, height)


# --- A client's page -------------------------------------------------------------------


def client_monthly(rows: Sequence[dict], chart_id: str) -> dict:
    """Tickets per month as bars and the escalation share as a line (right axis)."""
    with_data = [row for row in rows if row["tickets"]]
    if not with_data:
        return no_data(chart_id)
    if len(with_data) < MIN_POINTS:
        return note(chart_id, escalation_sentence(rows))
    days = [row["start"] for row in rows]
    tickets = [row["tickets"] for row in rows]
    shares = [_percent(row["share"]) for row in rows]
    title = _("Tickets and escalation share per month")
    hover = [hover_label(d, "month") for d in days]
    data = [
        {
            "type": "bar",
            "x": [d.isoformat() for d in days],
            "y": tickets,
            "name": _("Tickets"),
            "marker": {"color": "#9ec5fe"},
            "customdata": hover,
            "hovertemplate": "%{customdata}: %{y:,}",
        },
        line(
            days,
            shares,
            _("Escalation share"),
            hover,
            yaxis="y2",
            line={"color": "#dc3545"},
            hovertemplate="%{customdata}: %{y:.1f} %",
        ),
    ]
    layout = {
        "xaxis": time_axis(days, "month"),
        "yaxis": value_axis(tickets),
        "yaxis2": value_axis(shares, percent=True, overlaying="y", side="right", showgrid=False),
        "margin": {"l": 48, "r": 56, "t": 16, "b": 40},
    }
    label = _describe(
        title,
        [date_label(days[0], "month"), date_label(days[-1], "month")],
        [(_("Tickets"), tickets, False), (_("Escalation share"), shares, True)],
    )
    return chart({"data": data, "layout": layout}, chart_id, label, 300)


# --- Client satisfaction ---------------------------------------------------------------


def satisfaction_trend(months: Sequence[dict], summary: dict, chart_id: str) -> dict:
    """CSAT (percent) and NPS (points) on the left axis, CES (1..7) on the right, per
    month; a sentence from the period's ``summary`` when fewer than MIN_POINTS months
    have answers."""
    answered = [m for m in months if m["responses"]]
    if not answered:
        return no_data(chart_id)
    if len(answered) < MIN_POINTS:
        return note(
            chart_id,
            _("In this period: %(n)s responses, CSAT %(csat)s, NPS %(nps)s, CES %(ces)s")
            % {
                "n": count(summary["responses"]),
                "csat": fmt.percent(summary["csat"], 0),
                "nps": fmt.number(summary["nps"], 0),
                "ces": fmt.number(summary["ces"], 2),
            },
        )
    days = [m["month"] for m in months]
    csat = [_percent(m["csat"]) for m in months]
    nps = [m["nps"] for m in months]
    ces = [m["ces"] for m in months]
    names = [hover_label(d, "month") for d in days]
    hover = "%{customdata}: %{y:.1f}"
    data = [
        line(days, csat, _("CSAT (%)"), names, hovertemplate=hover + " %"),
        line(days, nps, _("NPS"), names, hovertemplate=hover),
        line(days, ces, _("CES (1-7)"), names, yaxis="y2", hovertemplate=hover),
    ]
    layout = {
        "xaxis": time_axis(days, "month"),
        "yaxis": value_axis([-100, 100], title={"text": _("CSAT % / NPS")}),
        "yaxis2": {
            "range": [0.8, 7.2],
            "tickvals": [1, 4, 7],
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "fixedrange": True,
            "title": {"text": "CES"},
        },
        "margin": {"l": 56, "r": 48, "t": 16, "b": 40},
    }
    title = _("Client satisfaction per month")
    label = _describe(
        title,
        [date_label(days[0], "month"), date_label(days[-1], "month")],
        [("CSAT", csat, True), ("NPS", nps, False), ("CES", ces, False)],
    )
    return chart({"data": data, "layout": layout}, chart_id, label)


# --- Turnover --------------------------------------------------------------------------


def turnover_trend(quarters: Sequence[dict], chart_id: str) -> dict:
    """Turnover per quarter as bars (left, percent), job satisfaction (0..10) and the
    pulse (1..5, drawn doubled) as lines on the right."""
    if not quarters:
        return no_data(chart_id)
    labels = [row["label"] for row in quarters]
    rates = [_percent(row["rate"]) for row in quarters]
    job = [row["job_satisfaction"] for row in quarters]
    pulse = [None if row["pulse"] is None else row["pulse"] * 2 for row in quarters]
    data = [
        {
            "type": "bar",
            "x": labels,
            "y": rates,
            "name": _("Turnover (%)"),
            "marker": {"color": "#9ec5fe"},
            "hovertemplate": "%{x}: %{y:.1f} %<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": labels,
            "y": job,
            "name": _("Job satisfaction (0-10)"),
            "yaxis": "y2",
            "hovertemplate": "%{x}: %{y:.1f}",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": labels,
            "y": pulse,
            "name": _("Pulse (1-5, shown x2)"),
            "yaxis": "y2",
            "hovertemplate": "%{x}: %{y:.1f}",
        },
    ]
    layout = {
        "xaxis": quarter_axis(labels),
        "yaxis": value_axis(rates, percent=True),
        "yaxis2": value_axis(
            [0, 10],
            most=5,
            overlaying="y",
            side="right",
            showgrid=False,
            title={"text": _("Satisfaction")},
        ),
        "margin": {"l": 56, "r": 48, "t": 16, "b": 40},
    }
    label = _describe(
        _("Turnover and satisfaction per quarter"),
        [labels[0], labels[-1]],
        [(_("Turnover"), rates, True), (_("Job satisfaction"), job, False)],
    )
    return chart({"data": data, "layout": layout}, chart_id, label)


def turnover_scatter(quarters, benchmark: float, inflection_level, chart_id: str) -> dict:
    """Each quarter with both figures as a point (job satisfaction across, turnover up);
    the quarter is named in the hover, not printed beside the point (neighbours overlap).
    The benchmark and the inflection point as vertical lines."""
    points = [r for r in quarters if r["job_satisfaction"] is not None and r["rate"] is not None]
    if not points:
        return note(chart_id, _("No quarter has both turnover and published job satisfaction yet."))
    if len(points) < MIN_POINTS:
        return note(
            chart_id,
            " ".join(
                _("%(quarter)s: job satisfaction %(job)s, turnover %(rate)s.")
                % {
                    "quarter": r["label"],
                    "job": fmt.number(r["job_satisfaction"], 1),
                    "rate": fmt.percent(r["rate"]),
                }
                for r in points
            ),
        )
    rates = [_percent(r["rate"]) for r in points]
    data = [
        {
            "type": "scatter",
            "mode": "markers",
            "x": [r["job_satisfaction"] for r in points],
            "y": rates,
            "customdata": [r["label"] for r in points],
            "marker": {"size": 11},
            "name": _("Quarters"),
            "hovertemplate": "%{customdata}: %{x:.1f} / %{y:.1f} %<extra></extra>",
        }
    ]

    def vertical(x, dash, color):
        return {
            "type": "line",
            "x0": x,
            "x1": x,
            "yref": "paper",
            "y0": 0,
            "y1": 1,
            "line": {"dash": dash, "color": color},
        }

    shapes = [vertical(benchmark, "dash", "#198754")]

    # Both labels above the plot, on two rows so they never overlap each other nor the
    # points; each ends at its line (starts there in the left half, so none is cut off).
    def label(x, text, row):
        return {
            "x": x,
            "yref": "paper",
            "y": 1,
            "yanchor": "bottom",
            "yshift": 18 * row,
            "xanchor": "right" if x >= 5 else "left",
            "text": text,
            "showarrow": False,
        }

    annotations = [label(benchmark, _("Benchmark %(value)s") % {"value": fmt.number(benchmark)}, 0)]
    if inflection_level is not None:
        shapes.append(vertical(inflection_level, "dot", "#d63384"))
        annotations.append(label(inflection_level, _("Your inflection point"), 1))
    layout = {
        "xaxis": value_axis([0, 10], most=5, title={"text": _("Job satisfaction (0-10)")}),
        "yaxis": value_axis(rates, percent=True, title={"text": _("Turnover")}),
        "shapes": shapes,
        "annotations": annotations,
        "showlegend": False,
        "margin": {"l": 64, "r": 16, "t": 48, "b": 48},
    }
    label = _(
        "Job satisfaction against turnover for %(n)s quarters, with the benchmark of "
        "%(benchmark)s as a line."
    ) % {"n": len(points), "benchmark": fmt.number(benchmark)}
    return chart({"data": data, "layout": layout}, chart_id, label)
