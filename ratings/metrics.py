"""The ticket rating's figures; shares are 0..1 (percent only on pages and in CSVs)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from surveys.metrics import CSAT_SATISFIED_MIN

# Every rating is stored on 1..5 (three faces as 1, 3, 5): positive is 4 or 5, as the
# onboarding CSAT counts (surveys.metrics.CSAT_SATISFIED_MIN).
POSITIVE_MIN = CSAT_SATISFIED_MIN
NEGATIVE_MAX = 2


def ticket_csat(positive: int, rated: int) -> float | None:
    """Ticket CSAT: the share (0..1) of rated tickets whose rating is positive (4 or 5 on
    the 1..5 scale; with three faces the good one, 5). None without a rating."""
    return positive / rated if rated else None


# The two counts ticket CSAT is made of, for ratings annotated with ``face``
# (ratings.queries.with_answers): answered at all, and answered positively.
CSAT_COUNTS = {
    "rated": Count("pk", filter=Q(face__isnull=False)),
    "positive": Count("pk", filter=Q(face__gte=POSITIVE_MIN)),
}


def csat_counts(ratings: QuerySet) -> dict[str, int]:
    """{"rated", "positive"} of ratings annotated with ``face``, counted in the database."""
    return ratings.aggregate(**CSAT_COUNTS)


def face_kind(face: int | None) -> str:
    """ "positive", "neutral" or "negative" for a stored face (1..5); "" for none."""
    if face is None:
        return ""
    if face >= POSITIVE_MIN:
        return "positive"
    return "negative" if face <= NEGATIVE_MAX else "neutral"
