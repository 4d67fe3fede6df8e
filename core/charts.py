"""Charts as plain Plotly specs, drawn by static/js/charts.js; the helpers every floor shares.

Each floor keeps its figures in its own ``charts`` module (``insights.charts``,
``surveys.charts``, ``assessments.charts``) and builds them as dicts of ``data`` and
``layout``: no validated ``go.Figure`` (about 6 ms a chart), serialised by Plotly's JSON
encoder. ``chart(spec, "some-id", label)`` gives the context for ``partials/_chart.html``;
a chart with too little to draw is a sentence instead (``note``, ``no_data``). No inline
script is needed, so the Content-Security-Policy can forbid them.

Every text in a chart is plain text: Plotly renders a subset of HTML in labels (links,
bold, line breaks), so a client or technician named ``<a href=…>`` would become a link.
``chart`` escapes every string of the spec; a line break is written as "\n".
"""

from __future__ import annotations

import datetime
import html
import math
from collections.abc import Sequence

from django.utils import formats
from django.utils.html import json_script
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from plotly.utils import PlotlyJSONEncoder

from core.periods import quarter_label
from core.units import number

BRAND_COLORS = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#20c997"]
# Escalation states as bars: green, amber, red, and grey for "too few tickets to judge";
# each at least 3:1 against the white card (WCAG non-text contrast).
STATE_COLORS = {
    "ok": "#198754",
    "warning": "#b86e00",
    "breach": "#dc3545",
    "not_judged": "#6c757d",
}
THRESHOLD_COLOR = "#212529"
# Fewer points than this read better as a sentence than as a chart.
MIN_POINTS = 3

# Never a mode bar: its buttons would be keyboard stops inside an image.
CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True}


def is_german() -> bool:
    return (get_language() or "de").startswith("de")


def separators() -> str:
    """Plotly's decimal and thousands separators for the active language: "3,5" and
    "15.183" in German, "3.5" and "15,183" in English: the language's own formats, as
    core.units.number writes figures beside the charts."""
    return formats.get_format("DECIMAL_SEPARATOR") + formats.get_format("THOUSAND_SEPARATOR")


def base_layout(**overrides) -> dict:
    layout = {
        "margin": {"l": 48, "r": 16, "t": 16, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "colorway": BRAND_COLORS,
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13},
        # Below the plot, placed in the whole figure (not the plot area) so that Plotly
        # makes room for it under the tick labels, also when a phone tilts them.
        "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},
        "separators": separators(),
    }
    layout.update(overrides)
    return layout


# Templates written by the product, whose %{…} placeholders take the escaped values.
_MARKUP_KEYS = frozenset({"hovertemplate", "texttemplate"})


def plain_text(value, key: str = ""):
    """``value`` (a figure spec or any part of it) with every string escaped for Plotly's
    label markup, "\n" turned into a line break; product-written templates untouched."""
    if isinstance(value, str):
        if key in _MARKUP_KEYS:
            return value
        return html.escape(value, quote=False).replace("\n", "<br>")
    if isinstance(value, dict):
        return {name: plain_text(item, name) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain_text(item, key) for item in value]
    return value


def chart(spec: dict, chart_id: str, label: str, height: int = 360) -> dict:
    """Context for partials/_chart.html: a DOM id, the spec (``data`` and ``layout``,
    on top of ``base_layout``) escaped and serialised by Plotly's JSON encoder, and
    ``label``, the sentence a screen reader hears for the image."""
    layout = base_layout(**spec.get("layout", {}))
    layout["height"] = height
    full = plain_text(
        {
            "data": spec.get("data", []),
            "layout": layout,
            "config": {**CONFIG, **spec.get("config", {})},
        }
    )
    spec_id = f"{chart_id}-spec"
    return {
        "id": chart_id,
        "spec_id": spec_id,
        "spec": full,
        "script": json_script(full, spec_id, encoder=PlotlyJSONEncoder),
        "height": height,
        "label": label,
    }


def note(chart_id: str, text: str) -> dict:
    """A chart with too few points to draw, said in one sentence instead."""
    return {"id": chart_id, "note": text}


def no_data(chart_id: str) -> dict:
    return {"id": chart_id, "note": _("No data in this period"), "empty": True}


# --- Axes --------------------------------------------------------------------------------

_NICE = (1, 2, 2.5, 5, 10)


def nice_ticks(low: float, high: float, most: int = 4, integer: bool = False) -> list[float]:
    """Round tick values from at or below ``min(low, 0)`` to at or above ``high``, at most
    ``most`` steps of 1, 2, 2.5 or 5 times a power of ten: 0..85.7 gives 0, 25, 50, 75,
    100; 0..38 gives 0, 10, 20, 30, 40. ``integer``: whole steps only (counts)."""
    low, high = min(low, 0), max(high, 0)
    if high <= low:
        high = low + 1
    magnitude = 10 ** math.floor(math.log10((high - low) / most))
    for factor in _NICE:
        step = factor * magnitude
        if integer and (step < 1 or step != int(step)):
            continue
        first = math.floor(round(low / step, 9)) * step
        last = math.ceil(round(high / step, 9)) * step
        if round((last - first) / step) <= most:
            break
    count = round((last - first) / step)
    return [_tidy(first + i * step) for i in range(count + 1)]


