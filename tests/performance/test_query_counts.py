"""The dashboard, the client page and the ticket list run exactly the same number of
queries for 50 and for 2,000 tickets (tests/kpis pins upper limits per page; this pins
that the count does not move with the data). Speed itself is measured by `make bench`."""

from __future__ import annotations

import datetime
import random
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kpis import rollups
from kpis.models import ThresholdAlert, Ticket
from organisation.models import Client, Contact, Technician

ZONE = zoneinfo.ZoneInfo("Europe/Berlin")


def _load(tickets: int, clients: int) -> list[Client]:
    rng = random.Random(tickets)
    today = timezone.localdate()
    made = [
        Client.objects.create(
            external_id=f"QC-{i}",
            name=f"Query Client {i}",
            segment=["Handel", "Kanzlei"][i % 2],
            contract_start=today - datetime.timedelta(days=30 + 40 * i),
        )
        for i in range(clients)
    ]
    # A contact, so the client page judges consent (the suppression list).
    Contact.objects.create(client=made[0], name="Q Contact", email="q.contact@example.com")
    technician = Technician.objects.create(
        external_id="QT-1", name="Q Tech", email="q@example.com", hire_date=today.replace(year=2020)
    )
    rows = []
    for n in range(tickets):
        day = today - datetime.timedelta(days=rng.randrange(1, 400))
        opened = datetime.datetime.combine(day, datetime.time(rng.choice([8, 13, 17])), tzinfo=ZONE)
        ticket = Ticket(
            external_id=f"QT-{n}",
            client=made[n % clients],
            priority=rng.choice(["critical", "high", "medium", "low"]),
            opened_at=opened,
            first_response_at=opened + datetime.timedelta(minutes=rng.randint(1, 300)),
            resolved_at=opened + datetime.timedelta(minutes=rng.randint(300, 3000)),
            escalated=rng.random() < 0.1,
            source=rng.choice(["client", "monitoring", "automation", "self_service"]),
            technician=technician,
        )
        ticket.derive()
        rows.append(ticket)
    Ticket.objects.bulk_create(rows, batch_size=1000)
    rollups.rebuild_all()
    for client in made[:3]:
        ThresholdAlert.objects.create(
            client=client,
            period_start=today.replace(day=1),
            state="warning",
            share=0.09,
            tickets=30,
            escalated=3,
            threshold=0.1,
        )
    return made


def _pages(clients: list[Client]) -> dict[str, str]:
    first = clients[0].pk
    dashboard = reverse("insights:dashboard")
    tickets = reverse("insights:ticket_list")
    return {
        "dashboard": dashboard,
        "dashboard, 12 months": f"{dashboard}?period=year",
        "dashboard, client": f"{dashboard}?client={first}",
        "dashboard, segment": f"{dashboard}?segment=Handel",
        "client page": reverse("insights:client_detail", kwargs={"pk": first}),
        "ticket list": f"{tickets}?client={first}",
        "ticket list, page 2": f"{tickets}?page=2",
    }


# The counts themselves, only ever lowered (each with its reason): the client page reads
# its escalation state from the counts it has just summed (kpis.thresholds.client_state,
# 20 -> 18) and judges its contacts' consent by the client it has loaded
# (organisation.consent.withheld_reasons(client=...), 18 -> 17). A closed team round
# adds three to the dashboard (tests/insights/test_maturity_tile.py; seven before
# assessments.services.round_phase).
EXPECTED = {
    "dashboard": 18,
    "dashboard, 12 months": 18,
    "dashboard, client": 19,
    "dashboard, segment": 19,
    "client page": 17,
    "ticket list": 6,
    "ticket list, page 2": 5,
}


def _counts(client, clients) -> dict[str, int]:
    counts = {}
    for name, url in _pages(clients).items():
        client.get(url)  # first request warms per-process caches (content types)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, name
        counts[name] = len(queries)
    return counts


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_the_number_of_tickets(
    manager_client, django_capture_on_commit_callbacks
):
    small = _counts(manager_client, _load(tickets=50, clients=5))
    # Deleting tickets schedules a rollup refresh on commit: let it run.
    with django_capture_on_commit_callbacks(execute=True):
        Ticket.objects.all().delete()
        ThresholdAlert.objects.all().delete()
        Contact.objects.all().delete()
        Client.objects.all().delete()
        Technician.objects.all().delete()
    large = _counts(manager_client, _load(tickets=2000, clients=40))
    assert Ticket.objects.count() == 2000
    assert large == small
    assert small == EXPECTED
