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
