"""Hostile client names, technician names and ticket numbers, imported through the CSV
upload and the webhook, stay inert on every KPI page (dashboard, escalation detail,
client page, ticket list, alerts, the import page's own error list), in chart data, in
the alert e-mail, and are neutralised in every KPI CSV export.

Already proven in tests/kpis: one client named =HYPERLINK(...) is prefixed with an
apostrophe in the escalations and tickets exports (test_views.py::
test_exports_neutralise_formulas). Here every formula prefix, every export and every page.
"""

import csv
import datetime
import io
import json
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from insights.views.exports import TABLES
from kpis.models import KpiSettings, ThresholdAlert, Ticket, WebhookIntegration
from organisation.models import Client
from tests.kpis.conftest import upload

SCRIPT = "<script>alert(1)</script>"
FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)"]
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _upload(manager_client, kind: str, text: str):
    """The page shown after the upload: the form (refused at once) or the upload's page."""
    return upload(manager_client, kind, text)


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


@pytest.fixture
def hostile(manager_client, manager, django_capture_on_commit_callbacks):
    """Clients, a technician and tickets with hostile text, imported as a manager would;
    the script client breaches its threshold this month (alert raised and e-mailed)."""
    settings_row, _ = KpiSettings.objects.get_or_create(pk=1)
    settings_row.minimum_tickets = 2
    settings_row.save()
    names = [SCRIPT, *FORMULAS]
    clients = [["external_id", "name", "contract_start", "segment", "responsible_staff"]]
    clients += [[f"H-{i}", name, "2025-01-01", SCRIPT, "manager"] for i, name in enumerate(names)]
    response = _upload(manager_client, "clients", _csv(clients))
    assert response.context["job"].state == "done", response.context["errors"]
    technicians = [["external_id", "name", "email", "hire_date", "role"]]
    technicians += [["TECH-X", SCRIPT, "x@example.com", "2024-01-01", "=1+1"]]
    assert _upload(manager_client, "technicians", _csv(technicians)).context["job"].state == "done"
    opened = (timezone.localtime() - datetime.timedelta(minutes=5)).isoformat()
    tickets = [["external_id", "client", "priority", "opened_at", "source", "escalated"]]
    for i in range(len(names)):
        for j, number in enumerate([SCRIPT + f"{i}", f"{FORMULAS[i % 4]}{i}"]):
            tickets.append([number, f"H-{i}", "high", opened, "client", str(i == 0 or j == 1)])
    tickets[1].append("TECH-X")
    tickets[0].append("technician")
    assert _upload(manager_client, "tickets", _csv(tickets)).context["job"].state == "done"
    integration = WebhookIntegration(name="Halo")
    token = integration.issue_token()
    integration.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("kpis:webhook"),
            data=json.dumps(
                {
                    "tickets": [
                        {
                            "external_id": f"=cmd|' /C calc'!A0{i}",
                            "client": f"H-{i}",
                            "priority": "low",
                            "opened_at": opened,
                            "source": "monitoring",
                            "technician": "TECH-X",
                        }
                        for i in range(len(names))
                    ]
                }
            ),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    assert response.status_code == 200, response.content
    script_client = Client.objects.get(name=SCRIPT)
    assert ThresholdAlert.objects.filter(client=script_client).exists()
    assert Ticket.objects.count() == 3 * len(names)
    return script_client


def _pages(client_pk: int) -> list[str]:
    return [
        reverse("insights:dashboard"),
        reverse("insights:dashboard") + f"?client={client_pk}",
        reverse("insights:escalations"),
        reverse("insights:proactive"),
        reverse("insights:sla"),
        reverse("insights:sla_reconciliation"),
        reverse("insights:satisfaction"),
        reverse("insights:turnover"),
        reverse("insights:client_detail", args=[client_pk]),
        reverse("insights:ticket_list"),
        reverse("insights:ticket_list") + f"?client={client_pk}",
        reverse("insights:ticket_list") + "?q=%3Cscript%3E",
        reverse("insights:alerts") + "?show=all",
    ]


