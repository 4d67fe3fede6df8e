"""The charts of the survey results, as plain Plotly specs (core.charts).

Only figures the pages already show go into a chart: the anonymous surveys' averages
come from published quarters (aggregate_report), never from single answers.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.charts import (
    MIN_POINTS,
    chart,
    date_label,
    hover_label,
    line,
    no_data,
    note,
    quarter_axis,
    time_axis,
    value_axis,
)
from core.units import as_percent, number

DASH = "—"


def _shown(value, digits: int, suffix: str = "") -> str:
    return DASH if value is None else f"{number(value, digits)}{suffix}"


# The surveys' lines show one decimal on hover unless a chart says otherwise.
_line = functools.partial(line, hovertemplate="%{customdata}: %{y:.1f}")


def _span(days, step) -> str:
    return f"{date_label(days[0], step)} – {date_label(days[-1], step)}"


def _answered(by_month: Sequence[dict]) -> list[dict]:
    return [row for row in by_month if row["responses"]]


def client_trend(by_month: Sequence[dict], summary: dict, chart_id: str) -> dict:
    """NPS (points) and CSAT (percent) per month on one axis, -100 to 100."""
    if not _answered(by_month):
        return no_data(chart_id)
    if len(_answered(by_month)) < MIN_POINTS:
        return note(
            chart_id,
            _("In this period: %(n)s responses, NPS %(nps)s, CSAT %(csat)s")
            % {
                "n": number(summary["responses"]),
                "nps": _shown(summary["nps"], 0),
                "csat": _shown(as_percent(summary["csat"]), 0, " %"),
            },
        )
    days = [row["month"] for row in by_month]
    nps = [row["nps"] for row in by_month]
    csat = [as_percent(row["csat"]) for row in by_month]
    hover = [hover_label(d, "month") for d in days]
    data = [
        _line(days, nps, "NPS", hover),
        _line(days, csat, "CSAT %", hover, hovertemplate="%{customdata}: %{y:.0f} %"),
    ]
    layout = {
        "xaxis": time_axis(days, "month"),
        "yaxis": value_axis([-100, 100], title={"text": _("points / %")}),
    }
    label = _("NPS and CSAT per month, %(span)s.") % {"span": _span(days, "month")}
    return chart({"data": data, "layout": layout}, chart_id, label)


def client_effort(by_month: Sequence[dict], summary: dict, chart_id: str) -> dict:
    """CES (1..7) as bars and the response rate (percent, right axis) per month."""
    if not _answered(by_month):
        return no_data(chart_id)
    if len(_answered(by_month)) < MIN_POINTS:
        return note(
            chart_id,
            _("In this period: CES %(ces)s, response rate %(rate)s")
            % {
                "ces": _shown(summary["ces"], 2),
                "rate": _shown(as_percent(summary["response_rate"]), 0, " %"),
            },
        )
    days = [row["month"] for row in by_month]
    rates = [as_percent(row["response_rate"]) for row in by_month]
    hover = [hover_label(d, "month") for d in days]
    data = [
        {
            "type": "bar",
            "x": [d.isoformat() for d in days],
            "y": [row["ces"] for row in by_month],
            "name": "CES",
            "marker": {"color": "#9ec5fe"},
            "customdata": hover,
            "hovertemplate": "%{customdata}: %{y:.2f}",
        },
        _line(
            days,
            rates,
            _("Response rate %"),
            hover,
            yaxis="y2",
            hovertemplate="%{customdata}: %{y:.0f} %",
        ),
    ]
    layout = {
        "xaxis": time_axis(days, "month"),
        "yaxis": {
            "title": {"text": "CES (1–7)"},
            "range": [0, 7.2],
            "tickvals": [1, 4, 7],
            "fixedrange": True,
        },
        "yaxis2": value_axis([0, 100], percent=True, overlaying="y", side="right", showgrid=False),
        "margin": {"l": 56, "r": 56, "t": 16, "b": 40},
    }
    label = _("Effort score and response rate per month, %(span)s.") % {
        "span": _span(days, "month")
    }
    return chart({"data": data, "layout": layout}, chart_id, label)


def pulse_team(team: Sequence[dict], chart_id: str) -> dict:
    """The team's average pulse (1..5) per week."""
    answered = [row for row in team if row["average"] is not None]
    if not answered:
        return no_data(chart_id)
    if len(answered) < MIN_POINTS:
        return note(
            chart_id,
            " ".join(
                _("Week of %(day)s: average %(avg)s from %(n)s answers.")
                % {
                    "day": date_format(row["week"], "SHORT_DATE_FORMAT"),
                    "avg": number(row["average"], 2),
                    "n": number(row["responses"]),
                }
                for row in answered
            ),
        )
    days = [row["week"] for row in team]
    label = _("Team average of the weekly pulse (1 to 5), %(span)s; last week %(last)s.") % {
        "span": _span(days, "week"),
        "last": number(answered[-1]["average"], 2),
    }
    values = [row["average"] for row in team]
    return _pulse_line(days, values, _("Team average"), label, chart_id)


