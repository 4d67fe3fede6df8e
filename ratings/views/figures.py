"""The managers' ticket rating figures: ticket CSAT per client, technician, priority and
month (with the trend chart), the share of resolved tickets surveyed, the response rate
and the latest comments; the CSV of the grouped rows."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import manager_required
from core.csv_export import csv_response, refused_filter_response
from core.periods import trend_window
from core.units import as_percent

from .. import charts
from .. import figures as services
from ..forms import FiguresFilterForm

TREND_DAYS = 365
# Per grouping of services.GROUPS: (the table's heading, its first column, the CSV's).
GROUP_LABELS = {
    "client": (gettext_lazy("Per client"), gettext_lazy("Client")),
    "technician": (gettext_lazy("Per technician"), gettext_lazy("Technician")),
    "priority": (gettext_lazy("Per priority"), gettext_lazy("Priority")),
}


def _period(request):
    form = FiguresFilterForm(request.GET or None)
    return form, form.to_period(timezone.localdate())


@manager_required
def figures(request):
    form, period = _period(request)
    ratings = services.invited(period)
    trend = services.monthly(services.invited(trend_window(period, "month", TREND_DAYS)))
    return render(
        request,
        "ratings/figures.html",
        {
            "form": form,
            "period": period,
            "totals": services.totals(ratings),
            "surveyed": services.surveyed_share(period),
            "groups": [
                (by, heading, column, services.grouped(ratings, by))
                for by, (heading, column) in GROUP_LABELS.items()
            ],
            "trend": charts.csat_trend(trend, "ticket-csat-trend"),
            "comments": services.latest_comments(ratings),
        },
    )


@manager_required
def figures_export(request):
    form, period = _period(request)
    if form.is_bound and not form.is_valid():
        return refused_filter_response(form)
    ratings = services.invited(period)
    header = [
        _("Grouped by"),
        _("Name"),
        _("E-mails sent"),
        _("Rated"),
        _("Positive"),
        _("Ticket CSAT (%)"),
        _("Response rate (%)"),
    ]
    rows = [
        [
            GROUP_LABELS[by][1],
            row["label"] or "—",
            row["invited"],
            row["rated"],
            row["positive"],
            as_percent(row["csat"]),
            as_percent(row["response_rate"]),
        ]
        for by in services.GROUPS
        for row in services.grouped(ratings, by)
    ]
    return csv_response("ticket-csat.csv", header, rows)
