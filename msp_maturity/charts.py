"""Plotly figures rendered server-side and drawn by static/js/charts.js.

Views build a figure with plotly's Python API and pass ``chart(fig, "some-id")`` to the
template, which includes ``partials/_chart.html``. No inline script is needed, so the
Content-Security-Policy can forbid them.
"""

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


def chart(fig: go.Figure, chart_id: str, height: int = 360) -> dict:
    """Context for partials/_chart.html: a DOM id and the figure as a JSON-ready dict."""
    fig.update_layout(height=height)
    return {
        "id": chart_id,
        "spec_id": f"{chart_id}-spec",
        "spec": json.loads(pio.to_json(fig, validate=False)),
        "height": height,
    }