def _pulse_line(days, values, name: str, label: str, chart_id: str) -> dict:
    """One line of pulse values (1..5) per week on the pulse's own scale."""
    hover = [hover_label(d, "week") for d in days]
    layout = {
        "xaxis": time_axis(days, "week"),
        "yaxis": {"range": [0.5, 5.5], "tickvals": [1, 2, 3, 4, 5], "fixedrange": True},
        "showlegend": False,
    }
    data = [_line(days, values, name, hover)]
    return chart({"data": data, "layout": layout}, chart_id, label, height=280)


def pulse_heatmap(weeks, rows, chart_id: str) -> dict:
    """Technician (rows) by week: each answer 1..5 coloured red to green."""
    labels = [date_label(week, "week") for week in weeks]
    data = [
        {
            "type": "heatmap",
            "z": [row["values"] for row in rows],
            "x": labels,
            "y": [row["technician"].name for row in rows],
            "zmin": 1,
            "zmax": 5,
            "colorscale": [[0, "#dc3545"], [0.5, "#ffc107"], [1, "#198754"]],
            "hoverongaps": False,
            "colorbar": {"tickvals": [1, 2, 3, 4, 5], "thickness": 12},
        }
    ]
    layout = {
        "margin": {"l": 8, "r": 8, "t": 16, "b": 48},
        "xaxis": {"type": "category", "fixedrange": True},
        "yaxis": {"autorange": "reversed", "automargin": True, "fixedrange": True},
    }
    label = _("Pulse answers of %(n)s technicians over %(weeks)s weeks, 1 red to 5 green.") % {
        "n": len(rows),
        "weeks": len(weeks),
    }
    height = max(260, 40 + 28 * len(rows))
    return chart({"data": data, "layout": layout}, chart_id, label, height=height)


def aggregate_trend(trend: Sequence[dict], scale_max: int, chart_id: str) -> dict:
    """The published quarters' averages as bars ("2026 Q3"), on the survey's scale."""
    data = [
        {
            "type": "bar",
            "x": [row["label"] for row in trend],
            "y": [row["average"] for row in trend],
            "name": _("Average"),
            "marker": {"color": "#0d6efd"},
            "hovertemplate": "%{x}: %{y:.1f}<extra></extra>",
        }
    ]
    layout = {
        "xaxis": quarter_axis([row["label"] for row in trend]),
        "yaxis": value_axis([0, scale_max]),
        "showlegend": False,
    }
    label = _("Average per published quarter, %(first)s to %(last)s, on a scale up to %(max)s.") % {
        "first": trend[0]["label"],
        "last": trend[-1]["label"],
        "max": scale_max,
    }
    return chart({"data": data, "layout": layout}, chart_id, label, height=280)


def my_pulse(points: Sequence[dict], chart_id: str) -> dict:
    """A technician's own pulse answers (1..5) per week, oldest first."""
    answered = [p for p in points if p["value"] is not None]
    if not answered:
        return no_data(chart_id)
    if len(answered) < MIN_POINTS:
        return note(
            chart_id,
            " ".join(
                _("Week of %(day)s: %(value)s.")
                % {"day": date_format(p["week"], "SHORT_DATE_FORMAT"), "value": p["value"]}
                for p in answered
            ),
        )
    days = [p["week"] for p in points]
    label = _("Your weekly pulse answers (1 to 5), %(span)s.") % {"span": _span(days, "week")}
    return _pulse_line(days, [p["value"] for p in points], _("My pulse"), label, chart_id)
