"""Units where figures meet people.

Figures cross between apps in one convention: shares (CSAT, response rate, escalation,
SLA) 0..1, NPS in points -100..100, averages on their own scales. Pages and exports that
show a share as a percentage convert it here.
"""

from __future__ import annotations


def as_percent(share: float | None) -> float | None:
    """A share 0..1 as a percentage 0..100; None stays None.

    Rounded to ten decimals, so a share computed as part / whole shows, rounded to any
    precision up to ten decimals, exactly as part * 100 / whole does: the float error of
    the multiplication cannot tip a figure that lies exactly on a rounding boundary."""
    if share is None:
        return None
    return round(share * 100, 10)
