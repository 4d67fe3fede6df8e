"""The PSA's own SLA verdicts beside ours (docs/integrations.md, "SLA verdicts").

A PSA connection (or an import column) stores the PSA's verdict on each ticket
(``Ticket.psa_*``). Our verdict on a ticket is wall-clock against the targets of its
priority (``SLATarget``): known once the ticket is resolved, met when the resolution
and, if there was one, the first response came within their targets. The two disagree
where both are known and differ; ``reason`` tells why when the PSA's fields show it.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# {priority: (first response minutes, resolution minutes)}, as kpis.rollups.sla_targets.
Targets = dict[str, tuple[int, int]]


class Reason(models.TextChoices):
    BUSINESS_HOURS = "business_hours", _("Business hours: within the SLA's hours, not on the clock")
    WAITING = "waiting", _("Waiting status: the PSA paused the SLA")
    PLAN = "plan", _("Plan stage: the PSA's resolution plan was late")
    UNKNOWN = "unknown", _("Unknown")


def _met(priority: str, targets: tuple[int, int]) -> Q:
    first_response, resolution = targets
    return Q(priority=priority, resolution_seconds__lte=resolution * 60) & (
        Q(first_response_seconds__isnull=True) | Q(first_response_seconds__lte=first_response * 60)
    )


def disagreeing(tickets, targets: Targets):
    """The tickets whose PSA verdict differs from ours (none without targets)."""
    if not targets:
        return tickets.none()
    met = reduce(or_, (_met(p, t) for p, t in targets.items()))
    known = Q(priority__in=list(targets), resolution_seconds__isnull=False)
    return tickets.filter((Q(psa_sla_met=False) & met) | (Q(psa_sla_met=True) & known & ~met))


def our_verdict(ticket, targets: Targets) -> bool | None:
    """Our wall-clock verdict on ``ticket``: None while not resolved or without a target
    for its priority."""
    target = targets.get(ticket.priority)
    if target is None or ticket.resolution_seconds is None:
        return None
    return _within(ticket.first_response_seconds, ticket.resolution_seconds, target)


def _within(first_response: int | None, resolution: int | None, target) -> bool:
    """Durations in seconds within the target minutes (no first response: not judged)."""
    fr_ok = first_response is None or first_response <= target[0] * 60
    return fr_ok and resolution is not None and resolution <= target[1] * 60


def reason(ticket, targets: Targets) -> str:
    """Why the PSA's verdict differs from ours, as far as its fields tell (a Reason):

    - we missed, the PSA met:
      *waiting* when our durations less the minutes the PSA did not count (waiting
      status, on hold) are within the targets; else *business hours* when the minutes
      the PSA counted (its SLA calendar) are within the targets;
    - we met, the PSA missed: *plan* when the PSA's resolution-plan stage was missed,
      or, where the PSA gives no verdict per stage (ConnectWise), it measured a plan
      stage and called neither response nor resolution late;
    - otherwise *unknown* (different targets, a ticket excluded in the PSA, …)."""
    target = targets.get(ticket.priority)
    if target is None:
        return Reason.UNKNOWN
    if ticket.psa_sla_met:
        waiting = (ticket.psa_waiting_minutes or 0) * 60
        if waiting and _within(
            _less(ticket.first_response_seconds, waiting),
            _less(ticket.resolution_seconds, waiting),
            target,
        ):
            return Reason.WAITING
        counted = ticket.psa_resolution_minutes
        if counted is not None and _within(
            _times60(ticket.psa_response_minutes), counted * 60, target
        ):
            return Reason.BUSINESS_HOURS
        return Reason.UNKNOWN
    if ticket.psa_plan_met is False or (
        ticket.psa_plan_met is None
        and ticket.psa_plan_minutes is not None
        and ticket.psa_response_met is not False
        and ticket.psa_resolution_met is not False
    ):
        return Reason.PLAN
    return Reason.UNKNOWN


def _less(seconds: int | None, waiting: int) -> int | None:
    return None if seconds is None else max(0, seconds - waiting)


def _times60(minutes: int | None) -> int | None:
    return None if minutes is None else minutes * 60
