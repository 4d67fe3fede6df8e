"""The pull of a PSA connection against the fake servers (tests/fakes/psa.py): backfill
with paging, resume after a crash, idempotent reruns, events and pulls on one ticket,
deletions and merges, dirty records, no ratings from a backfill, the task's lock."""

import datetime

import pytest
import time_machine

from integrations import pull as pulling
from integrations import sync, tasks
from integrations.clients import connectwise, for_integration
from integrations.models import DirtyRecord, Event, Integration, PullCursor
from kpis.models import Ticket
from organisation.models import Client, Contact, Technician
from ratings.models import TicketRating
from surveys.models import SurveySettings
from tests.fakes.psa import FakeAutotask, FakeHalo

# The fixtures' tickets were resolved on 2026-10-05/06: within the ratings' window.
NOW = datetime.datetime(2026, 10, 6, 12, 0, tzinfo=datetime.UTC)
PRIORITIES = {
    "critical": ["Priority 1*"],
    "high": ["Priority 2*"],
    "medium": ["Priority 3*"],
    "low": ["Priority 4*"],
}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(connectwise, "PAGE_SIZE", 50)


def connect(server, kind="connectwise", **fields) -> Integration:
    integration = Integration(
        kind=kind, name=kind, base_url=server.base_url, priorities=PRIORITIES, **fields
    )
    integration.replace_credentials(server.CREDENTIALS)
    integration.save()
    return integration


def client_of(integration):
    return for_integration(integration, sleep=lambda seconds: None)


def run(integration):
    return pulling.pull(integration, client_of(integration))


def tickets_of(integration):
    return Ticket.objects.filter(data_source=integration.data_source)


@pytest.fixture
def cw(db, cw_server, frozen):
    return connect(cw_server)


def test_a_backfill_brings_clients_contacts_technicians_and_tickets(cw, cw_server):
    summary = run(cw)
    cw.refresh_from_db()
    assert cw.last_sync_ok is True, cw.last_error
    source = cw.data_source
    assert set(Client.objects.filter(data_source=source).values_list("external_id", flat=True)) == {
        "19433",
        "19501",
        "19588",
    }
    assert Contact.objects.filter(data_source=source).count() == 3
    assert Technician.objects.filter(data_source=source).count() == 3
    ticket = tickets_of(cw).get(external_id="48211")
    assert ticket.client.external_id == "19433"
    assert ticket.priority == "medium"
    assert ticket.technician.external_id == "178"
    assert ticket.requester.email == "maria.krueger@sonnenkorn.example"
    assert ticket.resolved_at == datetime.datetime(2026, 10, 5, 11, 5, tzinfo=datetime.UTC)
    assert summary.written["ticket"] == 3
    # Columns the PSA cannot give: the day the connection was made.
    assert Client.objects.get(data_source=source, external_id="19433").contract_start == NOW.date()
    assert Technician.objects.filter(data_source=source, hire_date=NOW.date()).count() == 3
    # Only the fields used were asked for.
    assert "fields" in cw_server.arrived("service/tickets")[0].query


def test_a_large_backfill_pages_and_writes_in_bulk(
    cw, cw_server, small_pages, django_assert_max_num_queries
):
    cw_server.seed("tickets", 147)
    # Per page a fixed number of queries, not one per ticket.
    with django_assert_max_num_queries(120):
        run(cw)
    assert tickets_of(cw).count() == 150
    assert len(cw_server.arrived("service/tickets")) == 3  # 50 a page
    stored = PullCursor.objects.get(integration=cw, entity="ticket")
    assert stored.completed_at is not None
    assert stored.last_id == "100146"


class Crash(Exception):
    pass


def test_a_pull_killed_mid_way_resumes_from_its_cursor_without_duplicates(
    cw, cw_server, small_pages
):
    cw_server.seed("tickets", 147)
    client = client_of(cw)
    reader = client.tickets

    def dies_after_two_pages(cursor=None):
        for number, page in enumerate(reader(cursor)):
            if number == 2:
                raise Crash
            yield page

    client.tickets = dies_after_two_pages
    with pytest.raises(Crash):
        pulling.Puller(cw, client).run()
    assert tickets_of(cw).count() == 100
    assert PullCursor.objects.get(integration=cw, entity="ticket").completed_at is None
    asked = len(cw_server.arrived("service/tickets"))

    run(cw)
    assert tickets_of(cw).count() == 150
    resumed = cw_server.arrived("service/tickets")[asked]
    assert "id>100096" in resumed.query["conditions"]  # continues after the stored page
    assert tickets_of(cw).values("external_id").distinct().count() == 150


