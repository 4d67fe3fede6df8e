"""Data sources: external ids unique per source, the CSV source as every default, a
webhook integration's own source, and the migration of existing rows."""

import datetime
import io

import pytest
from django.db import IntegrityError, connection
from django.db.migrations.executor import MigrationExecutor

from kpis import importing
from kpis.models import Ticket, WebhookIntegration
from organisation.models import CSV_SOURCE_ID, Client, Contact, DataSource, Technician
from organisation.reference_data import ensure_csv_source

from .conftest import send_tickets

TICKETS = "external_id,client,priority,opened_at,source\n"


def _import(kind, text, **options):
    return importing.import_csv(kind, io.BytesIO(text.encode()), **options)


def _integration(**fields) -> tuple[WebhookIntegration, str]:
    integration = WebhookIntegration(name="HaloPSA", **fields)
    token = integration.issue_token()
    integration.save()
    return integration, token


@pytest.fixture
def acme(db):
    return Client.objects.create(
        external_id="C-1", name="Acme", contract_start=datetime.date(2026, 1, 1)
    )


def test_the_csv_source_is_the_default_of_every_record(acme):
    source = DataSource.objects.get(pk=CSV_SOURCE_ID)
    assert (source.name, source.kind, source.creates_contacts) == ("CSV", "csv", True)
    assert acme.data_source == source
    _import("tickets", TICKETS + "T-1,C-1,high,2026-03-02T09:00:00+01:00,client\n")
    assert Ticket.objects.get().data_source_id == CSV_SOURCE_ID


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_gets_the_csv_source_back():
    DataSource.objects.all().delete()
    ensure_csv_source()
    assert DataSource.objects.filter(pk=CSV_SOURCE_ID, kind="csv").exists()


@pytest.mark.django_db(transaction=True)
def test_after_a_flush_that_restarts_the_ids_a_new_source_gets_a_free_one():
    """`manage.py flush` restarts PostgreSQL's sequences and post_migrate stores the CSV
    source with id 1: the next source must not be given id 1 again."""
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    assert DataSource.objects.filter(pk=CSV_SOURCE_ID).exists()
    _integration()  # creates the integration's own source
    assert DataSource.objects.count() == 2


def test_a_new_webhook_integration_gets_a_source_of_its_own(db):
    integration, _token = _integration()
    assert integration.data_source_id != CSV_SOURCE_ID
    assert (integration.data_source.name, integration.data_source.kind) == ("HaloPSA", "webhook")


def test_the_same_ticket_id_from_csv_and_from_a_webhook_source_is_two_tickets(acme, client):
    _import("tickets", TICKETS + "T-1,C-1,high,2026-03-02T09:00:00+01:00,client\n")
    integration, token = _integration()
    ticket = {
        "external_id": "T-1",
        "client": "C-1",  # the CSV source's client: every source sees it
        "priority": "low",
        "opened_at": "2026-03-03T09:00:00+01:00",
        "source": "monitoring",
    }
    response = send_tickets(client, token, ticket)
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
    rows = dict(Ticket.objects.values_list("data_source_id", "priority"))
    assert rows == {CSV_SOURCE_ID: "high", integration.data_source_id: "low"}
    # A second push updates the webhook source's ticket only.
    send_tickets(client, token, {**ticket, "priority": "critical"})
    rows = dict(Ticket.objects.values_list("data_source_id", "priority"))
    assert rows == {CSV_SOURCE_ID: "high", integration.data_source_id: "critical"}


def test_an_import_into_another_source_keeps_its_ids_apart(acme):
    other = DataSource.objects.create(name="Autotask", kind="webhook")
    _import(
        "clients",
        "external_id,name,contract_start\nC-1,Acme (Autotask),2026-01-01\n",
        data_source_id=other.pk,
    )
    assert sorted(Client.objects.values_list("name", flat=True)) == ["Acme", "Acme (Autotask)"]
    _import("tickets", TICKETS + "T-1,C-1,high,2026-03-02T09:00:00+01:00,client\n")
    _import(
        "tickets",
        TICKETS + "T-1,C-1,low,2026-03-02T09:00:00+01:00,client\n",
        data_source_id=other.pk,
    )
    # Each source's ticket refers to its own source's client.
    by_source = {t.data_source_id: t.client.name for t in Ticket.objects.select_related("client")}
    assert by_source == {CSV_SOURCE_ID: "Acme", other.pk: "Acme (Autotask)"}