def test_every_kpi_page_escapes_the_hostile_text(manager_client, hostile):
    for url in _pages(hostile.pk):
        response = manager_client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert SCRIPT not in body, url
        assert "<script>alert" not in body.lower(), url
    # the names are there, escaped: on the client page as text, in charts as JSON
    detail = manager_client.get(reverse("insights:client_detail", args=[hostile.pk]))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail.content.decode()
    escalations = manager_client.get(reverse("insights:escalations")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in escalations
    tickets = manager_client.get(reverse("insights:ticket_list")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;0" in tickets
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in tickets


def test_chart_data_of_every_page_keeps_hostile_text_inside_its_json(manager_client, hostile):
    for url in _pages(hostile.pk):
        body = manager_client.get(url).content.decode()
        for block in re.findall(
            r'<script[^>]*type="application/json"[^>]*>(.*?)</script>', body, re.S
        ):
            assert "<" not in block, url
            json.loads(block)


def test_the_acknowledge_message_escapes_the_name(manager_client, hostile):
    alert = ThresholdAlert.objects.filter(client=hostile).first()
    response = manager_client.post(
        reverse("insights:alert_acknowledge", args=[alert.pk]), follow=True
    )
    body = response.content.decode()
    assert SCRIPT not in body
    assert "&lt;script&gt;" in body


def test_the_alert_email_escapes_the_name_in_its_html_part(hostile):
    [message] = [m for m in mail.outbox if "alert(1)" in m.body]
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_import_errors_quoting_hostile_cells_are_escaped(manager_client, hostile):
    text = _csv(
        [
            ["external_id", "client", "priority", "opened_at", "source", SCRIPT],
            ["T-1", "H-0", SCRIPT, "2025-03-01T09:00:00+01:00", "client", "x"],
            ["T-2", SCRIPT, "high", "2025-03-01T09:00:00+01:00", "client", "x"],
        ]
    )
    response = _upload(manager_client, "tickets", text)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="import-errors"' in body
    assert SCRIPT not in body and "&lt;script&gt;" in body
    missing = _upload(manager_client, "tickets", _csv([[SCRIPT, "client"], ["a", "b"]]))
    assert SCRIPT not in missing.content.decode()


def _export_rows(manager_client, table: str) -> list[list[str]]:
    response = manager_client.get(reverse("insights:export", args=[table]))
    assert response.status_code == 200, table
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_export_neutralises_formulas(manager_client, hostile, table):
    rows = _export_rows(manager_client, table)
    assert rows
    for row in rows:
        for cell in row:
            if cell.startswith(FORMULA_START):
                assert NUMBER.match(cell), (table, cell)


def test_the_exports_hold_the_hostile_text_as_inert_text(manager_client, hostile):
    escalations = {row[0] for row in _export_rows(manager_client, "escalations")[1:]}
    assert escalations == {SCRIPT} | {"'" + f for f in FORMULAS}
    tickets = _export_rows(manager_client, "tickets")
    numbers = {row[0] for row in tickets[1:]}
    assert "'=cmd|' /C calc'!A00" in numbers and "'@SUM(A1)3" in numbers
    assert {row[10] for row in tickets[1:]} >= {SCRIPT}  # technician name, as text
    alerts = _export_rows(manager_client, "alerts")
    assert SCRIPT in {row[0] for row in alerts[1:]}


@pytest.mark.parametrize("prefix", ["\t", "\r", "\n=", " =", "=", "+", "-", "@"])
def test_names_entered_in_the_back_office_are_neutralised_too(manager_client, db, prefix):
    """The import strips cells; the admin does not, so a name may begin with a tab or CR."""
    client = Client.objects.create(
        external_id="ADM-1", name=f"{prefix}1+1", contract_start=datetime.date(2025, 1, 1)
    )
    from kpis import rollups
    from tests.kpis.conftest import tickets

    tickets(client, timezone.localdate() - datetime.timedelta(days=2), 3, escalated=1)
    rollups.rebuild_all()
    rows = _export_rows(manager_client, "escalations")
    [name] = [row[0] for row in rows[1:]]
    assert not name.startswith(FORMULA_START)
    assert not name.lstrip().startswith(FORMULA_START)
    tickets_rows = _export_rows(manager_client, "tickets")
    assert all(not row[1].lstrip().startswith(FORMULA_START) for row in tickets_rows[1:])
