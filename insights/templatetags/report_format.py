"""Template filters for KPI figures: None is "—"."""

from django import template

from insights import formatting

register = template.Library()


@register.filter
def share(value, digits=1):
    """A fraction 0..1 as a percentage: {{ 0.125|share }} -> "12,5 %"."""
    return formatting.percent(value, int(digits))


@register.filter
def figure(value, digits=1):
    """A number with ``digits`` decimals in the active locale, or "—"."""
    return formatting.number(value, int(digits))


@register.filter
def minutes(value):
    """Minutes as "4 h 00 min"."""
    return formatting.duration_minutes(None if value is None else value * 60)


@register.filter
def seconds(value):
    """Seconds as "4 h 00 min"."""
    return formatting.duration_minutes(value)
