"""Display strings for figures: "—" for None, locale-aware decimals (3,55 in German),
grouped thousands and a real minus sign (core.units.number)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.units import MINUS
from core.units import number as _number

DASH = "—"


def percent(value: float | None, digits: int = 1) -> str:
    """A share 0..1 as "12,5 %"; "—" for None or a missing template value ("")."""
    if value is None or value == "":
        return DASH
    return f"{_number(value * 100, digits)} %"


def percent_value(share: float | None) -> float | None:
    """A share 0..1 as a percentage rounded to two decimals, for charts and exports."""
    return None if share is None else round(share * 100, 2)


def number(value: float | None, digits: int = 1) -> str:
    """``value`` with ``digits`` decimals; "—" for None or a missing template value ("")."""
    if value is None or value == "":
        return DASH
    return _number(value, digits)


def signed(value: float, digits: int = 1) -> str:
    text = _number(abs(value), digits)
    return f"+{text}" if value > 0 else (f"{MINUS}{text}" if value < 0 else text)


def trend(
    current: float | None,
    previous: float | None,
    higher_is_better: bool,
    scale: float = 1.0,
    unit: str = "",
    digits: int = 1,
) -> tuple[str, str]:
    """(text, CSS class) for a tile's change against the previous period: an arrow and
    the signed difference (``scale`` 100 with unit "pp" for shares); ("", "") if either
    value is missing."""
    if current is None or previous is None:
        return "", ""
    delta = round((current - previous) * scale, digits)
    if delta == 0:
        return f"→ 0 {unit}".strip() + " " + _("vs. previous period"), "text-body-secondary"
    arrow = "▲" if delta > 0 else "▼"
    good = (delta > 0) == higher_is_better
    text = f"{arrow} {signed(delta, digits)} {unit}".strip() + " " + _("vs. previous period")
    return text, "text-success" if good else "text-danger"


def duration_minutes(seconds: float | None) -> str:
    """Seconds as "1 h 05 min", "2 h" (whole hours without "00 min") or "12 min"; "—"
    for None."""
    if seconds is None:
        return DASH
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    if minutes % 60 == 0:
        return _("%(h)d h") % {"h": minutes // 60}
    return _("%(h)d h %(m)02d min") % {"h": minutes // 60, "m": minutes % 60}


def sla_source(figure: dict) -> str:
    """Whose SLA figure a page shows (kpis.metrics.sla_figure): the PSA's, or ours
    with how many tickets lack a PSA verdict; "" where no ticket in scope has one."""
    if figure["from_psa"]:
        return _("As the PSA reports it")
    if not figure["any_psa"]:
        return ""
    return ngettext(
        "Our computation: %(n)s of %(m)s tickets lacks a PSA verdict",
        "Our computation: %(n)s of %(m)s tickets lack a PSA verdict",
        figure["lacking"],
    ) % {"n": _number(figure["lacking"], 0), "m": _number(figure["tickets"], 0)}
