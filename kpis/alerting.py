"""E-mails about alerts: a threshold alert to each of the client's responsible staff (the
managers when nobody is responsible), a team satisfaction alert to each manager.

Each recipient's e-mail is an AlertEmail row sent by ``core.delivery`` (claimed
in chunks, each at most once, retried with backoff, swept; see there): a refusal for one
recipient fails that one alone and the others are e-mailed. The rows are stored by
``email_unaddressed`` (run by the periodic checks) for every alert that has none yet, so
an alert whose e-mails were never stored (the process stopped in between) is addressed by
the next check. ``emailed_at`` on the alert records when its first e-mail went out.

In the same transaction each alert is posted to the chat channels that receive its kind
of alert (``organisation.chat.notify``, once per channel, in the channel's language).
"""

from __future__ import annotations

import datetime
import functools
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.roles import MANAGER
from core import delivery
from core.chat import ChatMessage
from core.mail import compose
from core.periods import month_to_date, quarter_label
from core.units import as_percent, number
from organisation import chat
from organisation.models import ChatEvent

from .models import AlertEmail, TeamSatisfactionAlert, ThresholdAlert

logger = logging.getLogger("kpis.alerting")


def managers():
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    return (users.filter(groups__name=MANAGER) | users.filter(is_superuser=True)).distinct()


def client_recipients(client) -> list:
    """Who hears about a client: its active responsible staff with an address; the
    managers when nobody is responsible (threshold alerts, ratings' feedback cases)."""
    staff = client.responsible_staff.filter(is_active=True).exclude(email="")
    return list(staff) or list(managers())


def alert_recipients(alert: ThresholdAlert) -> list:
    """The client's responsible staff; the managers when nobody is responsible."""
    return client_recipients(alert.client)


class AlertEmailKind(delivery.Kind):
    """What the alert e-mails share (these two and integrations.health's): the batch is
    the alert, its first e-mail out stamps ``emailed_at``, the text is in the product's
    language, and the alert is posted to the chat channels that receive its kind."""

    model = AlertEmail
    related = ("user__technician",)
    alert_model: type

    def load_batch(self, alert_id: int):
        return self.alert_model.objects.filter(pk=alert_id).first()

    def recipients(self, alert) -> list:
        raise NotImplementedError

    def address(self, row):
        return row.user.email if row.user else row.email

    def addressee(self, row):
        return getattr(row.user, "technician", None)

    def message(self, alert, row, prepared):
        # In the product's language: delivery activates Kind.language's default.
        return compose(to=row.email, **self.content(alert))

    def content(self, alert) -> dict:
        """subject, template and context of the e-mail."""
        raise NotImplementedError

    chat_event: str

    def chat_message(self, alert) -> ChatMessage:
        """The alert as a chat message, in the active language."""
        raise NotImplementedError

    def delivered(self, alert_id, row_ids, now):
        self.alert_model.objects.filter(pk=alert_id, emailed_at__isnull=True).update(emailed_at=now)

    def email_unaddressed(self, alerts) -> int:
        """Store one queued e-mail per recipient for each of ``alerts`` that has none
        and was not e-mailed, and queue their sending; returns how many alerts."""
        alerts = alerts.filter(emailed_at__isnull=True).exclude(
            Exists(self.model.objects.filter(**{self.batch_field: OuterRef("pk")}))
        )
        addressed = 0
        for alert in alerts:
            # One e-mail per mailbox: addresses differ only in case for the same person.
            users = {user.email.strip().lower(): user for user in self.recipients(alert)}
            with transaction.atomic():
                chat.notify(
                    self.chat_event,
                    alert.pk,
                    functools.partial(self.chat_message, alert),
                    raised_at=alert.created_at,
                )
                if not users:
                    logger.warning(
                        "kpis.alert_without_recipients kind=%s alert=%s", self.name, alert.pk
                    )
                    continue
                self.model.objects.bulk_create(
                    [
                        self.model(**{self.batch_field: alert}, user=user, email=email)
                        for email, user in sorted(users.items())
                    ],
                    ignore_conflicts=True,  # a concurrent check stored them first
                )
                delivery.queue(self.name, alert.pk)
            addressed += 1
        return addressed


