"""KPI formulas and the figures the dashboard shows, computed from the daily rollups.

Shares are fractions 0..1 (templates show them as percentages); every figure is None
when there is nothing to divide by, rendered as "—". Functions that read the database
take a ``Period``, an optional list of client ids and an optional segment, and run a fixed
number of queries whatever the number of tickets. With client ids they sum the per-client
daily rollups (TicketDailyRollup); without, the daily rollups per segment
(SegmentDailyRollup: one segment, or all of them for the whole organisation), so a
half-year trend of 500 clients reads about 183 x segments rows, not 91,000.

Early support (onboarding) vs ongoing support: a ticket opened on day N after its
client's contract start (day 0 = the contract start date) counts as early support when
0 <= N < ONBOARDING_DAYS (90), i.e. days 0..89; day 90 and later are ongoing support.
So a ticket on day 89 is early, on day 90 and day 91 ongoing (organisation.models
ONBOARDING_DAYS and in_onboarding, the one rule).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from core.periods import Period

from .models import PRIORITIES, AlertState, SegmentDailyRollup, TicketDailyRollup
from .models.tickets import COUNT_FIELDS, SEGMENT_COUNT_FIELDS

# --- Formulas --------------------------------------------------------------------------


def share(part: int | None, whole: int | None) -> float | None:
    """part / whole as a fraction 0..1; None when whole is 0 or None."""
    if not whole:
        return None
    return (part or 0) / whole


def escalation_share(escalated: int, tickets: int) -> float | None:
    """Escalated tickets / all tickets (0..1); None without tickets."""
    return share(escalated, tickets)


def threshold_state(
    tickets: int,
    escalated: int,
    threshold: float,
    warning_fraction: float,
    minimum_tickets: int,
) -> str:
    """A client's escalation state: ``not_judged`` with fewer than ``minimum_tickets``
    tickets, ``breach`` when the share is at or above ``threshold`` (0..1),
    ``warning`` at or above ``warning_fraction * threshold``, else ``ok``.

    Compared in integers (escalated * 10000 against tickets * threshold * 10000 rounded)
    so 8 of 100 against 10 % x 80 % is exactly at the warning level."""
    if tickets <= 0 or tickets < minimum_tickets:
        return AlertState.NOT_JUDGED
    scaled = escalated * 1_000_000
    if scaled >= round(threshold * 1_000_000) * tickets:
        return AlertState.BREACH
    if scaled >= round(threshold * warning_fraction * 1_000_000) * tickets:
        return AlertState.WARNING
    return AlertState.OK


def proactive_shares(totals: dict) -> dict:
    """From summed rollup counts: proactive (resolved before a failure) count and share,
    share from monitoring + automation, share auto-remediated, share via self-service
    (all 0..1 of the tickets; None without tickets)."""
    tickets = totals.get("tickets") or 0
    return {
        "tickets": tickets,
        "proactive": totals.get("proactive") or 0,
        "proactive_share": share(totals.get("proactive"), tickets),
        "monitoring_automation_share": share(
            (totals.get("from_monitoring") or 0) + (totals.get("from_automation") or 0), tickets
        ),
        "auto_remediated_share": share(totals.get("auto_remediated"), tickets),
        "self_service_share": share(totals.get("from_self_service"), tickets),
    }


def sla_overall(totals: dict) -> dict:
    """SLA attainment over all priorities from summed rollup counts: {"first_response":
    share | None, "resolution": share | None, "overall": share of both measurements
    together | None, "measured": both measurements counted}."""
    fr_n = totals.get("first_response_measured") or 0
    res_n = totals.get("resolution_measured") or 0
    fr_met = totals.get("first_response_met") or 0
    res_met = totals.get("resolution_met") or 0
    return {
        "first_response": share(fr_met, fr_n),
        "resolution": share(res_met, res_n),
        "overall": share(fr_met + res_met, fr_n + res_n),
        "measured": fr_n + res_n,
    }


def sla_attainment(totals: dict) -> dict:
    """SLA attainment from summed rollup counts: per priority and overall, the share
    (0..1) of measured tickets whose first response / resolution met the target.

    Returns sla_overall's figures and "by_priority": {priority: {...}}."""
    by_priority = {}
    for priority in PRIORITIES:
        fr_n = totals.get(f"fr_measured_{priority}") or 0
        res_n = totals.get(f"res_measured_{priority}") or 0
        fr_met = totals.get(f"fr_met_{priority}") or 0
        res_met = totals.get(f"res_met_{priority}") or 0
        by_priority[priority] = {
            "first_response": share(fr_met, fr_n),
            "first_response_measured": fr_n,
            "resolution": share(res_met, res_n),
            "resolution_measured": res_n,
        }
    return {**sla_overall(totals), "by_priority": by_priority}


