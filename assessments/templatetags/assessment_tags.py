from decimal import Decimal

from django import template
from django.utils import formats

register = template.Library()

EMPTY = "—"


@register.filter
def lookup(mapping, key):
    """``mapping[key]`` or None: ``{{ evidence|lookup:statement.key }}``."""
    if not mapping:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def score(value):
    """A score with two decimals in the active locale (3,55 / 3.55); "—" when empty."""
    if value is None or value == "":
        return EMPTY
    return formats.number_format(Decimal(value), 2)


@register.filter
def change(value):
    """A signed change with two decimals (+0,45 / −0,20 / ±0,00); "—" when there is none."""
    if value is None or value == "":
        return EMPTY
    value = Decimal(value)
    text = formats.number_format(abs(value), 2)
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"\u2212{text}"
    return f"\u00b1{text}"


@register.filter
def change_class(value):
    if value is None or value == "":
        return "text-body-secondary"
    value = Decimal(value)
    return "text-success" if value > 0 else "text-danger" if value < 0 else "text-body-secondary"


ONE_DECIMAL = Decimal("0.1")


@register.simple_tag
def phase_range(phase, last: bool) -> str:
    """A phase's score range as the published table prints it: "1,0–1,9", the last one
    "4,0–5,0". A phase holds [min_score, max_score) and results are shown with one
    decimal in the table, so the highest value a phase shows is max_score − 0.1."""
    high = phase.max_score if last else Decimal(phase.max_score) - ONE_DECIMAL
    return f"{formats.number_format(Decimal(phase.min_score), 1)}–{formats.number_format(high, 1)}"