def test_a_rerun_changes_nothing(cw, cw_server):
    run(cw)
    before = list(tickets_of(cw).order_by("pk").values())
    summary = run(cw)
    assert summary.written.get("ticket", 0) == 0
    assert list(tickets_of(cw).order_by("pk").values()) == before


def test_a_ticket_by_event_and_by_pull_is_one_ticket(cw, cw_server):
    run(cw)
    event = Event.objects.create(
        integration=cw, dedupe_key="m1", entity="ticket", external_id="48211", action="updated"
    )
    for record in cw_server.records["tickets"]:
        if record["id"] == 48211:
            record["summary"] = "Outlook asks for the password again"
    assert sync.apply_event(event) == "applied"
    assert tickets_of(cw).get(external_id="48211").title == "Outlook asks for the password again"
    cw_server.touch("tickets", 48211, NOW)
    run(cw)
    assert tickets_of(cw).filter(external_id="48211").count() == 1
    assert tickets_of(cw).count() == 3


def test_an_event_for_an_unreachable_psa_waits_as_dirty_and_the_pull_applies_it(cw, cw_server):
    run(cw)
    cw_server.fail(503, times=1, path_contains="service/tickets/48212")
    event = Event.objects.create(
        integration=cw, dedupe_key="m2", entity="ticket", external_id="48212", action="updated"
    )
    for record in cw_server.records["tickets"]:
        if record["id"] == 48212:
            record["summary"] = "Changed in the PSA"
    assert sync.apply_event(event) == "dirty"
    assert DirtyRecord.objects.filter(integration=cw, external_id="48212").exists()
    summary = run(cw)
    assert summary.dirty == 1
    assert not DirtyRecord.objects.exists()
    assert tickets_of(cw).get(external_id="48212").title == "Changed in the PSA"


def test_a_dirty_ticket_the_psa_no_longer_has_is_deleted(cw, cw_server):
    run(cw)
    cw_server.records["tickets"] = [r for r in cw_server.records["tickets"] if r["id"] != 48213]
    sync.mark_dirty(cw.pk, "ticket", ["48213"])
    summary = run(cw)
    assert summary.deleted == 1
    assert not tickets_of(cw).filter(external_id="48213").exists()
    assert not DirtyRecord.objects.exists()


def test_connectwise_tickets_deleted_without_a_callback_leave_by_the_daily_id_sweep(
    cw, cw_server, frozen
):
    run(cw)
    assert tickets_of(cw).count() == 3
    # Deleted in ConnectWise while no callback came (none is registered, or it was lost).
    cw_server.records["tickets"] = [r for r in cw_server.records["tickets"] if r["id"] != 48212]
    frozen.shift(datetime.timedelta(hours=23))
    assert run(cw).deleted == 0
    assert tickets_of(cw).count() == 3
    # A ticket stored by an event with an id above every one the PSA lists stays.
    tickets_of(cw).filter(external_id="48213").update(external_id="99999")
    frozen.shift(datetime.timedelta(hours=1))
    asked = len(cw_server.arrived("service/tickets"))
    assert run(cw).deleted == 1
    assert sorted(tickets_of(cw).values_list("external_id", flat=True)) == ["48211", "99999"]
    # The pass asked for ids only; the next is due a day later.
    passes = cw_server.arrived("service/tickets")[asked:]
    assert any(a.query.get("fields") == "id" for a in passes)
    assert run(cw).deleted == 0


def test_a_merged_ticket_leaves(cw, cw_server):
    run(cw)
    for record in cw_server.records["tickets"]:
        if record["id"] == 48212:
            record["mergedParentTicket"] = {"id": 48211}
    cw_server.touch("tickets", 48212, NOW)
    run(cw)
    assert set(tickets_of(cw).values_list("external_id", flat=True)) == {"48211", "48213"}