def _tidy(value: float) -> float | int:
    value = round(value, 9)
    return int(value) if value == int(value) else value


def value_axis(
    values: Sequence[float | None], percent: bool = False, most: int = 4, **extra
) -> dict:
    """A y (or x) axis with round ticks over ``values`` (None ignored); shares in percent
    get " %" after each tick. A little room on both ends so markers on 0 or 100 show."""
    present = [v for v in values if v is not None]
    ticks = nice_ticks(
        min(present, default=0), max(present, default=0), most=most, integer=not percent
    )
    pad = (ticks[-1] - ticks[0]) * 0.04
    axis = {
        "range": [ticks[0] - pad, ticks[-1] + pad],
        "tickmode": "array",
        "tickvals": ticks,
        "ticktext": [_tick_text(t, percent) for t in ticks],
        "zeroline": False,
        "fixedrange": True,
    }
    axis.update(extra)
    return axis


def _tick_text(value: float, percent: bool) -> str:
    digits = 0 if value == int(value) else 1
    text = number(value, digits)
    return f"{text} %" if percent else text


# --- Time --------------------------------------------------------------------------------

# Tick labels per calendar step, in the page's language (Django's month names).
_TICK_FORMATS = {
    "day": ("j. M", "M j"),
    "week": ("j. M", "M j"),
    "month": ("M Y", "M Y"),
}
MAX_TICKS = 6


def date_label(day: datetime.date, step: str) -> str:
    """A bucket's start as a tick label: "1. Jun" / "Jun 1" for days and weeks,
    "Jun 2026" for months, "2026 Q3" for quarters."""
    if step == "quarter":
        return quarter_label(day)
    german, english = _TICK_FORMATS[step]
    return formats.date_format(day, german if is_german() else english)


def hover_label(day: datetime.date, step: str) -> str:
    """The full bucket name for the hover box: "Woche ab 01.06.2026", "Juni 2026"."""
    if step == "month":
        return formats.date_format(day, "F Y")
    if step == "week":
        return _("Week of %(day)s") % {"day": formats.date_format(day, "SHORT_DATE_FORMAT")}
    if step == "quarter":
        return date_label(day, step)
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def line(days, values, name, hover, **extra) -> dict:
    """A line over ``days``; ``hover``: each point's bucket name (hover_label), built
    once per chart (formatting dates is the slow part of a spec)."""
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "x": [d.isoformat() for d in days],
        "y": values,
        "name": name,
        "customdata": hover,
        "connectgaps": False,
        **extra,
    }


def time_axis(days: Sequence[datetime.date], step: str) -> dict:
    """An x axis over the buckets ``days`` (as drawn: see ``clipped``) with at most
    MAX_TICKS labels, every k-th bucket, labelled in the page's language."""
    every = max(1, math.ceil(len(days) / MAX_TICKS))
    shown = list(days)[::every]
    return {
        "type": "date",
        "tickmode": "array",
        "tickvals": [d.isoformat() for d in shown],
        "ticktext": [date_label(d, step) for d in shown],
        "automargin": True,  # room for labels a narrow screen tilts, above the legend
        "fixedrange": True,
        "showgrid": False,
    }


def quarter_axis(labels: Sequence[str]) -> dict:
    """An x axis of quarters labelled "2026 Q3" (core.periods.quarter_label): each tick
    names its quarter, with the year below it where the year begins (and on the first
    tick), so eight quarters fit a phone's width upright instead of running together."""
    ticks, year = [], None
    for label in labels:
        label_year, _space, quarter = label.partition(" ")
        ticks.append(quarter if label_year == year else f"{quarter}\n{label_year}")
        year = label_year
    return {
        "type": "category",
        "tickmode": "array",
        "tickvals": list(labels),
        "ticktext": ticks,
        "tickangle": 0,
        "fixedrange": True,
    }


def clipped(days: Sequence[datetime.date], since: datetime.date | None) -> list[datetime.date]:
    """Bucket starts drawn no earlier than ``since``: a period starting on a Wednesday
    draws its first, partial week on that Wednesday, not on the Monday before it."""
    if since is None:
        return list(days)
    return [max(day, since) for day in days]


def sparkline(values: Sequence[float | None], width: int = 100, height: int = 24) -> str:
    """The ``points`` of an SVG polyline through ``values`` (None skipped, kept in place),
    x over ``width``, the lowest value at the bottom and the highest at the top, 2 units
    clear of the edges; "" with fewer than two values."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return ""
    low = min(v for _i, v in known)
    high = max(v for _i, v in known)
    span = high - low
    last = max(len(values) - 1, 1)
    pad = 2
    points = []
    for i, v in known:
        x = i * width / last
        y = height / 2 if span == 0 else height - pad - (v - low) / span * (height - 2 * pad)
        points.append(f"{_tidy(round(x, 1))},{_tidy(round(y, 1))}")
    return " ".join(points)
