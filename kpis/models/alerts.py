"""Alerts: a client approaching or over its escalation threshold, and the team's job
satisfaction below the benchmark. Each is recorded once; each recipient's e-mail about it
is an AlertEmail, sent once or visibly not at all (kpis/alerting.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.delivery import Delivery, recipient_field
from organisation.models import Client


class AlertState(models.TextChoices):
    OK = "ok", _("OK")
    WARNING = "warning", _("Approaching threshold")
    BREACH = "breach", _("Over threshold")
    NOT_JUDGED = "not_judged", _("Not judged (too few tickets)")


class ThresholdAlertQuerySet(models.QuerySet):
    def open(self):
        return self.filter(acknowledged_at__isnull=True)


class ThresholdAlert(models.Model):
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("client")
    )
    # The first day of the calendar month the client was judged in.
    period_start = models.DateField(_("month"))
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=[
            (AlertState.WARNING, AlertState.WARNING.label),
            (AlertState.BREACH, AlertState.BREACH.label),
        ],
    )
    share = models.FloatField(_("escalation share"), help_text=_("0..1"))
    tickets = models.PositiveIntegerField(_("tickets"))
    escalated = models.PositiveIntegerField(_("escalated"))
    threshold = models.FloatField(_("threshold"), help_text=_("0..1"))
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    # When the first of its e-mails went out (each recipient's is an AlertEmail).
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )

    objects = ThresholdAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("threshold alert")
        verbose_name_plural = _("threshold alerts")
        constraints = [
            # Once per client, month and state: a client going back and forth is alerted
            # for each level once a month, never repeatedly.
            models.UniqueConstraint(
                fields=["client", "period_start", "state"], name="alert_once_per_state_and_period"
            )
        ]
        indexes = [
            # Dashboard and alert list: open alerts newest first.
            models.Index(fields=["acknowledged_at", "-created_at"], name="alert_open_recent"),
        ]

    def __str__(self):
        return f"{self.client} {self.period_start:%Y-%m} {self.state}"


class TeamSatisfactionAlert(models.Model):
    """The team's average job satisfaction in a quarter fell below the benchmark."""

    period_start = models.DateField(_("quarter"), unique=True)
    average = models.FloatField(_("average job satisfaction"))
    benchmark = models.FloatField(_("benchmark"))
    responses = models.PositiveIntegerField(_("responses"))
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        ordering = ["-period_start"]
        verbose_name = _("team satisfaction alert")
        verbose_name_plural = _("team satisfaction alerts")

    def __str__(self):
        return f"{self.period_start} {self.average:.2f} < {self.benchmark:.2f}"


class AlertEmail(Delivery):
    """One alert e-mail to one person: a threshold alert to each of the client's
    responsible staff (or the managers), a team satisfaction alert to each manager."""

    threshold_alert = models.ForeignKey(
        ThresholdAlert,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emails",
        verbose_name=_("threshold alert"),
    )
    team_alert = models.ForeignKey(
        TeamSatisfactionAlert,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emails",
        verbose_name=_("team satisfaction alert"),
    )
    user = recipient_field()

    class Meta:
        ordering = ["id"]
        verbose_name = _("alert e-mail")
        verbose_name_plural = _("alert e-mails")
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold_alert__isnull=False, team_alert__isnull=True)
                | Q(threshold_alert__isnull=True, team_alert__isnull=False),
                name="alert_email_one_alert",
            ),
            # One e-mail per alert and address, even when the check runs twice.
            models.UniqueConstraint(
                fields=["threshold_alert", "email"],
                condition=Q(threshold_alert__isnull=False),
                name="alert_email_once",
            ),
            models.UniqueConstraint(
                fields=["team_alert", "email"],
                condition=Q(team_alert__isnull=False),
                name="team_alert_email_once",
            ),
        ]
        indexes = [
            # The e-mail sweep: queued or stale sending e-mails.
            models.Index(fields=["status", "created_at"], name="alert_email_status"),
        ]

    def __str__(self):
        return f"{self.threshold_alert or self.team_alert} → {self.email}"