def test_a_page_with_a_bad_record_stores_nothing_and_names_the_problem(cw, cw_server):
    cw.priorities = {"critical": ["Priority 1*"]}  # "Priority 3 ..." is not mapped
    cw.save()
    run(cw)
    cw.refresh_from_db()
    assert cw.last_sync_ok is False
    assert "48211" in cw.last_error and "priority" in cw.last_error
    assert not tickets_of(cw).exists()  # not the good tickets of that page either
    assert PullCursor.objects.get(integration=cw, entity="ticket").last_id == ""
    cw.priorities = PRIORITIES
    cw.save()
    run(cw)
    cw.refresh_from_db()
    assert cw.last_sync_ok is True
    assert tickets_of(cw).count() == 3


def test_a_backfill_schedules_no_rating_but_a_later_resolution_does(cw, cw_server):
    SurveySettings.objects.update_or_create(pk=1, defaults={"rating_enabled": True})
    config = SurveySettings.load()
    config.rating_enabled = True
    config.save()
    ticket = next(r for r in cw_server.records["tickets"] if r["id"] == 48211)
    resolved = {k: ticket[k] for k in ("dateResolved", "closedDate", "closedFlag", "status")}
    run(cw)  # history: every ticket first seen resolved
    assert tickets_of(cw).filter(resolved_at__isnull=False).count() == 3
    assert not TicketRating.objects.exists()

    # The ticket is reopened in the PSA, then resolved again.
    ticket.update(dateResolved=None, closedDate=None, closedFlag=False, status={"name": "New"})
    cw_server.touch("tickets", 48211, NOW)
    run(cw)
    assert tickets_of(cw).get(external_id="48211").resolved_at is None
    ticket.update(resolved, dateResolved="2026-10-06T11:30:00Z")
    cw_server.touch("tickets", 48211, NOW + datetime.timedelta(minutes=1))
    run(cw)
    assert TicketRating.objects.filter(ticket__external_id="48211").count() == 1


def test_the_task_pulls_once_while_another_pull_holds_the_lock(cw, cw_server, monkeypatch):
    ran = []
    monkeypatch.setattr(
        pulling, "pull", lambda integration: ran.append(integration.pk) or pulling.Summary()
    )
    from django.core.cache import cache

    cache.add(tasks.pull_lock_key(cw.pk), "1", 60)
    try:
        assert tasks.pull(cw.pk) == "busy"
        assert ran == []
    finally:
        cache.delete(tasks.pull_lock_key(cw.pk))
    tasks.pull(cw.pk)
    assert ran == [cw.pk]
    assert cache.add(tasks.pull_lock_key(cw.pk), "1", 60)  # released after the run
    cache.delete(tasks.pull_lock_key(cw.pk))


def test_a_psa_error_is_recorded_with_its_message(cw, cw_server, monkeypatch):
    cw_server.fail(500, times=4, path_contains="company/companies")
    monkeypatch.setattr(pulling, "for_integration", lambda integration: client_of(integration))
    assert tasks.pull(cw.pk) == "failed"
    cw.refresh_from_db()
    assert cw.last_sync_ok is False
    assert cw.last_error
    assert not tickets_of(cw).exists()
    assert tasks.pull(cw.pk) == "done"  # the PSA answers again


def test_backfill_from_a_date_reads_the_tickets_changed_since_then(cw, cw_server):
    run(cw)
    pulling.backfill_from(cw, datetime.date(2026, 9, 1))
    run(cw)
    last = cw_server.arrived("service/tickets")[-1]
    assert "lastUpdated>=[2026-09-01T00:00:00Z]" in last.query["conditions"]


@pytest.mark.parametrize("server_class", [FakeAutotask, FakeHalo])
def test_the_other_psas_backfill_too(db, frozen, server_class):
    with server_class() as server:
        kind = server_class.vendor
        integration = connect(server, kind=kind)
        run(integration)
        integration.refresh_from_db()
        assert integration.last_sync_ok is True, integration.last_error
        assert Client.objects.filter(data_source=integration.data_source).count() == 3
        assert tickets_of(integration).count() == 3