class ThresholdAlertEmail(AlertEmailKind):
    name = "kpis.threshold_alert"
    batch_field = "threshold_alert"
    alert_model = ThresholdAlert

    def load_batch(self, alert_id: int):
        return ThresholdAlert.objects.select_related("client").filter(pk=alert_id).first()

    def recipients(self, alert):
        return alert_recipients(alert)

    def content(self, alert):
        if alert.state == "breach":
            subject = _("Escalations over threshold: %(client)s") % {"client": alert.client}
        else:
            subject = _("Escalations approaching threshold: %(client)s") % {"client": alert.client}
        context = {
            "alert": alert,
            "client": alert.client,
            "share_percent": alert.share * 100,
            "threshold_percent": alert.threshold * 100,
            "url": settings.SITE_URL + reverse("insights:client_detail", args=[alert.client_id]),
        }
        return {"subject": subject, "template": "kpis/email/threshold_alert", "context": context}

    chat_event = ChatEvent.KPI_ALERT

    def chat_message(self, alert):
        if alert.state == "breach":
            title = _("Escalations over threshold: %(client)s") % {"client": alert.client}
        else:
            title = _("Escalations approaching threshold: %(client)s") % {"client": alert.client}
        month = formats.date_format(alert.period_start, "YEAR_MONTH_FORMAT")
        return ChatMessage(
            title=title,
            facts=[
                (_("Client"), alert.client.name),
                (_("KPI"), _("Escalation share")),
                (
                    _("Value"),
                    _("%(share)s %% (threshold %(threshold)s %%)")
                    % {
                        "share": number(as_percent(alert.share), 1),
                        "threshold": number(as_percent(alert.threshold), 1),
                    },
                ),
                (
                    _("Escalated tickets"),
                    _("%(escalated)s of %(tickets)s")
                    % {"escalated": number(alert.escalated), "tickets": number(alert.tickets)},
                ),
                (_("Period"), _("%(month)s, month to date") % {"month": month}),
            ],
            link=settings.SITE_URL + reverse("insights:client_detail", args=[alert.client_id]),
            link_text=_("Open the client's page"),
        )


class TeamAlertEmail(AlertEmailKind):
    name = "kpis.team_satisfaction_alert"
    batch_field = "team_alert"
    alert_model = TeamSatisfactionAlert

    def recipients(self, alert):
        return list(managers())

    def content(self, alert):
        return {
            "subject": _("Team job satisfaction below the benchmark"),
            "template": "kpis/email/team_satisfaction",
            "context": {"alert": alert, "url": settings.SITE_URL + reverse("insights:turnover")},
        }

    chat_event = ChatEvent.TEAM_ALERT

    def chat_message(self, alert):
        # Figures of the published quarter only: never an individual's answer.
        return ChatMessage(
            title=_("Team job satisfaction below the benchmark"),
            facts=[
                (_("Quarter"), quarter_label(alert.period_start)),
                (
                    _("Average job satisfaction"),
                    _("%(average)s of 10 (benchmark %(benchmark)s)")
                    % {
                        "average": number(alert.average, 1),
                        "benchmark": number(alert.benchmark, 1),
                    },
                ),
                (_("People who answered"), number(alert.responses)),
            ],
            link=settings.SITE_URL + reverse("insights:turnover"),
            link_text=_("Open the turnover page"),
        )


THRESHOLD_ALERT_EMAILS = delivery.register(ThresholdAlertEmail())
TEAM_ALERT_EMAILS = delivery.register(TeamAlertEmail())


def email_threshold_alerts(today: datetime.date | None = None) -> int:
    """E-mail this month's threshold alerts that have not been addressed yet."""
    month = month_to_date(today or timezone.localdate())
    return THRESHOLD_ALERT_EMAILS.email_unaddressed(
        ThresholdAlert.objects.filter(period_start=month.start)
    )


def email_team_alerts() -> int:
    """E-mail the team satisfaction alerts that have not been addressed yet."""
    return TEAM_ALERT_EMAILS.email_unaddressed(TeamSatisfactionAlert.objects.all())
