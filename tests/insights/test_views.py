"""Manager pages: tiles, drill-down, filters, exports, access and bounded queries."""

import csv
import datetime
import io
import re

import pytest
import time_machine
from django.urls import reverse

from core.periods import Period
from kpis import rollups
from kpis.models import ThresholdAlert
from organisation.models import Contact
from tests.helpers import make_user
from tests.kpis.conftest import make_client, tickets

NOW = datetime.datetime(2026, 3, 20, 11, tzinfo=datetime.UTC)
PAGES = [
    "insights:dashboard",
    "insights:escalations",
    "insights:proactive",
    "insights:sla",
    "insights:sla_reconciliation",
    "insights:satisfaction",
    "insights:turnover",
    "insights:ticket_list",
    "insights:alerts",
    "kpis:import",
]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def tile(response, key):
    return next(t for t in response.context["tiles"] if t["key"] == key)


def _data(n_clients, per_client):
    """Clients with tickets in March and February, each with a title and a requester
    (so lists and exports that show them keep their query counts)."""
    clients = []
    for index in range(n_clients):
        client = make_client(
            f"Client {index}",
            start=datetime.date(2025, 6, 1),
            segment="Handel" if index % 2 else "Kanzlei",
        )
        asking = Contact.objects.create(client=client, name="Ada", email=f"ada{index}@x.example")
        shown = {"title": "Printer jams", "requester": asking}
        tickets(
            client,
            datetime.date(2026, 3, 2 + index % 15),
            per_client,
            escalated=per_client // 10,
            **shown,
        )
        tickets(
            client,
            datetime.date(2026, 2, 2 + index % 15),
            per_client,
            escalated=per_client // 20,
            **shown,
        )
        clients.append(client)
    rollups.rebuild_all()
    return clients


def test_the_dashboard_without_data_shows_dashes(manager_client):
    response = manager_client.get(reverse("insights:dashboard"))
    assert response.status_code == 200
    for key in ("escalation", "csat", "nps", "ces", "pulse", "proactive", "sla", "maturity"):
        assert tile(response, key)["value"] == "—", key
    assert 'data-testid="tile-escalation"' in response.content.decode()


def test_the_dashboard_shows_shares_and_their_change(manager_client, kpi_settings):
    _data(2, 20)  # March: 2 of 20 escalated per client = 10 %; February: 1 of 20 = 5 %
    response = manager_client.get(reverse("insights:dashboard"))
    escalation = tile(response, "escalation")
    assert escalation["value"] == "10,0 %"
    assert "▲" in escalation["change"] and "5,0" in escalation["change"]
    assert escalation["change_class"] == "text-danger"  # more escalations is bad
    assert escalation["url"].startswith(reverse("insights:escalations"))


def test_the_survey_tiles_use_the_surveys_metrics(manager_client, monkeypatch):
    calls = []

    def summary(period, client_ids=None):
        calls.append((period, client_ids))
        return {
            "csat": 0.8,
            "nps": 35.0,
            "ces": 5.5,
            "responses": 12,
            "invited": 20,
            "response_rate": 0.6,
        }

    monkeypatch.setattr("surveys.metrics.client_onboarding_summary", summary)
    monkeypatch.setattr("surveys.metrics.pulse_average", lambda period: 3.8)
    response = manager_client.get(reverse("insights:dashboard"))
    assert tile(response, "csat")["value"] == "80 %"
    assert tile(response, "nps")["value"] == "35"
    assert tile(response, "ces")["value"] == "5,50"
    assert tile(response, "pulse")["value"] == "3,80"
    (current, _ids), (previous, _ids) = calls
    assert current == Period.through(datetime.date(2026, 2, 19), datetime.date(2026, 3, 20))
    assert previous.end == current.start


def test_a_segment_filter_restricts_the_figures(manager_client):
    _data(4, 20)
    response = manager_client.get(reverse("insights:escalations"), {"segment": "Handel"})
    names = [row["state"].name for row in response.context["report"]["rows"]]
    assert names == ["Client 1", "Client 3"]


