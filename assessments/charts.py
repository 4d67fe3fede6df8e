"""The self-assessment's charts, as plain Plotly specs (core.charts)."""

from django.utils import formats
from django.utils.translation import gettext as _

from core.charts import BRAND_COLORS, chart, quarter_axis

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


SCORE_TICKS = [1, 2, 3, 4, 5]


def _radar_layout(showlegend: bool = False) -> dict:
    return {
        "polar": {
            "radialaxis": {
                "range": [0, 5],
                "tickvals": SCORE_TICKS,
                "angle": 45,
                "tickfont": {"size": 10},
            },
            "angularaxis": {"direction": "clockwise"},
        },
        "margin": {"l": 110, "r": 110, "t": 40, "b": 40},
        "showlegend": showlegend,
    }


def _polygon(values, names, name: str, **style) -> dict:
    return {
        "type": "scatterpolar",
        "r": _closed([float(value) for value in values]),
        "theta": names,
        "name": name,
        "hovertemplate": "%{theta}: %{r:.2f}<extra></extra>",
        **style,
    }


def result_radar(result: scoring.Result, chart_id: str = "result-radar") -> dict:
    names = _closed([_axis_label(area.area.name) for area in result.areas])
    data = [_polygon([area.shown for area in result.areas], names, _("Your score"), fill="toself")]
    return chart(
        {"data": data, "layout": _radar_layout()},
        chart_id,
        _("Radar chart of the four area averages"),
        height=380,
    )


def round_radar(result: scoring.Result, chart_id: str = "round-radar") -> dict:
    names = _closed([_axis_label(area.area.name) for area in result.areas])
    dotted = {"dash": "dot"}
    # The team's filled polygon drawn between its highest and its lowest member.
    data = [
        _polygon(
            [a.spread_max for a in result.areas],
            names,
            _("Highest member"),
            line={**dotted, "color": BRAND_COLORS[1]},
        ),
        _polygon(
            [a.shown for a in result.areas],
            names,
            _("Team (mean answers)"),
            fill="toself",
            line={"color": BRAND_COLORS[0]},
        ),
        _polygon(
            [a.spread_min for a in result.areas],
            names,
            _("Lowest member"),
            line={**dotted, "color": BRAND_COLORS[2]},
        ),
    ]
    return chart(
        {"data": data, "layout": _radar_layout(showlegend=True)},
        chart_id,
        _("Radar chart of the team's area averages with the lowest and highest member"),
        height=420,
    )


def history_lines(points, area_names: dict[str, str], chart_id: str = "history-lines") -> dict:
    """Overall and per-area scores over time; ``area_names``: area key -> label."""
    dates = [formats.date_format(p.assessment.created_at, "SHORT_DATE_FORMAT") for p in points]
    data = [
        {
            "type": "scatter",
            "x": dates,
            "y": [float(p.overall) for p in points],
            "name": _("Overall score"),
            "mode": "lines+markers",
            "line": {"width": 4},
        }
    ]
    for key, label in area_names.items():
        data.append(
            {
                "type": "scatter",
                "x": dates,
                "y": [float(p.areas[key]) if key in p.areas else None for p in points],
                "name": label,
                "mode": "lines+markers",
                "line": {"width": 1.5, "dash": "dot"},
            }
        )
    layout = {
        "yaxis": {
            "range": [0.8, 5.2],
            "tickvals": SCORE_TICKS,
            "title": {"text": _("Score")},
            "fixedrange": True,
        },
        "xaxis": {"type": "category", "fixedrange": True},
    }
    return chart(
        {"data": data, "layout": layout},
        chart_id,
        _("Line chart of the overall and area scores over time"),
        height=400,
    )


def team_lines(rows, chart_id: str = "team-lines") -> dict:
    """Mean overall score of the team per quarter; ``rows``: (label, average) pairs."""
    data = [
        {
            "type": "bar",
            "x": [label for label, _value in rows],
            "y": [float(value) for _label, value in rows],
            "name": _("Team average"),
            "hovertemplate": "%{x}: %{y:.2f}<extra></extra>",
        }
    ]
    layout = {
        "xaxis": quarter_axis([label for label, _value in rows]),
        "yaxis": {"range": [0, 5], "tickvals": SCORE_TICKS, "fixedrange": True},
        "showlegend": False,
    }
    return chart(
        {"data": data, "layout": layout},
        chart_id,
        _("Bar chart of the team's average overall score per quarter"),
        height=300,
    )