def test_autotask_deleted_ticket_logs_are_applied(db, frozen):
    with FakeAutotask() as server:
        integration = connect(server, kind="autotask")
        run(integration)
        assert tickets_of(integration).filter(external_id="7212").exists()
        server.records["DeletedTicketLogs"].append(
            {"id": 312, "ticketID": 7212, "deletedDateTime": "2026-10-06T12:00:00.000Z"}
        )
        summary = run(integration)
        integration.refresh_from_db()
        assert integration.last_sync_ok is True, integration.last_error
        assert summary.deleted == 1
        assert not tickets_of(integration).filter(external_id="7212").exists()
        assert tickets_of(integration).count() == 2


def test_unreadable_credentials_end_the_pull_with_a_message(cw, cw_server):
    cw.secrets_encrypted = "not a token"
    cw.save(update_fields=["secrets_encrypted"])
    pulling.pull(Integration.objects.get(pk=cw.pk))
    cw.refresh_from_db()
    assert cw.last_sync_ok is False
    assert "encryption keys" in cw.last_error or "Verschlüsselung" in cw.last_error
    assert cw_server.requests == []


def test_halo_merged_and_deleted_tickets_leave(db, frozen):
    with FakeHalo(now=lambda: NOW) as server:
        integration = connect(server, kind="halopsa")
        run(integration)
        assert tickets_of(integration).count() == 3
        # The fixture's ticket 10457 was merged into 10452 before: never stored.
        assert not tickets_of(integration).filter(external_id="10457").exists()
        tickets = {r["id"]: r for r in server.records["Tickets"]}
        tickets[10453]["merged_into_id"] = 10452
        tickets[10454]["deleted"] = True
        server.touch("Tickets", 10453, NOW)
        server.touch("Tickets", 10454, NOW)
        run(integration)
        integration.refresh_from_db()
        assert integration.last_sync_ok is True, integration.last_error
        assert list(tickets_of(integration).values_list("external_id", flat=True)) == ["10452"]


@pytest.mark.django_db(transaction=True)
def test_two_pulls_of_one_connection_at_once_make_one_pull(cw_server, monkeypatch):
    import threading

    from django.db import connection

    integration = connect(cw_server)
    entered, release = threading.Event(), threading.Event()
    pulled = []

    def slow_pull(integration):
        pulled.append(integration.pk)
        entered.set()
        release.wait(5)
        return pulling.Summary()

    monkeypatch.setattr(pulling, "pull", slow_pull)
    results = []

    def first():
        try:
            results.append(tasks.pull(integration.pk))
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert entered.wait(5)
    results.append(tasks.pull(integration.pk))  # while the first one runs
    release.set()
    thread.join(5)
    assert pulled == [integration.pk]
    assert "busy" in results and len(results) == 2


def test_a_rate_limited_pull_goes_on_when_the_psa_allows(cw, cw_server, monkeypatch):
    cw_server.fail(429, times=4, headers={"Retry-After": "600"}, path_contains="service/tickets")
    monkeypatch.setattr(pulling, "for_integration", lambda integration: client_of(integration))
    later = []
    monkeypatch.setattr(tasks.pull, "apply_async", lambda args, countdown: later.append(countdown))
    assert tasks.pull(cw.pk) == "rate-limited"
    assert later == [600]
    cw.refresh_from_db()
    assert cw.last_sync_ok is False and cw.last_error
    assert Client.objects.filter(data_source=cw.data_source).count() == 3  # kept


def test_dirty_tickets_are_written_together_whatever_their_number(cw, cw_server):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run(cw)
    ids = [str(r["id"]) for r in cw_server.records["tickets"]]

    def queries_for(marked):
        sync.mark_dirty(cw.pk, "ticket", marked)
        with CaptureQueriesContext(connection) as queries:
            pulling.Puller(cw, client_of(cw)).apply_dirty()
        assert not DirtyRecord.objects.exists()
        return len(queries)

    assert len(ids) == 3
    assert queries_for(ids[:1]) == queries_for(ids)
    for record in cw_server.records["tickets"]:
        record["summary"] = f"Changed {record['id']}"
    queries_for(ids)
    assert sorted(tickets_of(cw).values_list("title", flat=True)) == sorted(
        f"Changed {i}" for i in ids
    )
