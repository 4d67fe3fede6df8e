"""Template filters for KPI figures: None is "—"."""

import html

from django import template
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language, ngettext, pgettext_lazy
from django.utils.translation import gettext as _

from core.templatetags.units import count
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


# The marks drawn so far, by (colour, label, language): a mark depends on nothing else.
_DRAWN: dict[tuple, str] = {}


@register.simple_tag
def colour_mark(colour: str, label: bool = False):
    """{% colour_mark row.colours.sla %}: ✕ red, ! amber, ✓ green as a badge, the word for
    screen readers; with ``label`` the word is shown (and "no data" when not judged).
    Built in Python: a page draws a few hundred of them, too many for an include each."""
    key = (colour if colour in _MARKS else None, bool(label), get_language())
    if key not in _DRAWN:
        _DRAWN[key] = _mark(key[0], key[1])
    return _DRAWN[key]


def _mark(colour: str | None, label: bool) -> str:
    if colour is None:
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


# One row of insights/_client_table.html; the phrases are the template's own (the same
# message ids), filled in as blocktranslate fills them in (numbers localized, escaped).
_CLIENT_ROW = (
    '<tr data-testid="client-row" data-client="{id}" data-state="{state}">\n'
    '<th scope="row" class="fw-normal"><a href="{client_url}" data-cell="client">{name}</a>'
    "{segment}</th>\n"
    "<td>{state_mark}</td>\n"
    '<td class="text-end text-nowrap">{escalation_mark} <a href="{tickets}?client={id}'
    '&amp;escalated=yes&amp;start={month_start}" data-cell="escalation">{share}</a>'
    '<div class="small text-body-secondary">{escalated}</div></td>\n'
    '<td class="text-end text-nowrap">{csat_mark} <a href="{ratings}?client={id}'
    '&amp;start={csat_start}" data-cell="csat">{csat}</a>'
    '<div class="small text-body-secondary">{rated}</div></td>\n'
    '<td class="text-end text-nowrap">{nps_mark} <a href="{client_url}#client-survey"'
    ' data-cell="nps">{nps}</a><div class="small text-body-secondary">CSAT {onboarding_csat}'
    " · {responses}</div></td>\n"
    '<td class="text-end text-nowrap">{sla_mark} <a href="{tickets}?client={id}'
    '&amp;start={sla_start}" data-cell="sla">{sla}</a>'
    '<div class="small text-body-secondary">{measured}</div></td>\n'
    '<td class="text-end text-nowrap">{onboarding}</td>\n'
    '<td class="text-end"><a href="{client_url}#client-alerts" data-cell="alerts">{alerts}</a>'
    "</td>\n"
    '<td class="text-end"><a href="{cases}?client={id}" data-cell="cases">{open_cases}</a>'
    "</td>\n</tr>"
)


def _phrase(translated: str, **values) -> str:
    """A translated phrase filled in as blocktranslate does: the values localized and
    escaped, the translation itself trusted."""
    escaped = {key: _escaped(localize(value)) for key, value in values.items()}
    # Safe: every value is escaped; the translations are ours, as in blocktranslate.
    return mark_safe(translated % escaped)  # noqa: S308


def _escaped(value) -> str:
    # conditional_escape without its lazy-string wrapper (thirty values a row)
    return value if isinstance(value, SafeData) else html.escape(str(value))


def _filled(template_: str, **values) -> str:
    """format_html(template_, **values), faster: every value escaped unless safe."""
    return mark_safe(template_.format(**{k: _escaped(v) for k, v in values.items()}))  # noqa: S308


@register.simple_tag(takes_context=True)
def client_row(context, row):
    """{% client_row row %}: one client's row (insights.attention.ClientRow) with the
    table's links (``urls``, ``month_start``, ``csat_start``, ``sla_start``,
    ``onboarding_days`` from the context). Built in Python: the client list draws 50
    rows of a dozen figures and five phrases each, which cost more through the template
    engine than the rest of the page."""
    client_url = reverse("insights:client_detail", args=[row.client_id])
    urls, colours, escalation = context["urls"], row.colours, row.escalation
    segment = (
        format_html('<div class="small text-body-secondary">{}</div>', row.segment)
        if row.segment
        else ""
    )
    onboarding = (
        format_html(
            '<a href="{}" data-cell="onboarding">{}</a>',
            client_url,
            _phrase(
                _("day %(n)s of %(total)s"), n=row.onboarding_day, total=context["onboarding_days"]
            ),
        )
        if row.onboarding_day
        else formatting.DASH
    )
    return _filled(
        _CLIENT_ROW,
        id=localize(row.client_id),
        state=row.state,
        client_url=client_url,
        name=row.name,
        segment=segment,
        state_mark=colour_mark(row.state, True),
        escalation_mark=colour_mark(colours["escalation"]),
        tickets=urls["tickets"],
        month_start=context["month_start"],
        share=share(escalation.share),
        escalated=_phrase(
            _("%(e)s of %(t)s · threshold %(threshold)s"),
            e=count(escalation.escalated),
            t=count(escalation.tickets),
            threshold=share(escalation.threshold),
        ),
        csat_mark=colour_mark(colours["csat"]),
        ratings=urls["ratings"],
        csat_start=context["csat_start"],
        csat=share(row.csat, 0),
        rated=_phrase(ngettext("%(n)s rating", "%(n)s ratings", row.rated), n=row.rated),
        nps_mark=colour_mark(colours["nps"]),
        nps=figure(row.nps, 0),
        onboarding_csat=share(row.onboarding_csat, 0),
        responses=_phrase(
            ngettext("%(n)s response", "%(n)s responses", row.responses), n=row.responses
        ),
        sla_mark=colour_mark(colours["sla"]),
        sla_start=context["sla_start"],
        sla=share(row.sla),
        measured=_phrase(
            ngettext("%(n)s measurement", "%(n)s measurements", row.sla_measured),
            n=row.sla_measured,
        ),
        onboarding=onboarding,
        alerts=count(row.open_alerts),
        cases=urls["cases"],
        open_cases=count(row.open_cases),
    )
