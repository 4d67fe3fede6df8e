"""Keep the daily per-client ticket rollups, and their sums per segment, equal to what
the tickets say.

``refresh(client_ids, first_day, last_day)`` recomputes the rows of those clients in that
day range from the tickets (one aggregate query, one delete, batched inserts), then the
segment rows of those clients' segments and days from the client rows
(``refresh_segments``: one delete, one ``INSERT … SELECT … GROUP BY``); imports, the
webhook and the ticket admin call it for what they touched (``Touched``), the periodic
task for the last days, and ``rebuild_all()`` for everything (after SLA targets change).
A client's change of segment or contract start and a client's deletion recompute the
segment rows of its days (``client_changed``, ``day_range`` with ``refresh_segments``;
see kpis/signals.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q

from organisation.models import Client, in_onboarding, onboarding_end

from . import bulk
from .models import PRIORITIES, SegmentDailyRollup, SLATarget, Source, Ticket, TicketDailyRollup
from .models.tickets import COUNT_FIELDS

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
        "psa_known": Count("id", filter=Q(psa_sla_met__isnull=False)),
        "psa_met": Count("id", filter=Q(psa_sla_met=True)),
        "psa_response_known": Count("id", filter=Q(psa_response_met__isnull=False)),
        "psa_response_met": Count("id", filter=Q(psa_response_met=True)),
        "psa_resolution_known": Count("id", filter=Q(psa_resolution_met__isnull=False)),
        "psa_resolution_met": Count("id", filter=Q(psa_resolution_met=True)),
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


_TOTALS = {
    "fr_measured": "first_response_measured",
    "fr_met": "first_response_met",
    "res_measured": "resolution_measured",
    "res_met": "resolution_met",
}
ROW_FIELDS = ["client_id", "day", "onboarding", *COUNT_FIELDS]


def _row(client_id: int, day: datetime.date, contract_start, values: dict) -> tuple:
    """The ROW_FIELDS values of one client-day from its grouped ticket counts."""
    counts = dict.fromkeys(COUNT_FIELDS, 0)
    counts.update(values)
    for key, total in _TOTALS.items():
        counts[total] = sum(values.get(f"{key}_{p}", 0) for p in PRIORITIES)
    return (
        client_id,
        day,
        in_onboarding(contract_start, day),
        *(counts[name] for name in COUNT_FIELDS),
    )


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
    segments = None if client_ids is None else set(clients.values_list("segment", flat=True))
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
                written += bulk.insert(TicketDailyRollup, ROW_FIELDS, batch, BATCH_SIZE)
                batch = []
        written += bulk.insert(TicketDailyRollup, ROW_FIELDS, batch, BATCH_SIZE)
        refresh_segments(segments, first_day, last_day)
    return written


def refresh_segments(
    segments: Iterable[str] | None,
    first_day: datetime.date | None = None,
    last_day: datetime.date | None = None,
) -> None:
    """Recompute the segment rows of ``segments`` (None: all) for days in [first_day,
    last_day] (None: unbounded) from the per-client rows: one DELETE and one
    ``INSERT … SELECT … GROUP BY day, segment``, whatever the number of rows."""
    if segments is not None:
        segments = sorted(set(segments))
        if not segments:
            return
    quote = connection.ops.quote_name
    target = SegmentDailyRollup._meta.db_table
    source = TicketDailyRollup._meta.db_table
    clients = Client._meta.db_table
    conditions, params = [], []
    if first_day is not None:
        conditions.append("r.day >= %s")
        params.append(first_day)
    if last_day is not None:
        conditions.append("r.day <= %s")
        params.append(last_day)
    if segments is not None:
        conditions.append(f"c.segment IN ({', '.join(['%s'] * len(segments))})")
        params.extend(segments)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    delete_where = where.replace("r.day", "day").replace("c.segment", "segment")
    columns = ", ".join(quote(name) for name in COUNT_FIELDS)
    sums = ", ".join(f"SUM(r.{quote(name)})" for name in COUNT_FIELDS)
    onboarding = quote("onboarding")
    # Every statement names its tables and columns from the models; values are params.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(target)} {delete_where}", params)  # noqa: S608
        cursor.execute(
            f"INSERT INTO {quote(target)} (day, segment, {columns}, "  # noqa: S608
            "onboarding_tickets, onboarding_escalated) "
            f"SELECT r.day, c.segment, {sums}, "
            f"SUM(CASE WHEN r.{onboarding} THEN r.tickets ELSE 0 END), "
            f"SUM(CASE WHEN r.{onboarding} THEN r.escalated ELSE 0 END) "
            f"FROM {quote(source)} r JOIN {quote(clients)} c ON c.id = r.client_id "
            f"{where} GROUP BY r.day, c.segment",
            params,
        )


def day_range(client_ids: Iterable[int]) -> tuple[datetime.date | None, datetime.date | None]:
    """The first and last day with per-client rows of these clients (None, None: none)."""
    row = TicketDailyRollup.objects.filter(client_id__in=list(client_ids)).aggregate(
        first=Min("day"), last=Max("day")
    )
    return row["first"], row["last"]


def client_changed(client_ids: Iterable[int], old_segments: Iterable[str] = ()) -> None:
    """After clients changed segment or contract start: set their rollups' onboarding
    flags, then recompute the segment rows of their days, for their current segments and
    ``old_segments`` (the ones they left)."""
    client_ids = list(client_ids)
    if not client_ids:
        return
    update_onboarding_flags(client_ids)
    first, last = day_range(client_ids)
    if first is None:
        return
    current = Client.objects.filter(pk__in=client_ids).values_list("segment", flat=True)
    refresh_segments({*current, *old_segments}, first, last)


def rebuild_all() -> int:
    """Recompute every rollup from the tickets."""
    return refresh(None)


def update_onboarding_flags(client_ids: Iterable[int]) -> None:
    """After a contract start changed: set the onboarding flag of the clients' rollups
    from their current contract start (two updates per client). The segment rows sum
    these flags: use ``client_changed``, which also recomputes them."""
    for client_id, contract_start in Client.objects.filter(pk__in=list(client_ids)).values_list(
        "pk", "contract_start"
    ):
        window = Q(day__gte=contract_start, day__lt=onboarding_end(contract_start))
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
        """Recompute the touched clients (and their segments) over the widest touched
        day range; returns the number of rollup rows written."""
        if not self.ranges:
            return 0
        first = min(low for low, _high in self.ranges.values())
        last = max(high for _low, high in self.ranges.values())
        return refresh(self.client_ids, first, last)
