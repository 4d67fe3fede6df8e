"""``{% ticket_rows tickets show_client compact %}``: the rows of a ticket table
(insights/_ticket_table.html), written in Python.

Drawn by the template, the ticket list's 50 rows took about 10 ms of its 40 ms budget
(three localised dates, a reversed link and two choice labels per row, each through the
template engine); this writes the same markup (tests/insights/test_ticket_table.py
compares it with the template's) in a fraction of that.
"""

from django import template
from django.urls import reverse
from django.utils.dateformat import format as format_date
from django.utils.dates import MONTHS_3
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import gettext

from insights.formatting import DASH

register = template.Library()

TITLE_CHARS = 80
WIDE_ONLY = mark_safe(' class="d-none d-xxl-table-cell"')  # noqa: S308 (a constant)


# The format characters the product's short formats use (msp_maturity/formats, Django's
# German), written as django.utils.dateformat writes them.
_PARTS = {
    "d": lambda t: f"{t.day:02d}",
    "j": lambda t: str(t.day),
    "m": lambda t: f"{t.month:02d}",
    "n": lambda t: str(t.month),
    "Y": lambda t: f"{t.year:04d}",
    "y": lambda t: f"{t.year % 100:02d}",
    "H": lambda t: f"{t.hour:02d}",
    "G": lambda t: str(t.hour),
    "i": lambda t: f"{t.minute:02d}",
    "s": lambda t: f"{t.second:02d}",
    "M": lambda t: str(MONTHS_3[t.month]).title(),
}


def _compiled(date_format: str):
    """A function writing a datetime in ``date_format`` as ``dateformat.format`` does,
    about ten times faster; None when the format uses a character not in ``_PARTS``
    (then ``dateformat.format`` writes it)."""
    parts = []
    for char in date_format:
        if char in _PARTS:
            parts.append(_PARTS[char])
        elif char.isalpha() or char == "\\":
            return None
        else:
            parts.append(char)
    return lambda value: "".join(p if isinstance(p, str) else p(value) for p in parts)


class _Words:
    """What every row repeats, looked up once per table in the active language: the
    labels of the choices and badges, the date format, each client's link."""

    def __init__(self):
        self.requester = gettext("Requester")
        self.escalated = gettext("escalated")
        self.proactive = gettext("proactive")
        self.auto = gettext("auto")
        self.date_format = get_format("SHORT_DATETIME_FORMAT")
        self.fast_format = _compiled(self.date_format)
        self.labels: dict[tuple[str, str], str] = {}
        self.client_urls: dict[int, str] = {}

    def when(self, value) -> str:
        """As the template's ``|date:"SHORT_DATETIME_FORMAT"``: local time in the
        language's short format; "" for none."""
        if not value:
            return ""
        if self.fast_format is None:
            return format_date(localtime(value), self.date_format)
        return self.fast_format(localtime(value))

    def label(self, ticket, field: str) -> str:
        """``get_<field>_display()``, computed once per value."""
        key = (field, getattr(ticket, field))
        if key not in self.labels:
            self.labels[key] = str(getattr(ticket, f"get_{field}_display")())
        return self.labels[key]

    def client_url(self, client_id: int) -> str:
        if client_id not in self.client_urls:
            self.client_urls[client_id] = reverse("insights:client_detail", args=[client_id])
        return self.client_urls[client_id]


def _badge(shown: bool, colour: str, word: str) -> str:
    return format_html(' <span class="badge text-bg-{}">{}</span>', colour, word) if shown else ""


def _row(ticket, client_cell: str, compact: bool, words: _Words) -> str:
    requester = ""
    if ticket.requester:
        requester = format_html(
            '<div class="text-body-secondary"><span class="visually-hidden">{}: </span>{}</div>',
            words.requester,
            ticket.requester.name,
        )
    return format_html(
        '<tr data-testid="ticket-row">\n<td class="ticket-cell"><span class="font-monospace '
        'text-nowrap">{}</span><div>{}</div>{}</td>{}\n<td>{}</td><td>{}</td>\n<td{}>{}</td>'
        "<td>{}</td>\n<td>{}{}{}{}</td>\n<td>{}</td></tr>\n",
        ticket.external_id,
        Truncator(ticket.title).chars(TITLE_CHARS) or DASH,
        requester,
        client_cell,
        words.label(ticket, "priority"),
        words.when(ticket.opened_at),
        WIDE_ONLY if compact else "",
        words.when(ticket.first_response_at) or DASH,
        words.when(ticket.resolved_at) or DASH,
        words.label(ticket, "source"),
        _badge(ticket.escalated, "warning", words.escalated),
        _badge(ticket.proactive, "success", words.proactive),
        _badge(ticket.auto_remediated, "info", words.auto),
        (ticket.technician.name if ticket.technician else "") or DASH,
    )


@register.simple_tag
def ticket_rows(tickets, show_client=False, compact=False) -> str:
    """The ``<tr>`` of every ticket (from ``Ticket.objects.listed()``), as the template
    drew them; the client's name links to its page when ``show_client``."""
    words = _Words()
    rows = []
    for ticket in tickets:
        client_cell = ""
        if show_client:
            client_cell = format_html(
                '<td><a href="{}">{}</a></td>',
                words.client_url(ticket.client_id),
                ticket.client.name,
            )
        rows.append(_row(ticket, client_cell, compact, words))
    return mark_safe("".join(rows))  # noqa: S308 (every row is built by format_html)
