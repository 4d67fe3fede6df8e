"""The ticket rating's figures over a period, counted in the database: ticket CSAT per
client, technician, priority and month, the share of resolved tickets surveyed, the
response rate and the latest comments. Shares are 0..1; a rating belongs to the period
its ticket was resolved in, and to the client, technician and priority credited when its
e-mail was sent (ratings.models.TicketRating)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from core.periods import Period, local_day, moments_within
from kpis.models import Priority, Ticket

from .metrics import CSAT_COUNTS, ticket_csat
from .models import TicketRating
from .queries import with_answers

LATEST_COMMENTS = 10
_COUNTS = {"invited": Count("pk"), **CSAT_COUNTS}
# The groupings of the figures page and their CSV: the key and the label of each row.
GROUPS = {
    "client": ("client_id", "client__name"),
    "technician": ("technician_id", "technician__name"),
    "priority": ("priority", "priority"),
}


def invited(period: Period, ratings: QuerySet | None = None) -> QuerySet:
    """Ratings whose e-mail went out, of tickets resolved in ``period``, with answers."""
    ratings = ratings if ratings is not None else TicketRating.objects.all()
    return with_answers(
        ratings.filter(status=TicketRating.Status.INVITED, **moments_within("resolved_at", period))
    )


def _with_shares(row: dict) -> dict:
    row["csat"] = ticket_csat(row["positive"], row["rated"])
    row["response_rate"] = ticket_csat(row["rated"], row["invited"])
    return row


def totals(ratings: QuerySet) -> dict:
    """{"invited", "rated", "positive", "csat", "response_rate"} of ``ratings``."""
    return _with_shares(ratings.aggregate(**_COUNTS))


def grouped(ratings: QuerySet, by: str) -> list[dict]:
    """One row per client, technician or priority (``by``, see GROUPS): "key", "label"
    and the totals; worst ticket CSAT first, those without a rating last."""
    key, label = GROUPS[by]
    rows = [
        _with_shares({"key": row[key], "label": row[label], **row})
        for row in ratings.order_by().values(key, label).annotate(**_COUNTS)
    ]
    if by == "priority":
        names = dict(Priority.choices)
        for row in rows:
            row["label"] = str(names.get(row["key"], row["key"]))
    rows.sort(key=lambda r: (r["csat"] is None, r["csat"] or 0, str(r["label"] or "")))
    return rows


def monthly(ratings: QuerySet) -> list[dict]:
    """One row per month with ratings ("month": its first local day), oldest first."""
    rows = (
        ratings.order_by()
        .annotate(month=TruncMonth("resolved_at"))
        .values("month")
        .annotate(**_COUNTS)
        .order_by("month")
    )
    return [_with_shares({**row, "month": local_day(row["month"])}) for row in rows]


def surveyed_share(period: Period, client_id: int | None = None) -> dict:
    """{"resolved", "surveyed", "share"}: tickets resolved in ``period`` and how many of
    them got a rating e-mail (share 0..1, None without a resolved ticket)."""
    tickets = Ticket.objects.filter(**moments_within("resolved_at", period))
    if client_id is not None:
        tickets = tickets.filter(client_id=client_id)
    counts = tickets.aggregate(
        resolved=Count("pk"),
        surveyed=Count("pk", filter=Q(rating__status=TicketRating.Status.INVITED)),
    )
    counts["share"] = ticket_csat(counts["surveyed"], counts["resolved"])
    return counts


def latest_comments(ratings: QuerySet, limit: int = LATEST_COMMENTS) -> list[TicketRating]:
    """The latest ratings with a comment, newest resolution first."""
    return list(
        ratings.exclude(comment__isnull=True)
        .exclude(comment="")
        .select_related("ticket", "client", "technician", "contact")
        .order_by("-resolved_at", "-pk")[:limit]
    )


def client_csat(client_id: int, today: datetime.date, days: int = 90) -> dict:
    """A client's ticket CSAT over the last ``days`` days up to ``today`` (totals)."""
    period = Period.last_days(days, today)
    return totals(invited(period, TicketRating.objects.filter(client_id=client_id)))