def test_a_bad_custom_period_shows_errors_at_the_fields_and_keeps_the_input(manager_client):
    response = manager_client.get(
        reverse("insights:dashboard"),
        {"period": "custom", "start": "2026-03-10", "end": "2026-03-01"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "end" in form.errors
    assert form["start"].value() == "2026-03-10"
    assert response.context["filters"].period.days == 30  # fell back to the default


def test_a_custom_period(manager_client):
    _data(1, 20)
    response = manager_client.get(
        reverse("insights:dashboard"),
        {"period": "custom", "start": "2026-02-01", "end": "2026-02-28"},
    )
    assert tile(response, "escalation")["value"] == "5,0 %"


def test_the_escalation_detail_lists_clients_against_their_thresholds(manager_client, kpi_settings):
    clients = _data(2, 20)
    clients[1].escalation_threshold = 20
    clients[1].save()
    response = manager_client.get(reverse("insights:escalations"))  # last 30 days: March only
    rows = {row["state"].name: row["state"] for row in response.context["report"]["rows"]}
    assert rows["Client 0"].share == pytest.approx(0.1)  # 2 of 20
    assert rows["Client 0"].state == "breach"  # at the default 10 %
    assert rows["Client 1"].threshold == pytest.approx(0.2)
    assert rows["Client 1"].state == "ok"  # 10 % is below 80 % of 20 %
    body = response.content.decode()
    assert reverse("insights:client_detail", args=[clients[0].pk]) in body


def test_the_client_page_shows_onboarding_day_tickets_surveys_and_alerts(
    manager_client, monkeypatch
):
    fresh = make_client("Fresh", start=datetime.date(2026, 1, 1))
    tickets(fresh, datetime.date(2026, 3, 19), 5, escalated=1)
    rollups.rebuild_all()
    ThresholdAlert.objects.create(
        client=fresh,
        period_start=datetime.date(2026, 3, 1),
        state="warning",
        share=0.2,
        tickets=5,
        escalated=1,
        threshold=0.1,
    )
    monkeypatch.setattr(
        "surveys.metrics.client_onboarding_summary",
        lambda period, client_ids=None: {
            "csat": 0.9,
            "nps": 50.0,
            "ces": 6.0,
            "responses": 3,
            "invited": 4,
            "response_rate": 0.75,
        },
    )
    response = manager_client.get(reverse("insights:client_detail", args=[fresh.pk]))
    body = response.content.decode()
    # 20 March 2026 is day 78 after 1 January (day 0): "day 79 of 90" for people
    assert response.context["onboarding"]["day_number"] == 79
    assert "79" in body and "90" in body
    assert len(response.context["recent"]) == 5
    assert len(response.context["escalated"]) == 1
    assert len(response.context["alerts"]) == 1
    assert "CSAT 90 %" in body
    assert reverse("insights:ticket_list") + f"?client={fresh.pk}" in body


def test_the_ticket_list_is_paginated_and_filterable(manager_client):
    acme = make_client("Acme")
    other = make_client("Other")
    tickets(acme, datetime.date(2026, 3, 2), 60, escalated=7)
    tickets(other, datetime.date(2026, 3, 2), 5)
    url = reverse("insights:ticket_list")
    response = manager_client.get(url, {"client": acme.pk})
    assert response.context["page"].paginator.count == 60
    assert len(response.context["page"].object_list) == 50
    second = manager_client.get(url, {"client": acme.pk, "page": 2})
    assert len(second.context["page"].object_list) == 10
    escalated = manager_client.get(url, {"client": acme.pk, "escalated": "yes"})
    assert escalated.context["page"].paginator.count == 7
    assert "escalated=yes" in escalated.context["query"]


def _count_queries(client, name, django_assert_max_num_queries, limit, **kwargs):
    url = reverse(name, kwargs=kwargs or None)
    with django_assert_max_num_queries(limit):
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200


LIMITS = {
    "insights:dashboard": 24,
    "insights:escalations": 16,
    "insights:proactive": 10,
    "insights:sla": 11,
    "insights:sla_reconciliation": 9,
    "insights:satisfaction": 17,
    "insights:turnover": 13,
    "insights:ticket_list": 8,
    "insights:alerts": 8,
    "kpis:import": 5,
}


@pytest.mark.parametrize("n_clients,per_client", [(1, 10), (10, 50)])
def test_every_page_keeps_a_fixed_number_of_queries(
    manager_client, django_assert_max_num_queries, kpi_settings, n_clients, per_client
):
    clients = _data(n_clients, per_client)
    for client in clients:
        ThresholdAlert.objects.create(
            client=client,
            period_start=datetime.date(2026, 3, 1),
            state="warning",
            share=0.09,
            tickets=per_client,
            escalated=1,
            threshold=0.1,
        )
    for name, limit in LIMITS.items():
        _count_queries(manager_client, name, django_assert_max_num_queries, limit)
    _count_queries(
        manager_client,
        "insights:client_detail",
        django_assert_max_num_queries,
        22,
        pk=clients[0].pk,
    )
    tables = ("escalations", "tickets", "monthly", "sla", "sla-reconciliation", "satisfaction")
    for table in (*tables, "turnover", "alerts"):
        _count_queries(
            manager_client, "insights:export", django_assert_max_num_queries, 16, table=table
        )


def test_the_ticket_list_the_client_page_and_the_export_show_title_and_requester(
    manager_client,
):
    (acme,) = _data(1, 2)
    listed = manager_client.get(reverse("insights:ticket_list")).content.decode()
    page = manager_client.get(reverse("insights:client_detail", args=[acme.pk]))
    for body in (listed, page.content.decode()):
        assert "Printer jams" in body and "Ada" in body
    response = manager_client.get(reverse("insights:export", args=["tickets"]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    # New columns follow the ones the export always had.
    assert rows[0][-4:] == [
        "Techniker",
        "Titel",
        "Anfragende Person",
        "E-Mail der anfragenden Person",
    ]
    assert rows[1][-3:] == ["Printer jams", "Ada", "ada0@x.example"]


def test_exports_neutralise_formulas(manager_client):
    evil = make_client('=HYPERLINK("http://evil")', start=datetime.date(2025, 6, 1))
    tickets(evil, datetime.date(2026, 3, 2), 3, escalated=1)
    rollups.rebuild_all()
    response = manager_client.get(reverse("insights:export", args=["escalations"]))
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == '\'=HYPERLINK("http://evil")'
    assert rows[1][1] == "3"
    tickets_csv = b"".join(
        manager_client.get(reverse("insights:export", args=["tickets"])).streaming_content
    ).decode("utf-8-sig")
    assert "'=HYPERLINK" in tickets_csv


def test_empty_figures_export_as_dashes(manager_client):
    make_client("Quiet")
    text = b"".join(
        manager_client.get(reverse("insights:export", args=["escalations"])).streaming_content
    ).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][3] == "—"


def test_an_unknown_export_is_404(manager_client):
    assert manager_client.get(reverse("insights:export", args=["secrets"])).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_technicians_and_anonymous_users_get_no_manager_page(client, technician_user, name):
    url = reverse(name)
    assert client.get(url).status_code == 302
    client.force_login(technician_user)
    assert client.get(url).status_code == 403


def test_technicians_get_no_export(client, technician_user):
    url = reverse("insights:export", args=["tickets"])
    assert client.get(url).status_code == 302
    client.force_login(technician_user)
    assert client.get(url).status_code == 403
    client.force_login(make_user("nobody"))
    assert client.get(url).status_code == 403


def test_the_nav_shows_manager_links_only_to_managers(client, manager, technician_user):
    client.force_login(manager)
    assert reverse("kpis:import") in client.get(reverse("home")).content.decode()
    client.force_login(technician_user)
    assert reverse("kpis:import") not in client.get(reverse("home")).content.decode()


def test_the_turnover_page_explains_too_few_quarters(manager_client):
    response = manager_client.get(reverse("insights:turnover"))
    assert response.context["report"]["inflection"].reason == "too_few"
    assert (
        "Too few quarters" in response.content.decode() or "Zu wenige" in response.content.decode()
    )


def test_the_dashboard_with_a_segment_filter_shows_that_segments_figures(manager_client):
    _data(4, 20)  # Handel: clients 1 and 3; each client 40 tickets, 3 escalated
    response = manager_client.get(
        reverse("insights:dashboard"), {"period": "year", "segment": "Handel"}
    )
    assert tile(response, "escalation")["hint"] == "6 von 80 Tickets"
    response = manager_client.get(reverse("insights:dashboard"), {"period": "year"})
    assert tile(response, "escalation")["hint"] == "12 von 160 Tickets"


@pytest.mark.parametrize("name", ["insights:dashboard", "insights:ticket_list"])
def test_the_client_filter_is_a_picker_not_a_list_of_every_client(manager_client, name):
    """500 clients made a 500-option select on every page (docs/benchmarks.md); the
    picker shows the chosen client's name, escaped, and lists nobody."""
    clients = [
        make_client(f"Client {i} & <Co>", start=datetime.date(2025, 6, 1)) for i in range(30)
    ]
    response = manager_client.get(reverse(name), {"client": clients[7].pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="client" value="{clients[7].pk}"' in html
    box = re.search(r'<input[^>]*name="client_name"[^>]*>', html).group(0)
    assert 'value="Client 7 &amp; &lt;Co&gt;"' in box
    assert "&lt;Co&gt;</option>" not in html
    assert 'role="combobox"' in html and reverse("insights:client_search") in html


def test_the_client_page_filters_by_period_only(manager_client):
    clients = _data(3, 20)
    response = manager_client.get(
        reverse("insights:client_detail", args=[clients[0].pk]),
        {"period": "year", "segment": "Handel", "client": clients[1].pk},
    )
    html = response.content.decode()
    assert 'name="period"' in html
    assert 'name="client"' not in html and 'name="segment"' not in html
    # The page stays the page of its own client, whatever the query string says.
    assert response.context["client"] == clients[0]
    assert response.context["summary"]["tickets"] == 40