def sla_figure(totals: dict) -> dict:
    """The SLA attainment a page shows, from summed rollup counts: the PSA's own figure
    (share 0..1 of tickets its verdict calls met) where every ticket in scope has a PSA
    verdict, else ours (sla_attainment's "overall"). Also the PSA's shares per stage
    (None where no ticket has one), and how many of the tickets lack a verdict.

    Returns {"overall", "from_psa": bool, "any_psa": bool (some ticket has a verdict),
    "tickets", "lacking", "psa_overall", "psa_response", "psa_resolution"}."""
    tickets = totals.get("tickets") or 0
    known = totals.get("psa_known") or 0
    psa_overall = share(totals.get("psa_met"), known)
    from_psa = tickets > 0 and known == tickets
    return {
        "overall": psa_overall if from_psa else sla_attainment(totals)["overall"],
        "from_psa": from_psa,
        "any_psa": known > 0,
        "tickets": tickets,
        "lacking": tickets - known,
        "psa_overall": psa_overall,
        "psa_response": share(totals.get("psa_response_met"), totals.get("psa_response_known")),
        "psa_resolution": share(
            totals.get("psa_resolution_met"), totals.get("psa_resolution_known")
        ),
    }


# --- From the rollups ------------------------------------------------------------------

# Aliases must differ from the field names they sum.
SUMS = {f"sum_{name}": Sum(name) for name in COUNT_FIELDS}
SUMS["sum_onboarding_tickets"] = Sum("tickets", filter=Q(onboarding=True))
SUMS["sum_onboarding_escalated"] = Sum("escalated", filter=Q(onboarding=True))
# The segment rows carry the early-support counts as columns.
SEGMENT_SUMS = {f"sum_{name}": Sum(name) for name in SEGMENT_COUNT_FIELDS}
ZERO = dict.fromkeys(SEGMENT_COUNT_FIELDS, 0)


def _rollups(period: Period, client_ids: Sequence[int] | None):
    rows = TicketDailyRollup.objects.filter(day__gte=period.start, day__lt=period.end)
    if client_ids is not None:
        rows = rows.filter(client_id__in=list(client_ids))
    return rows


def _summed_rollups(period: Period, client_ids: Sequence[int] | None, segment: str | None):
    """(rows, sums) to aggregate: the per-client rows of ``client_ids`` when given, else
    the segment rows of ``segment`` (None: every segment, i.e. all clients)."""
    if client_ids is not None:
        return _rollups(period, client_ids), SUMS
    rows = SegmentDailyRollup.objects.filter(day__gte=period.start, day__lt=period.end)
    if segment is not None:
        rows = rows.filter(segment=segment)
    return rows, SEGMENT_SUMS


def _clean(row: dict) -> dict:
    """Sums without the alias prefix; None (no rows) becomes 0."""
    return {key.removeprefix("sum_"): (value or 0) for key, value in row.items()}


def totals(
    period: Period, client_ids: Sequence[int] | None = None, segment: str | None = None
) -> dict:
    """Every rollup count summed over the period, for ``client_ids`` if given, else for
    ``segment`` if given, else for all clients; one query. Adds "onboarding_tickets",
    "onboarding_escalated" (early support) and their ongoing counterparts."""
    rows, sums = _summed_rollups(period, client_ids, segment)
    row = _clean(rows.aggregate(**sums))
    row["ongoing_tickets"] = row["tickets"] - row["onboarding_tickets"]
    row["ongoing_escalated"] = row["escalated"] - row["onboarding_escalated"]
    return row


def escalation_summary(row: dict) -> dict:
    """Escalation figures from totals(): count, share, early and ongoing shares."""
    return {
        "tickets": row["tickets"],
        "escalated": row["escalated"],
        "share": escalation_share(row["escalated"], row["tickets"]),
        "onboarding_tickets": row["onboarding_tickets"],
        "onboarding_escalated": row["onboarding_escalated"],
        "onboarding_share": escalation_share(
            row["onboarding_escalated"], row["onboarding_tickets"]
        ),
        "ongoing_tickets": row["ongoing_tickets"],
        "ongoing_escalated": row["ongoing_escalated"],
        "ongoing_share": escalation_share(row["ongoing_escalated"], row["ongoing_tickets"]),
    }


def by_client(period: Period, client_ids: Sequence[int] | None = None) -> dict[int, dict]:
    """{client id: escalation figures as escalation_summary} for clients with tickets in
    the period; one query."""
    rows = (
        _rollups(period, client_ids)
        .values("client_id")
        .order_by()
        .annotate(
            sum_tickets=Sum("tickets"),
            sum_escalated=Sum("escalated"),
            sum_onboarding_tickets=Sum("tickets", filter=Q(onboarding=True)),
            sum_onboarding_escalated=Sum("escalated", filter=Q(onboarding=True)),
        )
    )
    result = {}
    for row in rows:
        row = _clean(row)
        row["ongoing_tickets"] = row["tickets"] - row["onboarding_tickets"]
        row["ongoing_escalated"] = row["escalated"] - row["onboarding_escalated"]
        result[row["client_id"]] = escalation_summary(row)
    return result


