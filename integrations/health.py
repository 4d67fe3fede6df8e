"""Whether a PSA connection is healthy, and its alert when it is not.

A connection is **failing** when its pulls have failed for its ``alert_after`` (since the
first failure after the last success), and **silent** when neither an event nor a
successful pull came for that long (counted from its creation when none ever came).
``check`` (a Celery beat task) raises one ``IntegrationAlert`` per incident, e-mailed
once to the managers and posted once to the chat channels that receive connection
alerts (the alert e-mail mechanism of kpis.alerting, on core.delivery and
organisation.chat); a later check that finds the connection still silent or failing
sends nothing again, and one that finds it healthy closes the alert. The next incident
is a new alert.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core import delivery
from core.chat import ChatMessage
from kpis.alerting import AlertEmailKind, managers
from kpis.models import Ticket
from organisation.models import ChatEvent, Client, Contact, Technician

from .models import AlertReason, Integration, IntegrationAlert, IntegrationAlertEmail

logger = logging.getLogger("integrations.health")


def problem(
    integration: Integration, now: datetime.datetime
) -> tuple[str, datetime.datetime] | None:
    """(reason, since when) of a connection silent or failing for longer than its
    ``alert_after``; None when it is healthy."""
    limit = integration.alert_after
    if integration.failing_since and now - integration.failing_since >= limit:
        return AlertReason.FAILING, integration.failing_since
    heard = [integration.last_event_at, integration.last_pull_ok_at, integration.created_at]
    last_heard = max(moment for moment in heard if moment)
    if now - last_heard >= limit:
        return AlertReason.SILENT, last_heard
    return None


def check(now: datetime.datetime | None = None) -> dict[str, int]:
    """Raise, update and close the alerts of every connection; e-mail the new ones.
    Returns how many alerts were raised and closed."""
    now = now or timezone.now()
    open_alerts = {a.integration_id: a for a in IntegrationAlert.objects.open()}
    raised = closed = 0
    for integration in Integration.objects.all():
        found = problem(integration, now)
        alert = open_alerts.get(integration.pk)
        if found is None:
            if alert is not None:
                IntegrationAlert.objects.filter(pk=alert.pk).update(closed_at=now)
                logger.info("integrations.alert_closed alert=%s", alert.pk)
                closed += 1
            continue
        reason, since = found
        message = integration.last_error if reason == AlertReason.FAILING else ""
        if alert is None:
            # A check running at the same time stored it first: the constraint keeps one.
            created = IntegrationAlert.objects.bulk_create(
                [
                    IntegrationAlert(
                        integration=integration, reason=reason, since=since, message=message
                    )
                ],
                ignore_conflicts=True,
            )
            raised += len(created)
            logger.info(
                "integrations.alert_raised integration=%s reason=%s", integration.pk, reason
            )
        elif (alert.reason, alert.message) != (reason, message):
            # The same incident (no second e-mail): the page shows its current state.
            IntegrationAlert.objects.filter(pk=alert.pk).update(reason=reason, message=message)
    INTEGRATION_ALERT_EMAILS.email_unaddressed(
        IntegrationAlert.objects.open().select_related("integration")
    )
    return {"raised": raised, "closed": closed}


def status_url(alert: IntegrationAlert) -> str:
    return settings.SITE_URL + reverse("integrations:status", args=[alert.integration_id])


def title(alert: IntegrationAlert) -> str:
    if alert.reason == AlertReason.FAILING:
        return _("PSA connection failing: %(name)s") % {"name": alert.integration.name}
    return _("PSA connection silent: %(name)s") % {"name": alert.integration.name}


def facts(alert: IntegrationAlert) -> list[tuple[str, str]]:
    """What the e-mail and the chat post name, in the active language."""
    since = formats.date_format(timezone.localtime(alert.since), "SHORT_DATETIME_FORMAT")
    rows = [
        (_("PSA connection"), alert.integration.name),
        (_("PSA"), alert.integration.get_kind_display()),
        (_("Since"), since),
    ]
    if alert.reason == AlertReason.FAILING:
        rows.append((_("The PSA's message"), alert.message or "—"))
    else:
        rows.append((_("What happened"), _("No event and no successful pull arrived.")))
    return rows


class IntegrationAlertEmailKind(AlertEmailKind):
    name = "integrations.alert"
    model = IntegrationAlertEmail
    batch_field = "alert"
    alert_model = IntegrationAlert
    chat_event = ChatEvent.INTEGRATION_ALERT

    def load_batch(self, alert_id: int):
        return IntegrationAlert.objects.select_related("integration").filter(pk=alert_id).first()

    def recipients(self, alert):
        return list(managers())

    def content(self, alert):
        return {
            "subject": title(alert),
            "template": "integrations/email/alert",
            "context": {"facts": facts(alert), "url": status_url(alert)},
        }

    def chat_message(self, alert):
        return ChatMessage(
            title=title(alert),
            facts=facts(alert),
            link=status_url(alert),
            link_text=_("Open the connection's status"),
        )


INTEGRATION_ALERT_EMAILS = delivery.register(IntegrationAlertEmailKind())


# Failed events and alerts the status page lists.
RECENT = 10


def status(integration: Integration, now: datetime.datetime) -> dict:
    """The figures of a connection's status page, each aggregated in the database (a
    fixed number of queries): its cursors, the records of its data source, its events
    of the last 24 hours, the records waiting for the next pull, the recent failed
    events with the PSA's message, and its recent alerts."""
    source_id = integration.data_source_id
    day_ago = now - datetime.timedelta(hours=24)
    failed = Q(processed_at__isnull=True) & ~Q(error="")
    events = integration.events.aggregate(
        stored=Count("pk", filter=Q(received_at__gte=day_ago)),
        applied=Count("pk", filter=Q(received_at__gte=day_ago, processed_at__isnull=False)),
        failed=Count("pk", filter=Q(received_at__gte=day_ago) & failed),
        last_applied=Max("processed_at"),
    )
    records = [
        (label, model.objects.filter(data_source_id=source_id).count())
        for label, model in (
            (_("clients"), Client),
            (_("contacts"), Contact),
            (_("technicians"), Technician),
            (_("tickets"), Ticket),
        )
    ]
    return {
        "cursors": list(integration.cursors.order_by("entity")),
        "records": records,
        "events": events,
        "dirty": integration.dirty.count(),
        "failed_events": list(
            integration.events.filter(failed)
            .only("received_at", "entity", "external_id", "action", "attempts", "error")
            .order_by("-received_at", "-pk")[:RECENT]
        ),
        "alerts": list(integration.alerts.all()[:RECENT]),
        "problem": problem(integration, now),
    }
