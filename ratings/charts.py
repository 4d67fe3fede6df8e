"""The ticket rating's charts (plain Plotly specs through core.charts)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from core.charts import MIN_POINTS, chart, hover_label, line, no_data, note, time_axis, value_axis
from core.units import as_percent, number


def _percent(share):
    return None if share is None else round(as_percent(share), 1)


def csat_trend(months: Sequence[dict], chart_id: str) -> dict:
    """Ticket CSAT and response rate per month (figures.monthly rows), in percent."""
    if not months:
        return no_data(chart_id)
    if len(months) < MIN_POINTS:
        return note(
            chart_id,
            " ".join(
                _("%(month)s: ticket CSAT %(csat)s %% of %(rated)s ratings.")
                % {
                    "month": hover_label(m["month"], "month"),
                    "csat": "—" if m["csat"] is None else number(as_percent(m["csat"]), 0),
                    "rated": number(m["rated"]),
                }
                for m in months
            ),
        )
    days = [m["month"] for m in months]
    hover = [hover_label(d, "month") for d in days]
    csat = [_percent(m["csat"]) for m in months]
    rate = [_percent(m["response_rate"]) for m in months]
    template = "%{customdata}: %{y:.1f} %"
    spec = {
        "data": [
            line(days, csat, _("Ticket CSAT"), hover, hovertemplate=template),
            line(days, rate, _("Response rate"), hover, hovertemplate=template),
        ],
        "layout": {
            "xaxis": time_axis(days, "month"),
            "yaxis": value_axis([0, 100, *csat, *rate], percent=True),
        },
    }
    label = _("Ticket CSAT and response rate per month, in percent, %(first)s to %(last)s.") % {
        "first": hover[0],
        "last": hover[-1],
    }
    return chart(spec, chart_id, label, height=320)
