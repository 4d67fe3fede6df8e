"""Plotly figures of the self-assessment pages (drawn through core.charts)."""

import plotly.graph_objects as go
from django.utils import formats
from django.utils.translation import gettext as _

from core.charts import BRAND_COLORS, base_layout, chart

from . import scoring


def _closed(values: list) -> list:
    # A radar polygon needs its first point repeated to close.
    return values + values[:1]


def _axis_label(name: str) -> str:
    # Long area names ("Kundenzufriedenheit und Kundenbindung") would be cut off at the
    # chart's edge; break them before the "and".
    for joiner in (" und ", " and "):
        if joiner in name:
            first, rest = name.split(joiner, 1)
            return f"{first}{joiner.rstrip()}\n{rest}"
    return name


def _radar_layout(**extra) -> dict:
    return base_layout(
        polar={
            "radialaxis": {
                "range": [0, 5],
                "tickvals": [1, 2, 3, 4, 5],
                "angle": 45,
                "tickfont": {"size": 10},
            },
            "angularaxis": {"direction": "clockwise"},
        },
        margin={"l": 110, "r": 110, "t": 40, "b": 40},
        showlegend=bool(extra.pop("showlegend", False)),
        **extra,
    )


def result_radar(result: scoring.Result, chart_id: str = "result-radar") -> dict:
    names = [_axis_label(area.area.name) for area in result.areas]
    values = [float(area.shown) for area in result.areas]
    fig = go.Figure(
        go.Scatterpolar(
            r=_closed(values),
            theta=_closed(names),
            fill="toself",
            name=_("Your score"),
            hovertemplate="%{theta}: %{r:.2f}<extra></extra>",
        )
    )
    fig.update_layout(**_radar_layout())
    return chart(fig, chart_id, height=380)


def round_radar(result: scoring.Result, chart_id: str = "round-radar") -> dict:
    names = _closed([_axis_label(area.area.name) for area in result.areas])
    fig = go.Figure()

    def outline(values, name: str, **style):
        r = _closed([float(value) for value in values])
        fig.add_trace(go.Scatterpolar(r=r, theta=names, name=name, **style))

    # The team's filled polygon drawn between its highest and its lowest member.
    dotted = {"dash": "dot"}
    outline(
        [a.spread_max for a in result.areas],
        _("Highest member"),
        line={**dotted, "color": BRAND_COLORS[1]},
    )
    outline(
        [a.shown for a in result.areas],
        _("Team (mean answers)"),
        fill="toself",
        line={"color": BRAND_COLORS[0]},
    )
    outline(
        [a.spread_min for a in result.areas],
        _("Lowest member"),
        line={**dotted, "color": BRAND_COLORS[2]},
    )
    fig.update_layout(**_radar_layout(showlegend=True))
    return chart(fig, chart_id, height=420)


def history_lines(points, area_names: dict[str, str], chart_id: str = "history-lines") -> dict:
    """Overall and per-area scores over time; ``area_names``: area key -> label."""
    dates = [formats.date_format(p.assessment.created_at, "SHORT_DATE_FORMAT") for p in points]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=dates,
            y=[float(p.overall) for p in points],
            name=_("Overall score"),
            mode="lines+markers",
            line={"width": 4},
        )
    )
    for key, label in area_names.items():
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=[float(p.areas[key]) if key in p.areas else None for p in points],
                name=label,
                mode="lines+markers",
                line={"width": 1.5, "dash": "dot"},
            )
        )
    fig.update_layout(
        **base_layout(
            yaxis={"range": [0.8, 5.2], "tickvals": [1, 2, 3, 4, 5], "title": _("Score")},
            xaxis={"type": "category"},
        )
    )
    return chart(fig, chart_id, height=400)


def team_lines(rows, chart_id: str = "team-lines") -> dict:
    """Mean overall score of the team per quarter; ``rows``: (label, average) pairs."""
    fig = go.Figure(
        go.Bar(
            x=[label for label, _value in rows],
            y=[float(value) for _label, value in rows],
            name=_("Team average"),
            hovertemplate="%{x}: %{y:.2f}<extra></extra>",
        )
    )
    fig.update_layout(
        **base_layout(yaxis={"range": [0, 5], "tickvals": [1, 2, 3, 4, 5]}, showlegend=False)
    )
    return chart(fig, chart_id, height=300)
