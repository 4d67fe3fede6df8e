"""The ticket table's rows written in Python (insights/templatetags/ticket_table.py) are
the markup the template wrote before: every cell, link, badge and dash, for the ticket
list and the client page's compact tables, in both languages."""

import datetime

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.test.html import parse_html
from django.utils import translation

from kpis.models import Ticket
from organisation.models import Contact, Technician
from tests.kpis.conftest import make_client, ticket

# The rows as insights/_ticket_table.html drew them with the template engine.
TEMPLATE_ROWS = engines["django"].from_string(
    """{% load i18n %}<tbody>{% for t in tickets %}<tr data-testid="ticket-row">
<td class="ticket-cell"><span class="font-monospace text-nowrap">{{ t.external_id }}</span><div>{{ t.title|truncatechars:80|default:"—" }}</div>{% if t.requester %}<div class="text-body-secondary"><span class="visually-hidden">{% translate "Requester" %}: </span>{{ t.requester.name }}</div>{% endif %}</td>{% if show_client %}<td><a href="{% url 'insights:client_detail' t.client_id %}">{{ t.client.name }}</a></td>{% endif %}
<td>{{ t.get_priority_display }}</td><td>{{ t.opened_at|date:"SHORT_DATETIME_FORMAT" }}</td>
<td{% if compact %} class="d-none d-xxl-table-cell"{% endif %}>{{ t.first_response_at|date:"SHORT_DATETIME_FORMAT"|default:"—" }}</td><td>{{ t.resolved_at|date:"SHORT_DATETIME_FORMAT"|default:"—" }}</td>
<td>{{ t.get_source_display }}{% if t.escalated %} <span class="badge text-bg-warning">{% translate "escalated" %}</span>{% endif %}{% if t.proactive %} <span class="badge text-bg-success">{% translate "proactive" %}</span>{% endif %}{% if t.auto_remediated %} <span class="badge text-bg-info">{% translate "auto" %}</span>{% endif %}</td>
<td>{{ t.technician.name|default:"—" }}</td></tr>
{% empty %}<tr><td colspan="8" class="text-body-secondary">{% translate "No tickets." %}</td></tr>{% endfor %}</tbody>"""
)


@pytest.fixture
def listed(db):
    acme = make_client("Acme & <Söhne>")
    beta = make_client("Beta AG")
    technician = Technician.objects.create(
        external_id="TX-1",
        name="Tara O'Neil",
        email="t@example.com",
        hire_date=datetime.date(2020, 1, 1),
    )
    requester = Contact.objects.create(client=acme, name="Rita <R>", email="r@example.com")
    day = datetime.date(2026, 3, 2)
    ticket(
        acme,
        day,
        title="Drucker & Scanner " + "x" * 90,
        requester=requester,
        technician=technician,
        escalated=True,
        proactive=True,
        auto_remediated=True,
        priority="critical",
        source="monitoring",
        hour=23,
    )
    ticket(beta, day, title="", first_minutes=None, resolve_minutes=None, source="self_service")
    ticket(
        acme,
        day + datetime.timedelta(days=200),
        title="Sommerzeit",
        hour=1,
        technician=technician,
        priority="low",
        source="automation",
    )
    return list(Ticket.objects.listed().order_by("-opened_at", "-pk"))


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("show_client,compact", [(True, False), (False, True), (False, False)])
def test_the_rows_are_the_templates(listed, language, show_client, compact):
    context = {"tickets": listed, "show_client": show_client, "compact": compact}
    with translation.override(language):
        drawn = render_to_string("insights/_ticket_table.html", context)
        expected = TEMPLATE_ROWS.render(context)
    body = drawn[drawn.index("<tbody>") : drawn.index("</tbody>") + len("</tbody>")]
    assert parse_html(body) == parse_html(expected)
    assert body.count('data-testid="ticket-row"') == 3


def test_an_empty_list_says_so(db):
    drawn = render_to_string("insights/_ticket_table.html", {"tickets": []})
    assert '<tbody><tr><td colspan="8" class="text-body-secondary">No tickets.</td></tr>' in drawn


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("pattern", ["d.m.Y H:i", "j M Y, H:i", "n/j/y G:i:s"])
def test_the_quick_date_format_writes_what_django_writes(language, pattern):
    from django.utils.dateformat import format as format_date

    from insights.templatetags.ticket_table import _compiled

    quick = _compiled(pattern)
    moments = [
        datetime.datetime(2026, month, day, hour, minute, second)
        for month in range(1, 13)
        for day, hour, minute, second in ((1, 0, 0, 0), (9, 9, 5, 7), (28, 23, 59, 59))
    ] + [datetime.datetime(0o7, 3, 4, 5, 6), datetime.datetime(2199, 12, 31, 12)]
    with translation.override(language):
        assert [quick(m) for m in moments] == [format_date(m, pattern) for m in moments]


def test_a_format_it_does_not_know_is_left_to_django():
    from insights.templatetags.ticket_table import _compiled

    assert _compiled("m/d/Y P") is None
    assert _compiled(r"d.m.Y \u\m H:i") is None
