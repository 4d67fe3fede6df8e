"""Template filters for figures: ``{{ share|as_percent }}`` (0..1 to 0..100) and
``{{ tickets|count }}`` (grouped thousands, real minus sign: "15.183")."""

from django import template

from core import units

register = template.Library()

register.filter("as_percent", units.as_percent)


@register.filter
def count(value):
    """A whole number in the page's language: 15183 -> "15.183" (de), "15,183" (en)."""
    if value in (None, ""):
        return "—"
    return units.number(value, 0)


@register.filter
def num(value, digits=0):
    """A figure with ``digits`` decimals in the page's language, grouped, with a real
    minus sign: -57 -> "−57", 5.675 -> "5,68" (de); "—" for None."""
    if value in (None, ""):
        return "—"
    return units.number(value, int(digits))
