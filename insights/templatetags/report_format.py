"""Template filters for KPI figures: None is "—"."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from insights import attention, formatting

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


# A cell's colour as a shape and a word too (colour is never the only signal).
_MARKS = {
    attention.RED: ("text-bg-danger", "✕", pgettext_lazy("state colour", "red")),
    attention.AMBER: ("text-bg-warning", "!", pgettext_lazy("state colour", "amber")),
    attention.GREEN: ("text-bg-success", "✓", pgettext_lazy("state colour", "green")),
}


@register.simple_tag
def colour_mark(colour: str, label: bool = False):
    """{% colour_mark row.colours.sla %}: ✕ red, ! amber, ✓ green as a badge, the word for
    screen readers; with ``label`` the word is shown (and "no data" when not judged).
    Built in Python: a page draws a few hundred of them, too many for an include each."""
    if colour not in _MARKS:
        if not label:
            return ""
        return format_html(
            '<span class="badge text-bg-light border" data-colour="">{}</span>', _("no data")
        )
    css, shape, word = _MARKS[colour]
    if label:
        word_html = format_html(" {}", word)
    else:
        word_html = format_html('<span class="visually-hidden">{}</span>', word)
    return format_html(
        '<span class="badge {}" data-colour="{}"><span aria-hidden="true">{}</span>{}</span>',
        css,
        colour,
        shape,
        word_html,
    )
