"""The figures behind each page and its CSV export, as plain data (no request).

Every function runs a fixed number of queries, whatever the number of tickets.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from core.periods import Period, chart_step, quarter_label
from kpis import metrics, psa_sla, rollups, thresholds
from kpis.models import KpiSettings, SLATarget, Ticket
from organisation.models import ONBOARDING_DAYS, Client
from surveys import metrics as survey_metrics

from . import formatting as fmt
from . import turnover


@dataclass
class Filters:
    period: Period
    preset: str
    segment: str = ""
    client: Client | None = None
    client_ids: list[int] | None = None

    @property
    def rollup_scope(self) -> dict:
        """Keyword arguments for metrics.totals()/series(): the client's rows with a client
        filter, the segment rows of the segment with a segment filter, else all."""
        if self.client is not None:
            return {"client_ids": [self.client.pk]}
        if self.segment:
            return {"segment": self.segment}
        if self.client_ids is not None:
            return {"client_ids": self.client_ids}
        return {}


# --- Escalations -----------------------------------------------------------------------


def escalation_report(filters: Filters) -> dict:
    period = filters.period
    current = metrics.totals(period, **filters.rollup_scope)
    previous = metrics.totals(period.previous(), **filters.rollup_scope)
    settings = KpiSettings.load()
    states = thresholds.client_states(period, filters.client_ids, settings)
    split = metrics.by_client(period, filters.client_ids)
    rows = []
    for state in states:
        figures = split.get(state.client_id) or {}
        rows.append(
            {
                "state": state,
                "onboarding_share": figures.get("onboarding_share"),
                "onboarding_tickets": figures.get("onboarding_tickets", 0),
                "ongoing_share": figures.get("ongoing_share"),
                "ongoing_tickets": figures.get("ongoing_tickets", 0),
            }
        )
    # Fair comparison across client sizes: by share, highest first; unjudged last.
    rows.sort(key=lambda r: (r["state"].share is None, -(r["state"].share or 0), r["state"].name))
    weekly = metrics.series(period, by="week", **filters.rollup_scope)
    monthly = metrics.series(period, by="month", **filters.rollup_scope)
    return {
        "summary": metrics.escalation_summary(current),
        "previous": metrics.escalation_summary(previous),
        "rows": rows,
        "settings": settings,
        "weekly": weekly,
        "monthly": monthly,
        **_trend(filters, {"week": weekly, "month": monthly}),
    }


def _trend(filters: Filters, ready: dict[str, list[dict]]) -> dict:
    """The chart's buckets as the period's length asks (core.periods.chart_step): "step"
    and its "trend" rows as drawn (kpis.metrics.drawn_series), reusing a series the
    report already read."""
    step = chart_step(filters.period)
    rows = ready.get(step)
    if rows is None:
        rows = metrics.series(filters.period, by=step, **filters.rollup_scope)
    return {"step": step, "trend": metrics.drawn_series(rows, filters.period, step)}


# --- Proactive IT ----------------------------------------------------------------------


def proactive_report(filters: Filters) -> dict:
    current = metrics.totals(filters.period, **filters.rollup_scope)
    previous = metrics.totals(filters.period.previous(), **filters.rollup_scope)
    monthly = metrics.series(filters.period, by="month", **filters.rollup_scope)
    return {
        "summary": metrics.proactive_shares(current),
        "previous": metrics.proactive_shares(previous),
        "monthly": monthly,
        **_trend(filters, {"month": monthly}),
    }


# --- SLA -------------------------------------------------------------------------------


def sla_report(filters: Filters) -> dict:
    current = metrics.totals(filters.period, **filters.rollup_scope)
    previous = metrics.totals(filters.period.previous(), **filters.rollup_scope)
    targets = {t.priority: t for t in SLATarget.objects.all()}
    summary = metrics.sla_attainment(current)
    rows = []
    for priority, label in SLATarget._meta.get_field("priority").choices:
        rows.append(
            {
                "priority": priority,
                "label": label,
                "target": targets.get(priority),
                **summary["by_priority"][priority],
            }
        )
    monthly = metrics.series(filters.period, by="month", **filters.rollup_scope)
    figure = metrics.sla_figure(current)
    return {
        "summary": summary,
        "previous": metrics.sla_attainment(previous),
        # The overall figure as shown: the PSA's where every ticket has its verdict.
        "figure": figure,
        "figure_before": metrics.sla_figure(previous),
        "source": fmt.sla_source(figure),
        "rows": rows,
        "monthly": monthly,
        **_trend(filters, {"month": monthly}),
    }


def reconciliation(filters: Filters) -> tuple:
    """(the tickets opened in the period, of the filter's clients, whose PSA verdict
    differs from ours, newest first; the targets they were judged by)."""
    targets = rollups.sla_targets()
    tickets = Ticket.objects.opened_between(filters.period.start, filters.period.end)
    if filters.client_ids is not None:
        tickets = tickets.filter(client_id__in=filters.client_ids)
    tickets = psa_sla.disagreeing(tickets, targets).select_related("client")
    return tickets.order_by("-opened_at", "-pk"), targets


def reconciliation_row(ticket: Ticket, targets: psa_sla.Targets) -> dict:
    """A listed ticket with both verdicts and the reason they differ."""
    return {
        "ticket": ticket,
        "ours": psa_sla.our_verdict(ticket, targets),
        "psa": ticket.psa_sla_met,
        "reason": psa_sla.Reason(psa_sla.reason(ticket, targets)),
    }


# --- Client satisfaction in onboarding -------------------------------------------------


def satisfaction_report(filters: Filters) -> dict:
    period = filters.period
    by_client = survey_metrics.client_onboarding_by_client(period, filters.client_ids)
    escalations = metrics.by_client(period, filters.client_ids)
    clients = Client.objects.all()
    if filters.client_ids is not None:
        clients = clients.filter(pk__in=filters.client_ids)
    rows = []
    for client in clients.only("pk", "name", "contract_start"):
        survey = by_client.get(client.pk)
        esc = escalations.get(client.pk)
        if survey is None and esc is None:
            continue
        rows.append({"client": client, "survey": survey or {}, "escalation": esc or {}})
    return {
        "summary": survey_metrics.client_onboarding_summary(period, filters.client_ids),
        "previous": survey_metrics.client_onboarding_summary(period.previous(), filters.client_ids),
        "rows": rows,
        "monthly": survey_metrics.client_onboarding_by_month(period, filters.client_ids),
    }


# --- Turnover vs satisfaction ----------------------------------------------------------

HISTORY_QUARTERS = 8


def turnover_report(today: datetime.date) -> dict:
    """The last HISTORY_QUARTERS quarters (the current one to date included) and the
    calendar years they touch: turnover, job satisfaction (0..10) and pulse (1..5), the
    inflection estimate from the whole quarters, and the benchmark."""
    first_q = Period.of(today, "quarter").start
    for _ in range(HISTORY_QUARTERS - 1):
        first_q = Period.of(first_q - datetime.timedelta(days=1), "quarter").start
    history = Period.through(first_q, today)
    end = history.end
    employments = turnover.employments()
    job = {r["period_start"]: r for r in survey_metrics.job_satisfaction_by_quarter(history)}
    pulse = {
        r["period_start"]: r for r in survey_metrics.pulse_average_by_period(history, "quarter")
    }
    quarter_rows = []
    for quarter in history.split("quarter"):
        partial = quarter.end > end
        judged = Period(quarter.start, min(quarter.end, end))
        row = turnover.turnover_row(employments, judged)
        row.update(
            label=quarter_label(quarter.start),
            partial=partial,
            job_satisfaction=(job.get(quarter.start) or {}).get("average"),
            job_responses=(job.get(quarter.start) or {}).get("responses", 0),
            pulse=(pulse.get(quarter.start) or {}).get("average"),
        )
        quarter_rows.append(row)
    year_rows = []
    for year in history.split("year"):
        judged = Period(max(year.start, first_q), min(year.end, end))
        row = turnover.turnover_row(employments, judged)
        row.update(
            label=str(year.start.year),
            partial=judged != year,
            job_satisfaction=survey_metrics.job_satisfaction_average(judged),
            pulse=survey_metrics.pulse_average(judged),
        )
        year_rows.append(row)
    points = [
        (r["job_satisfaction"], r["rate"])
        for r in quarter_rows
        if not r["partial"] and r["job_satisfaction"] is not None and r["rate"] is not None
    ]
    return {
        "quarters": quarter_rows,
        "years": year_rows,
        "inflection": turnover.estimate_inflection(points),
        "benchmark": float(KpiSettings.load().satisfaction_benchmark),
    }


# --- Client page -----------------------------------------------------------------------


def onboarding_status(client: Client, today: datetime.date) -> dict:
    """Day N of ONBOARDING_DAYS (1-based for people: the contract start is day 1 of 90)."""
    day = client.onboarding_day(today)
    return {
        "in_onboarding": client.is_in_onboarding(today),
        "day_number": day + 1,
        "days": ONBOARDING_DAYS,
        "not_started": day < 0,
        "ends": client.onboarding_end,
    }