def test_external_ids_are_unique_within_a_source(acme):
    with pytest.raises(IntegrityError):
        Client.objects.create(external_id="C-1", name="Again", contract_start=acme.contract_start)


def test_contacts_without_external_id_do_not_collide(acme):
    Contact.objects.create(client=acme, name="A", email="a@acme.example")
    Contact.objects.create(client=acme, name="B", email="b@acme.example")
    assert Contact.objects.filter(external_id="").count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_existing_rows_to_the_csv_source():
    before = [("organisation", "0001_initial"), ("kpis", "0009_organisation_app")]
    after = [("organisation", "0002_data_sources"), ("kpis", "0011_ticket_source_requester_title")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        client = old.get_model("organisation", "Client").objects.create(
            external_id="C-1", name="Acme", contract_start=datetime.date(2026, 1, 1)
        )
        old.get_model("organisation", "Contact").objects.create(
            client=client, name="Ada", email="ada@acme.example"
        )
        old.get_model("organisation", "Technician").objects.create(
            external_id="T-1",
            name="Tom",
            email="tom@msp.example",
            hire_date=datetime.date(2025, 1, 1),
        )
        opened = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
        old.get_model("kpis", "Ticket").objects.create(
            external_id="PSA-1",
            client=client,
            priority="high",
            opened_at=opened,
            opened_on=opened.date(),
            source="client",
        )
        old.get_model("kpis", "WebhookIntegration").objects.create(
            name="HaloPSA", token_hash="x" * 64, token_prefix="x"
        )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps
        for app, model in [
            ("organisation", "Client"),
            ("organisation", "Contact"),
            ("organisation", "Technician"),
            ("kpis", "Ticket"),
            ("kpis", "WebhookIntegration"),
        ]:
            rows = new.get_model(app, model).objects.values_list("data_source_id", flat=True)
            assert list(rows) == [CSV_SOURCE_ID], model
        ticket = new.get_model("kpis", "Ticket").objects.get()
        assert (ticket.external_id, ticket.title, ticket.requester_id) == ("PSA-1", "", None)
        assert new.get_model("organisation", "Contact").objects.get().external_id == ""
        source = new.get_model("organisation", "DataSource").objects.get()
        assert (source.pk, source.name, source.kind) == (CSV_SOURCE_ID, "CSV", "csv")
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )


@pytest.mark.parametrize(
    ("kind", "first", "second", "model"),
    [
        (
            "clients",
            "external_id,name,contract_start\nK-1,Alpha,2026-01-01\n",
            "external_id,name,contract_start\nK-1,Alpha Renamed,2026-01-01\n",
            Client,
        ),
        (
            "technicians",
            "external_id,name,email,hire_date\nM-1,Tim,tim@msp.example,2025-01-01\n",
            "external_id,name,email,hire_date\nM-1,Tim Renamed,tim@msp.example,2025-01-01\n",
            Technician,
        ),
    ],
)
def test_a_stored_record_of_another_source_is_updated_in_that_source(
    db, kind, first, second, model
):
    """A client or technician imported into a PSA's source and changed later stays in
    that source; the CSV source's record of the same external id is left alone."""
    psa = DataSource.objects.create(name="HaloPSA", kind=DataSource.Kind.FILE)
    _import(kind, first)  # the CSV source's own K-1 / M-1
    _import(kind, first, data_source_id=psa.pk)
    result = _import(kind, second, data_source_id=psa.pk)
    assert (result.created, result.updated) == (0, 1)
    by_source = dict(model.objects.values_list("data_source_id", "name"))
    assert by_source[CSV_SOURCE_ID] in ("Alpha", "Tim")
    assert by_source[psa.pk].endswith("Renamed")
    assert model.objects.count() == 2
