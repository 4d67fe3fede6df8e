"""Several events of one connection applied at once leave the product as applying each
in turn would: per ticket a deletion, then one fetch if an event after it said it was
changed; the fetched tickets in one upsert; dirty marks for what cannot be read yet."""

import pytest
import time_machine

from integrations import pull, sync
from integrations.models import DirtyRecord, Event

from .test_pull import NOW, connect, run, tickets_of


@pytest.fixture
def cw(db, cw_server):
    """A ConnectWise connection to the fake server, at the time its fixtures expect."""
    with time_machine.travel(NOW, tick=False):
        yield connect(cw_server)


def _events(integration, *changes) -> list[Event]:
    """Stored events, in order, from (entity, id, action)."""
    return [
        Event.objects.create(
            integration=integration,
            dedupe_key=f"m{number}",
            entity=entity,
            external_id=key,
            action=action,
        )
        for number, (entity, key, action) in enumerate(changes)
    ]


def _rename(server, ticket_id: int, summary: str) -> None:
    for record in server.records["tickets"]:
        if record["id"] == ticket_id:
            record["summary"] = summary


def _fetches(server, ticket_id: int) -> int:
    return len(server.arrived(f"service/tickets/{ticket_id}"))


def test_a_ticket_changed_then_deleted_is_deleted_without_a_fetch(cw, cw_server):
    run(cw)
    events = _events(cw, ("ticket", "48211", "updated"), ("ticket", "48211", "deleted"))
    sync.apply_together(cw, events)
    assert not tickets_of(cw).filter(external_id="48211").exists()
    assert _fetches(cw_server, 48211) == 0


def test_a_ticket_deleted_then_changed_is_deleted_then_fetched_and_written(cw, cw_server):
    run(cw)
    _rename(cw_server, 48211, "Back again")
    sync.mark_dirty(cw.pk, "ticket", ["48211"])
    events = _events(cw, ("ticket", "48211", "deleted"), ("ticket", "48211", "updated"))
    sync.apply_together(cw, events)
    assert tickets_of(cw).get(external_id="48211").title == "Back again"
    assert _fetches(cw_server, 48211) == 1
    assert not DirtyRecord.objects.exists()  # the deletion removed its mark


def test_changed_tickets_are_fetched_once_each_and_written_with_one_upsert(
    cw, cw_server, monkeypatch
):
    run(cw)
    _rename(cw_server, 48211, "First")
    _rename(cw_server, 48212, "Second")
    writes = []
    real = pull.Puller._apply_ticket

    def apply_ticket(self, records):
        writes.append(sorted(r["id"] for r in records))
        return real(self, records)

    monkeypatch.setattr(pull.Puller, "_apply_ticket", apply_ticket)
    events = _events(
        cw,
        ("ticket", "48211", "updated"),
        ("ticket", "48212", "updated"),
        ("ticket", "48211", "updated"),
    )
    sync.apply_together(cw, events)
    assert writes == [[48211, 48212]]
    assert (_fetches(cw_server, 48211), _fetches(cw_server, 48212)) == (1, 1)
    titles = dict(tickets_of(cw).values_list("external_id", "title"))
    assert (titles["48211"], titles["48212"]) == ("First", "Second")


def test_what_cannot_be_read_now_waits_for_the_pull_as_dirty(cw, cw_server):
    run(cw)
    cw_server.fail(503, times=1, path_contains="service/tickets/48212")
    _rename(cw_server, 48211, "Read")
    events = _events(
        cw,
        ("company", "250", "updated"),
        ("ticket", "48212", "updated"),
        ("company", "250", "updated"),
        ("ticket", "48211", "updated"),
        ("board", "7", "updated"),  # not kept by the product
    )
    sync.apply_together(cw, events)
    marks = sorted(DirtyRecord.objects.values_list("entity", "external_id"))
    assert marks == [("company", "250"), ("ticket", "48212")]
    assert tickets_of(cw).get(external_id="48211").title == "Read"


def test_a_ticket_the_psa_no_longer_has_is_deleted(cw, cw_server):
    run(cw)
    cw_server.records["tickets"] = [r for r in cw_server.records["tickets"] if r["id"] != 48213]
    sync.apply_together(cw, _events(cw, ("ticket", "48213", "updated")))
    assert not tickets_of(cw).filter(external_id="48213").exists()
    assert tickets_of(cw).count() == 2


def test_a_ticket_that_cannot_be_stored_yet_leaves_the_others_written(cw, cw_server, monkeypatch):
    run(cw)
    _rename(cw_server, 48211, "Written")
    real = pull.Puller._apply_ticket

    def apply_ticket(self, records):
        if any(r["id"] == 48212 for r in records):
            raise pull.PageRejected("ticket", [("48212", "priority", "not mapped")])
        return real(self, records)

    monkeypatch.setattr(pull.Puller, "_apply_ticket", apply_ticket)
    events = _events(cw, ("ticket", "48211", "updated"), ("ticket", "48212", "updated"))
    sync.apply_together(cw, events)
    assert tickets_of(cw).get(external_id="48211").title == "Written"
    assert list(DirtyRecord.objects.values_list("external_id", flat=True)) == ["48212"]


def test_tickets_the_psa_sent_but_cannot_be_labelled_now_wait_as_dirty(cw, cw_server, monkeypatch):
    """(Autotask reads its picklists before the first ticket is written.)"""
    run(cw)

    def apply_ticket(self, records):
        raise sync.PSAError("picklists unavailable")

    monkeypatch.setattr(pull.Puller, "_apply_ticket", apply_ticket)
    events = _events(cw, ("ticket", "48211", "updated"), ("ticket", "48212", "updated"))
    sync.apply_together(cw, events)
    marks = sorted(DirtyRecord.objects.values_list("external_id", flat=True))
    assert marks == ["48211", "48212"]
