"""E-mails for threshold alerts and team satisfaction alerts, each sent once.

Sending claims the alert first (``emailed_at`` set by a conditional UPDATE), so two
tasks for the same alert cannot both send; a transient SMTP error releases the claim
and raises TransientSendError for the task to retry with backoff.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import mailers
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from msp_maturity.mail import compose, is_transient_smtp_error
from msp_maturity.roles import MANAGER

from .models import KpiSettings, TeamSatisfactionAlert, ThresholdAlert
from .periods import Period, next_quarter, quarter_start

logger = logging.getLogger("kpis.alerting")


class TransientSendError(Exception):
    pass


def manager_emails() -> list[str]:
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    managers = users.filter(groups__name=MANAGER) | users.filter(is_superuser=True)
    return sorted(set(managers.values_list("email", flat=True)))


def alert_recipients(alert: ThresholdAlert) -> list[str]:
    """The client's responsible staff; the managers when nobody is responsible."""
    staff = sorted(
        set(
            alert.client.responsible_staff.filter(is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    return staff or manager_emails()


def _message(subject: str, template: str, context: dict, to: list[str]):
    return compose(to=to, subject=subject, template=f"kpis/email/{template}", context=context)


def _send(model, pk: int, build) -> bool:
    claimed = model.objects.filter(pk=pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return False  # sent already, or being sent
    try:
        message = build()
        if message is None:
            return False
        with mailers.default as connection:
            connection.send_messages([message])
    except Exception as exc:
        model.objects.filter(pk=pk).update(emailed_at=None)
        if is_transient_smtp_error(exc):
            raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc
        raise
    return True


def send_threshold_alert(alert_id: int) -> bool:
    """E-mail the alert once; True if it was sent now."""
    alert = ThresholdAlert.objects.select_related("client").filter(pk=alert_id).first()
    if alert is None:
        return False

    def build():
        recipients = alert_recipients(alert)
        if not recipients:
            logger.warning("kpis.alert_without_recipients alert=%s", alert_id)
            return None
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "alert": alert,
                "client": alert.client,
                "share_percent": alert.share * 100,
                "threshold_percent": alert.threshold * 100,
                "url": settings.SITE_URL + reverse("kpis:client_detail", args=[alert.client_id]),
            }
            if alert.state == "breach":
                subject = _("Escalations over threshold: %(client)s") % {"client": alert.client}
            else:
                subject = _("Escalations approaching threshold: %(client)s") % {
                    "client": alert.client
                }
            return _message(subject, "threshold_alert", context, recipients)

    return _send(ThresholdAlert, alert_id, build)


# --- Team satisfaction -----------------------------------------------------------------


def judged_quarter(today: datetime.date) -> tuple[Period, float | None, int]:
    """The quarter to judge: the current one to date if enough people answered in it,
    else the previous whole quarter. Returns (quarter, average 0..10 | None, responses)."""
    from surveys import metrics as survey_metrics

    current = Period(quarter_start(today), next_quarter(today))
    rows = survey_metrics.job_satisfaction_by_period(
        quarter_start(current.start - datetime.timedelta(days=1)), current.end, period="quarter"
    )
    by_start = {row["period_start"]: row for row in rows}
    row = by_start.get(current.start)
    if row and row["average"] is not None:
        return current, row["average"], row["responses"]
    previous_start = quarter_start(current.start - datetime.timedelta(days=1))
    row = by_start.get(previous_start) or {"average": None, "responses": 0}
    return Period(previous_start, current.start), row["average"], row["responses"]


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


def unsent_team_alerts() -> list[int]:
    return list(
        TeamSatisfactionAlert.objects.filter(emailed_at__isnull=True).values_list("pk", flat=True)
    )


def send_team_satisfaction_alert(alert_id: int) -> bool:
    alert = TeamSatisfactionAlert.objects.filter(pk=alert_id).first()
    if alert is None:
        return False

    def build():
        recipients = manager_emails()
        if not recipients:
            return None
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "alert": alert,
                "url": settings.SITE_URL + reverse("kpis:turnover"),
            }
            subject = _("Team job satisfaction below the benchmark")
            return _message(subject, "team_satisfaction", context, recipients)

    return _send(TeamSatisfactionAlert, alert_id, build)
