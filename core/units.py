"""Units where figures meet people.

Figures cross between apps in one convention: shares (CSAT, response rate, escalation,
SLA) 0..1, NPS in points -100..100, averages on their own scales. Pages and exports that
show a share as a percentage convert it here; pages show numbers through ``number``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format

MINUS = "\u2212"  # the typographic minus sign, not the hyphen


def as_percent(share: float | None) -> float | None:
    """A share 0..1 as a percentage 0..100; None stays None.

    Rounded to ten decimals, so a share computed as part / whole shows, rounded to any
    precision up to ten decimals, exactly as part * 100 / whole does: the float error of
    the multiplication cannot tip a figure that lies exactly on a rounding boundary."""
    if share is None:
        return None
    return round(share * 100, 10)


def number(value: float | int, digits: int = 0) -> str:
    """``value`` for a page in the active language: ``digits`` decimals, thousands
    grouped ("15.183" and "3,5" in German, "15,183" and "3.5" in English) and a real
    minus sign ("−20"); a value that rounds to zero has no sign. Rounded half away from
    zero as written (2.675 -> "2,68"): Django's number_format cuts a float's digits off
    (2/3 as 66.666… would read "66,6")."""
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    rounded = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = number_format(rounded, digits, use_l10n=True, force_grouping=True)
    if text.startswith("-"):
        text = text[1:]
        if any(ch not in "0.," for ch in text):
            return MINUS + text
    return text