SLA_FIELDS = (
    "first_response_measured",
    "first_response_met",
    "resolution_measured",
    "resolution_met",
)


def sums_by_client(
    periods: dict[str, tuple[Period, Sequence[str]]], client_ids: Sequence[int] | None = None
) -> dict[str, dict]:
    """Rollup counts per client (of ``client_ids`` if given) summed over several periods
    in one pass over the rows of all of them: for each name of ``periods`` ({name:
    (period, fields)}), {client id: {field: sum}} of the clients with rows in that
    period, as if each were summed alone. One query."""
    start = min(period.start for period, _ in periods.values())
    end = max(period.end for period, _ in periods.values())
    sums = {}
    for name, (period, fields) in periods.items():
        within = None  # a period that spans every row read needs no filter (a third faster)
        if (period.start, period.end) != (start, end):
            within = Q(day__gte=period.start, day__lt=period.end)
            sums[f"{name}__rows"] = Count("pk", filter=within)
        sums.update({f"{name}__{field}": Sum(field, filter=within) for field in fields})
    result = {name: {} for name in periods}
    for row in (
        _rollups(Period(start, end), client_ids).values("client_id").order_by().annotate(**sums)
    ):
        for name, (_, fields) in periods.items():
            if row.get(f"{name}__rows", 1):
                result[name][row["client_id"]] = {
                    field: row[f"{name}__{field}"] or 0 for field in fields
                }
    return result


def sla_by_client(period: Period, sums: dict[int, dict] | None = None) -> dict[int, dict]:
    """{client id: sla_overall()} for clients with tickets in the period; one query, or
    none when ``sums`` has the clients' SLA_FIELDS summed over the period already
    (sums_by_client)."""
    if sums is None:
        sums = sums_by_client({"sla": (period, SLA_FIELDS)})["sla"]
    return {client_id: sla_overall(row) for client_id, row in sums.items()}


def series(
    period: Period,
    client_ids: Sequence[int] | None = None,
    by: str = "week",
    segment: str | None = None,
) -> list[dict]:
    """Summed counts per day, week (Monday) or month (1st) overlapping the period, oldest
    first, each with "start" and the escalation and proactive figures; one query. Clients
    as in totals(). Weeks/months without tickets appear with zero counts and None shares."""
    trunc = {"day": F("day"), "week": TruncWeek("day")}.get(by) or TruncMonth("day")
    source, sums = _summed_rollups(period, client_ids, segment)
    rows = {
        _as_date(row["bucket"]): _clean(row)
        for row in source.annotate(bucket=trunc).values("bucket").order_by().annotate(**sums)
    }
    result = []
    for start in period.steps(by):
        row = dict(rows.get(start) or ZERO)
        row.pop("bucket", None)
        result.append(_bucket(start, row))
    return result


def _bucket(start: datetime.date, counts: dict) -> dict:
    """A series row from the summed rollup counts of one bucket."""
    row = dict(counts)
    row["ongoing_tickets"] = row["tickets"] - row["onboarding_tickets"]
    row["ongoing_escalated"] = row["escalated"] - row["onboarding_escalated"]
    return {
        "start": start,
        "totals": row,
        **escalation_summary(row),
        **{k: v for k, v in proactive_shares(row).items() if k != "tickets"},
        "sla": sla_attainment(row),
    }


# An edge bucket with fewer days of the period than this is drawn with its neighbour.
MIN_DRAWN_DAYS = 4


def drawn_series(rows: Sequence[dict], period: Period, by: str) -> list[dict]:
    """The rows of series() as a chart draws them: a first or last week (month) holding
    fewer than MIN_DRAWN_DAYS days of the period joins its neighbour, its counts summed
    and its shares computed again, so a period starting on a Sunday or a chart drawn on
    a Monday shows no one-day spike. The first row then starts on the period's first day.
    Days are never merged; exports keep the calendar buckets of series()."""
    rows = list(rows)
    if by == "day" or len(rows) < 2:
        return rows
    first, second = rows[0], rows[1]
    if (second["start"] - period.start).days < MIN_DRAWN_DAYS:
        rows[:2] = [_bucket(period.start, _added(first, second))]
    if len(rows) >= 2 and (period.end - rows[-1]["start"]).days < MIN_DRAWN_DAYS:
        rows[-2:] = [_bucket(rows[-2]["start"], _added(rows[-2], rows[-1]))]
    return rows


def _added(one: dict, other: dict) -> dict:
    keys = one["totals"].keys() - {"ongoing_tickets", "ongoing_escalated"}
    return {key: one["totals"][key] + other["totals"][key] for key in keys}


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    return value
