"""Results for managers: client satisfaction, the pulse, and aggregate-only surveys."""

import datetime

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import manager_required
from core.csv_export import refused_filter_response
from core.form_fields import FIRST_DAY_LABEL, LAST_DAY_LABEL, IdChoiceField, day_field
from core.periods import Period, step_start
from core.units import as_percent
from organisation.models import Client

from .. import charts
from ..csv_export import csv_response
from ..models import SurveyKind
from ..reports import aggregate_report, client_report, pulse_report

MAX_DAYS = 3700  # a ten-year monthly table is still fine, more is a typo


class PeriodForm(forms.Form):
    start = day_field(FIRST_DAY_LABEL)
    end = day_field(LAST_DAY_LABEL)
    client = IdChoiceField(
        label=gettext_lazy("Client"), queryset=Client.objects.all(), required=False
    )

    def period(self) -> tuple[Period, Client | None]:
        """The chosen period (by default the months of the last year up to today) and
        client; a last day before the first shows the first day alone."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        first = data.get("start") or step_start(today - datetime.timedelta(days=364), "month")
        last = max(data.get("end") or today, first)
        period = Period.through(max(first, last - datetime.timedelta(days=MAX_DAYS - 1)), last)
        return period, data.get("client")


@manager_required
def results_index(request):
    return render(request, "surveys/results_index.html")


def _client_context(request):
    form = PeriodForm(request.GET or None)
    period, client = form.period()
    report = client_report(period, [client.pk] if client else None)
    return form, report, client


@manager_required
def results_clients(request):
    form, report, client = _client_context(request)
    return render(
        request,
        "surveys/results_clients.html",
        {
            "form": form,
            "report": report,
            "client": client,
            "query": request.GET.urlencode(),
            "trend_chart": charts.client_trend(
                report.by_month, report.summary, "client-trend-chart"
            ),
            "effort_chart": charts.client_effort(
                report.by_month, report.summary, "client-effort-chart"
            ),
        },
    )


def _pulse_weeks(request) -> int:
    try:
        return min(max(int(request.GET.get("weeks", 12)), 4), 52)
    except ValueError:
        return 12


@manager_required
def results_pulse(request):
    weeks = _pulse_weeks(request)
    report = pulse_report(weeks=weeks)
    return render(
        request,
        "surveys/results_pulse.html",
        {
            "report": report,
            "weeks": weeks,
            "heatmap_chart": charts.pulse_heatmap(report.weeks, report.rows, "pulse-heatmap"),
            "team_chart": charts.pulse_team(report.team, "pulse-team-chart"),
        },
    )


AGGREGATE_KINDS = {
    "in-depth": SurveyKind.IN_DEPTH,
    "technician-onboarding": SurveyKind.TECHNICIAN_ONBOARDING,
}


def _quarter(request) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(request.GET.get("quarter", ""))
    except ValueError:
        return None


@manager_required
def results_aggregate(request, kind: str):
    if kind not in AGGREGATE_KINDS:
        raise Http404
    report = aggregate_report(AGGREGATE_KINDS[kind], _quarter(request))
    scale_max = 10 if kind == "in-depth" else 5
    return render(
        request,
        "surveys/results_aggregate.html",
        {
            "report": report,
            "kind": kind,
            "survey_kind": AGGREGATE_KINDS[kind],
            "title": SurveyKind(AGGREGATE_KINDS[kind]).label,
            "trend_chart": charts.aggregate_trend(report.trend, scale_max, "aggregate-trend-chart")
            if report.trend
            else None,
        },
    )


@manager_required
def export(request, report: str, table: str):
    """CSV of one results table; same rows (and the same hiding) as the page."""
    if report == "clients":
        form, data, client = _client_context(request)
        if form.is_bound and not form.is_valid():
            return refused_filter_response(form)
        figures = [
            _("NPS"),
            _("CSAT %"),
            _("CES"),
            _("Responses"),
            _("Invited"),
            _("Response rate %"),
        ]

        def cells(row):
            return [
                row["nps"],
                as_percent(row["csat"]),
                row["ces"],
                row["responses"],
                row["invited"],
                as_percent(row["response_rate"]),
            ]

        if table == "by-client":
            return csv_response(
                "client-satisfaction-by-client.csv",
                [_("Client"), *figures],
                ([row["client"], *cells(row)] for row in data.by_client),
            )
        if table == "by-month":
            return csv_response(
                "client-satisfaction-by-month.csv",
                [_("Month"), *figures],
                ([row["month"].isoformat(), *cells(row)] for row in data.by_month),
            )
        if table == "comments":
            return csv_response(
                "client-comments.csv",
                [_("Date"), _("Client"), _("Comment")],
                (
                    [
                        timezone.localtime(row["submitted_at"]).date().isoformat(),
                        row["client"],
                        row["text"],
                    ]
                    for row in data.comments
                ),
            )
    elif report == "pulse":
        data = pulse_report(weeks=_pulse_weeks(request))
        if table == "heatmap":
            return csv_response(
                "pulse-heatmap.csv",
                [_("Technician"), *[w.isoformat() for w in data.weeks]],
                ([row["technician"].name, *row["values"]] for row in data.rows),
            )
        if table == "team":
            return csv_response(
                "pulse-team-average.csv",
                [_("Week"), _("Average"), _("Responses")],
                ([row["week"].isoformat(), row["average"], row["responses"]] for row in data.team),
            )
        if table == "check-in":
            return csv_response(
                "pulse-check-in.csv",
                [_("Technician"), _("Reasons"), _("Latest answer"), _("Answer before")],
                (
                    [
                        row["technician"].name,
                        " ".join(row["reasons"]),
                        row["latest"],
                        row["previous"],
                    ]
                    for row in data.check_in
                ),
            )
    elif report in AGGREGATE_KINDS and table == "questions":
        data = aggregate_report(AGGREGATE_KINDS[report], _quarter(request))
        return csv_response(
            f"{report}-{data.quarter.isoformat() if data.quarter else 'none'}.csv",
            [_("Question"), _("Average"), _("Respondents")],
            (
                [row["question"].text(), row["average"], row["answers"] if data.shown else ""]
                for row in data.questions
            ),
        )
    raise Http404
