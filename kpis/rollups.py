"""Keep the daily per-client ticket rollups equal to what the tickets say.

``refresh(client_ids, first_day, last_day)`` recomputes the rows of those clients in that
day range from the tickets (one aggregate query, one delete, batched inserts); imports,
the webhook and admin edits call it for what they touched, the periodic task for the
last days, and ``rebuild_all()`` for everything (after SLA targets change).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Q

from .models import (
    ONBOARDING_DAYS,
    PRIORITIES,
    Client,
    SLATarget,
    Source,
    Ticket,
    TicketDailyRollup,
)

BATCH_SIZE = 2000


def _aggregates(targets: dict[str, tuple[int, int]]) -> dict:
    aggregates = {
        "tickets": Count("id"),
        "escalated": Count("id", filter=Q(escalated=True)),
        "from_client": Count("id", filter=Q(source=Source.CLIENT)),
        "from_monitoring": Count("id", filter=Q(source=Source.MONITORING)),
        "from_automation": Count("id", filter=Q(source=Source.AUTOMATION)),
        "from_self_service": Count("id", filter=Q(source=Source.SELF_SERVICE)),
        "proactive": Count("id", filter=Q(proactive=True)),
        "auto_remediated": Count("id", filter=Q(auto_remediated=True)),
    }
    for priority in PRIORITIES:
        if priority not in targets:
            continue  # no target: not measured
        first_response, resolution = targets[priority]
        aggregates[f"fr_measured_{priority}"] = Count(
            "id", filter=Q(priority=priority, first_response_seconds__isnull=False)
        )
        aggregates[f"fr_met_{priority}"] = Count(
            "id", filter=Q(priority=priority, first_response_seconds__lte=first_response * 60)
        )
        aggregates[f"res_measured_{priority}"] = Count(
            "id", filter=Q(priority=priority, resolution_seconds__isnull=False)
        )
        aggregates[f"res_met_{priority}"] = Count(
            "id", filter=Q(priority=priority, resolution_seconds__lte=resolution * 60)
        )
    return aggregates


def sla_targets() -> dict[str, tuple[int, int]]:
    """{priority: (first response minutes, resolution minutes)}."""
    return {
        row["priority"]: (row["first_response_minutes"], row["resolution_minutes"])
        for row in SLATarget.objects.values(
            "priority", "first_response_minutes", "resolution_minutes"
        )
    }


def is_onboarding_day(contract_start: datetime.date, day: datetime.date) -> bool:
    """Day 0..ONBOARDING_DAYS-1 after contract start (as Client.is_in_onboarding)."""
    return 0 <= (day - contract_start).days < ONBOARDING_DAYS


def _row(client_id: int, day: datetime.date, contract_start, values: dict) -> TicketDailyRollup:
    rollup = TicketDailyRollup(
        client_id=client_id, day=day, onboarding=is_onboarding_day(contract_start, day)
    )
    for name, value in values.items():
        setattr(rollup, name, value)
    for key in ("fr_measured", "fr_met", "res_measured", "res_met"):
        total = sum(values.get(f"{key}_{p}", 0) for p in PRIORITIES)
        setattr(rollup, _TOTALS[key], total)
    return rollup


_TOTALS = {
    "fr_measured": "first_response_measured",
    "fr_met": "first_response_met",
    "res_measured": "resolution_measured",
    "res_met": "resolution_met",
}


def refresh(
    client_ids: Iterable[int] | None,
    first_day: datetime.date | None = None,
    last_day: datetime.date | None = None,
) -> int:
    """Recompute the rollups of ``client_ids`` (None: all clients) for days in
    [first_day, last_day] (None: unbounded). Returns the number of rollup rows written."""
    tickets = Ticket.objects.all()
    rollups = TicketDailyRollup.objects.all()
    clients = Client.objects.all()
    if client_ids is not None:
        client_ids = sorted(set(client_ids))
        if not client_ids:
            return 0
        tickets = tickets.filter(client_id__in=client_ids)
        rollups = rollups.filter(client_id__in=client_ids)
        clients = clients.filter(pk__in=client_ids)
    if first_day is not None:
        tickets = tickets.filter(opened_on__gte=first_day)
        rollups = rollups.filter(day__gte=first_day)
    if last_day is not None:
        tickets = tickets.filter(opened_on__lte=last_day)
        rollups = rollups.filter(day__lte=last_day)
    starts = dict(clients.values_list("pk", "contract_start"))
    aggregates = _aggregates(sla_targets())
    names = list(aggregates)
    grouped = (
        tickets.values("client_id", "opened_on")
        .order_by()
        .annotate(**aggregates)
        .values_list("client_id", "opened_on", *names)
    )
    written = 0
    with transaction.atomic():
        rollups.delete()
        batch = []
        for client_id, day, *counts in grouped.iterator(chunk_size=BATCH_SIZE):
            batch.append(
                _row(client_id, day, starts[client_id], dict(zip(names, counts, strict=True)))
            )
            if len(batch) >= BATCH_SIZE:
                TicketDailyRollup.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        if batch:
            TicketDailyRollup.objects.bulk_create(batch)
            written += len(batch)
    return written


def rebuild_all() -> int:
    """Recompute every rollup from the tickets."""
    return refresh(None)


def update_onboarding_flags(client_ids: Iterable[int]) -> None:
    """After a contract start changed: set the onboarding flag of the clients' rollups
    from their current contract start (two updates per client)."""
    for client_id, contract_start in Client.objects.filter(pk__in=list(client_ids)).values_list(
        "pk", "contract_start"
    ):
        end = contract_start + datetime.timedelta(days=ONBOARDING_DAYS)
        window = Q(day__gte=contract_start, day__lt=end)
        rows = TicketDailyRollup.objects.filter(client_id=client_id)
        rows.filter(window).exclude(onboarding=True).update(onboarding=True)
        rows.exclude(window).exclude(onboarding=False).update(onboarding=False)


class Touched:
    """Collects which clients and days a write touched, in constant memory per client."""

    def __init__(self):
        self.ranges: dict[int, tuple[datetime.date, datetime.date]] = {}

    def add(self, client_id: int, day: datetime.date) -> None:
        low, high = self.ranges.get(client_id, (day, day))
        self.ranges[client_id] = (min(low, day), max(high, day))

    def __bool__(self):
        return bool(self.ranges)

    @property
    def client_ids(self) -> list[int]:
        return sorted(self.ranges)

    def refresh(self) -> int:
        """Recompute the touched clients over the widest touched day range."""
        if not self.ranges:
            return 0
        first = min(low for low, _high in self.ranges.values())
        last = max(high for _low, high in self.ranges.values())
        return refresh(self.client_ids, first, last)
