"""The team satisfaction alert: job satisfaction (the anonymous in-depth survey's
published quarter) against the benchmark in the KPI settings. Stored as a kpis
TeamSatisfactionAlert and e-mailed by kpis.alerting."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from core.periods import Period
from kpis import alerting
from kpis.models import KpiSettings, TeamSatisfactionAlert
from surveys import metrics as survey_metrics


def judged_quarter(today: datetime.date) -> tuple[Period, float | None, int]:
    """The quarter to judge: the previous whole quarter, by its published figures. Job
    satisfaction comes from the anonymous in-depth survey, whose quarters are published
    only after they end (surveys.publication), so the current quarter is never judged and
    the previous one from the day it is published. Returns (quarter, average 0..10 |
    None, people)."""
    previous = Period.of(Period.of(today, "quarter").start - datetime.timedelta(days=1), "quarter")
    [row] = survey_metrics.job_satisfaction_by_quarter(previous)
    return previous, row["average"], row["responses"]


def record_team_satisfaction_alert(today: datetime.date) -> int | None:
    """Store an alert when the judged quarter's average is below the benchmark (once per
    quarter); returns its id, or None."""
    benchmark = float(KpiSettings.load().satisfaction_benchmark)
    quarter, average, responses = judged_quarter(today)
    if average is None or average >= benchmark:
        return None
    alert, _created = TeamSatisfactionAlert.objects.get_or_create(
        period_start=quarter.start,
        defaults={"average": average, "benchmark": benchmark, "responses": responses},
    )
    return alert.pk


@shared_task(name="insights.tasks.check_team_satisfaction")
def check_team_satisfaction() -> int | None:
    """Alert managers once per quarter when job satisfaction is below the benchmark."""
    alert_id = record_team_satisfaction_alert(timezone.localdate())
    alerting.email_team_alerts()
    return alert_id
