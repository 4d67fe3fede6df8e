"""Plotly figures rendered server-side and drawn by static/js/charts.js.

Views build a figure with plotly's Python API and pass ``chart(fig, "some-id")`` to the
template, which includes ``partials/_chart.html``. No inline script is needed, so the
Content-Security-Policy can forbid them.

Every text in a chart is plain text: Plotly renders a subset of HTML in labels (links,
bold, line breaks), so a client or technician named ``<a href=…>`` would become a link.
``chart`` escapes every string of the figure; a line break is written as "\n".
"""

import html
import json

import plotly.graph_objects as go
import plotly.io as pio

BRAND_COLORS = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#20c997"]


def base_layout(**overrides) -> dict:
    layout = {
        "margin": {"l": 40, "r": 20, "t": 30, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "colorway": BRAND_COLORS,
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13},
        "legend": {"orientation": "h", "y": -0.2},
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
    if isinstance(value, list):
        return [plain_text(item, key) for item in value]
    return value


def chart(fig: go.Figure, chart_id: str, height: int = 360) -> dict:
    """Context for partials/_chart.html: a DOM id and the figure as a JSON-ready dict."""
    fig.update_layout(height=height)
    return {
        "id": chart_id,
        "spec_id": f"{chart_id}-spec",
        "spec": plain_text(json.loads(pio.to_json(fig, validate=False))),
        "height": height,
    }
