"""Measured figures shown beside the self-assessment statements.

``evidence_for_statements(on_date)`` returns ``{statement key: {"label": str, "value":
str}}`` for the statements the data can speak to, over the 90 days up to ``on_date``.
The assessments app renders them next to the self-rating (assessments.evidence).
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from core.periods import Period
from kpis import metrics
from kpis.models import PRIORITIES, SLATarget, Ticket
from organisation.models import Client
from surveys import metrics as survey_metrics

from . import formatting as fmt

WINDOW_DAYS = 90


def _median(tickets, field: str, count: int) -> int | None:
    """The median of an integer field over ``count`` non-null values; one query."""
    if not count:
        return None
    values = list(
        tickets.filter(**{f"{field}__isnull": False})
        .order_by(field)
        .values_list(field, flat=True)[(count - 1) // 2 : count // 2 + 1]
    )
    if not values:
        return None
    return sum(values) / len(values)


def support_time_medians(period: Period, totals: dict) -> list[dict]:
    """Per priority with a target: median first response and resolution (seconds) of the
    tickets opened in the period, and whether each is within its target."""
    targets = {t.priority: t for t in SLATarget.objects.all()}
    tickets = Ticket.objects.opened_between(period.start, period.end)
    rows = []
    for priority in PRIORITIES:
        target = targets.get(priority)
        if target is None:
            continue
        of_priority = tickets.filter(priority=priority)
        first = _median(
            of_priority, "first_response_seconds", totals.get(f"fr_measured_{priority}", 0)
        )
        resolution = _median(
            of_priority, "resolution_seconds", totals.get(f"res_measured_{priority}", 0)
        )
        rows.append(
            {
                "priority": priority,
                "first_response": first,
                "first_response_ok": None
                if first is None
                else first <= target.first_response_minutes * 60,
                "resolution": resolution,
                "resolution_ok": None
                if resolution is None
                else resolution <= target.resolution_minutes * 60,
            }
        )
    return rows


def _entry(label: str, value: str | None, missing: str) -> dict:
    """One statement's evidence: ``value``, or ``missing`` when there is nothing to show."""
    return {"label": label, "value": missing if value is None else value}


def evidence_for_statements(on_date: datetime.date) -> dict[str, dict]:
    period = Period.last_days(WINDOW_DAYS, on_date)
    totals = metrics.totals(period)
    no_tickets_measured = _("No tickets measured")

    sla = metrics.sla_attainment(totals)
    survey = survey_metrics.client_onboarding_summary(period)
    checks = [
        ok
        for row in support_time_medians(period, totals)
        for ok in (row["first_response_ok"], row["resolution_ok"])
        if ok is not None
    ]
    counts = Client.objects.aggregate(
        total=Count("id"), inactive=Count("id", filter=Q(is_active=False))
    )
    proactive = metrics.proactive_shares(totals)
    return {
        "sla_targets_met": _entry(
            _("SLA attainment, last 90 days"),
            _("%(share)s of %(n)d measurements within target")
            % {"share": fmt.percent(sla["overall"]), "n": sla["measured"]}
            if sla["overall"] is not None
            else None,
            no_tickets_measured,
        ),
        "csat_nps_tracked": _entry(
            _("Onboarding survey, last 90 days"),
            _("CSAT %(csat)s, NPS %(nps)s from %(n)d responses")
            % {
                "csat": fmt.percent(survey["csat"], 0),
                "nps": fmt.number(survey["nps"], 0),
                "n": survey["responses"],
            }
            if survey["responses"]
            else None,
            _("No survey responses"),
        ),
        "support_times_benchmarks": _entry(
            _("Median support times vs. targets, last 90 days"),
            _("%(ok)d of %(n)d medians within target (first response and resolution per priority)")
            % {"ok": sum(checks), "n": len(checks)}
            if checks
            else None,
            no_tickets_measured,
        ),
        "churn_tracked": _entry(
            _("Clients lost (marked inactive)"),
            _("%(lost)d of %(total)d clients inactive")
            % {"lost": counts["inactive"], "total": counts["total"]}
            if counts["total"]
            else None,
            _("Not tracked: no clients recorded"),
        ),
        "proactive_resolution": _entry(
            _("Resolved before a failure, last 90 days"),
            _("%(share)s of %(n)d tickets")
            % {"share": fmt.percent(proactive["proactive_share"]), "n": proactive["tickets"]}
            if proactive["tickets"]
            else None,
            _("No tickets"),
        ),
    }
