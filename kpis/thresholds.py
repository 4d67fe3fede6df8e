"""Escalation thresholds per client and the alerts they raise.

The period judged is the calendar month up to today (``periods.month_to_date``). The
state of every client comes from the rollups in a fixed number of queries (clients, sums
per client, settings). A client that is at ``warning`` or ``breach`` and has no alert
for that state in this month gets one (unique per client, month and state), so moving
ok -> warning, ok -> breach and warning -> breach each raise exactly one alert a month,
and falling back and rising again raises nothing new.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from celery import shared_task
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.periods import Period, month_to_date
from organisation.models import Client

from . import alerting, metrics
from .models import AlertState, KpiSettings, ThresholdAlert

logger = logging.getLogger("kpis.tasks")

LEVELS = {AlertState.WARNING: 1, AlertState.BREACH: 2}


@dataclass
class ClientState:
    client_id: int
    name: str
    tickets: int
    escalated: int
    share: float | None
    threshold: float  # 0..1
    state: str
    threshold_overridden: bool


# The rollup counts an escalation state is judged from (metrics.sums_by_client).
ESCALATION_FIELDS = ("tickets", "escalated")


def client_states(
    period: Period,
    client_ids=None,
    settings: KpiSettings | None = None,
    sums: dict[int, dict] | None = None,
    clients: list[tuple] | None = None,
) -> list[ClientState]:
    """Every (active) client's escalation state in ``period``, by name; three queries,
    fewer with what the caller read already: ``sums``, every client's ESCALATION_FIELDS
    summed over ``period`` (metrics.sums_by_client: {client id: {"tickets",
    "escalated"}}), and ``clients``, the active clients' (pk, name,
    escalation_threshold) by name."""
    settings = settings or KpiSettings.load()
    if clients is None:
        active = Client.objects.active()
        if client_ids is not None:
            active = active.filter(pk__in=list(client_ids))
        clients = active.values_list("pk", "name", "escalation_threshold")
    if sums is None:
        sums = metrics.sums_by_client({"month": (period, ESCALATION_FIELDS)}, client_ids)["month"]
    result = []
    for pk, name, override in clients:
        row = sums.get(pk, {})
        result.append(
            _state(pk, name, override, row.get("tickets") or 0, row.get("escalated") or 0, settings)
        )
    return result


def client_state(
    client: Client, tickets: int, escalated: int, settings: KpiSettings | None = None
) -> ClientState | None:
    """``client_states(period, [client.pk])``'s one state for a client already loaded,
    from its tickets and escalations in the period already summed (``metrics.totals``
    over the same rollup rows): one query, the settings, instead of three. None for an
    inactive client, which ``client_states`` leaves out."""
    if not client.is_active:
        return None
    settings = settings or KpiSettings.load()
    return _state(client.pk, client.name, client.escalation_threshold, tickets, escalated, settings)


def _state(pk, name, override, tickets: int, escalated: int, settings) -> ClientState:
    default = float(settings.default_threshold) / 100
    threshold = float(override) / 100 if override is not None else default
    return ClientState(
        client_id=pk,
        name=name,
        tickets=tickets,
        escalated=escalated,
        share=metrics.escalation_share(escalated, tickets),
        threshold=threshold,
        state=metrics.threshold_state(
            tickets,
            escalated,
            threshold,
            float(settings.warning_percent) / 100,
            settings.minimum_tickets,
        ),
        threshold_overridden=override is not None,
    )


def record_alerts(today: datetime.date | None = None) -> list[int]:
    """Judge every client for the month to date and store the alerts due; returns the ids
    of the new alerts (to e-mail). Safe to run twice: the second run finds them stored."""
    today = today or timezone.localdate()
    period = month_to_date(today)
    states = [s for s in client_states(period) if s.state in LEVELS]
    if not states:
        return []
    existing = set(
        ThresholdAlert.objects.filter(
            period_start=period.start, client_id__in=[s.client_id for s in states]
        ).values_list("client_id", "state")
    )
    new_ids = []
    for state in states:
        # A breach this month outranks a later warning: nothing to say.
        already = {level for (cid, level) in existing if cid == state.client_id}
        if state.state in already or (
            state.state == AlertState.WARNING and AlertState.BREACH in already
        ):
            continue
        try:
            with transaction.atomic():
                alert = ThresholdAlert.objects.create(
                    client_id=state.client_id,
                    period_start=period.start,
                    state=state.state,
                    share=state.share or 0.0,
                    tickets=state.tickets,
                    escalated=state.escalated,
                    threshold=state.threshold,
                )
        except IntegrityError:
            continue  # a concurrent check stored it first
        new_ids.append(alert.pk)
    return new_ids


# Defined beside its service so that every writer of tickets can queue it (kpis.upsert);
# kpis.tasks imports it for the worker.
@shared_task(name="kpis.tasks.check_thresholds")
def check_thresholds() -> list[int]:
    """Judge every client for the month to date; store the new alerts and e-mail every
    alert of the month not e-mailed yet (kpis/alerting.py)."""
    new_ids = record_alerts()
    alerting.email_threshold_alerts()
    if new_ids:
        logger.info("kpis.alerts_raised count=%s", len(new_ids))
    return new_ids
