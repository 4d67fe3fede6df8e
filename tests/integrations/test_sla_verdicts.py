"""The PSA's own SLA verdicts arrive with each ticket, by pull and by event, from each
fake server's fixtures (hand-checked against tests/fixtures/psa/<vendor>/), and the
rollups count them exactly."""

import pytest
import time_machine

from integrations import sync
from integrations.models import Event
from kpis.models import TicketDailyRollup
from kpis.models.tickets import PSA_SLA_FIELDS
from tests.fakes.psa import FakeAutotask, FakeConnectWise, FakeHalo

from .test_pull import NOW, connect, run, tickets_of


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


# (met, response met, plan met, resolution met, response minutes, plan minutes,
# resolution minutes, waiting minutes) per ticket, read off the fixtures by hand.
EXPECTED = {
    # tickets_page1.json: isInSla and respondMinutes / resPlanMinutes / resolveMinutes;
    # ConnectWise gives no verdict per stage, and these tickets no skipped minutes.
    FakeConnectWise: {
        "48211": (True, None, None, None, 28, 53, 293, None),
        "48212": (False, None, None, None, 11, 32, 160, None),
        "48213": (True, None, None, None, 0, 0, 0, None),
    },
    # sla_results_page1.json (hours x 60, rounded: 0.47 h = 28 min, 0.88 h = 53 min,
    # 4.88 h = 293 min) with the ticket's serviceLevelAgreementHasBeenMet.
    FakeAutotask: {
        "7201": (True, True, True, True, 28, 53, 293, None),
        "7207": (False, True, True, False, 11, 32, 160, None),
        "7212": (True, True, None, True, 0, None, 0, None),
    },
    # slaresponsestate / slastate: I inside, O outside; no minutes.
    FakeHalo: {
        "10452": (True, True, None, True, None, None, None, None),
        "10453": (False, True, None, False, None, None, None, None),
        "10454": (True, True, None, True, None, None, None, None),
    },
}


def verdicts(integration) -> dict:
    return {
        t["external_id"]: tuple(t[name] for name in PSA_SLA_FIELDS)
        for t in tickets_of(integration).values("external_id", *PSA_SLA_FIELDS)
    }


@pytest.mark.parametrize("server_class", list(EXPECTED))
def test_a_pull_stores_each_psas_verdict_and_the_rollups_count_them(db, frozen, server_class):
    with server_class(**({"now": lambda: NOW} if server_class is FakeHalo else {})) as server:
        integration = connect(server, kind=server_class.vendor)
        run(integration)
    integration.refresh_from_db()
    assert integration.last_sync_ok is True, integration.last_error
    assert verdicts(integration) == EXPECTED[server_class]
    rollups = TicketDailyRollup.objects.filter(client__data_source=integration.data_source)
    counts = {
        name: sum(getattr(r, name) for r in rollups)
        for name in ("tickets", "psa_known", "psa_met", "psa_response_known", "psa_resolution_met")
    }
    expected = EXPECTED[server_class].values()
    assert counts == {
        "tickets": 3,
        "psa_known": 3,
        "psa_met": sum(1 for v in expected if v[0]),
        "psa_response_known": sum(1 for v in expected if v[1] is not None),
        "psa_resolution_met": sum(1 for v in expected if v[3]),
    }


def test_autotask_reads_the_sla_results_of_a_page_at_once(db, frozen):
    with FakeAutotask() as server:
        run(connect(server, kind="autotask"))
        asked = server.arrived("ServiceLevelAgreementResults")
    assert [r.json()["filter"][0]["value"] for r in asked] == [[7201, 7207, 7212]]


def test_a_changed_verdict_by_event_is_stored_and_counted(db, frozen):
    with FakeConnectWise() as server:
        integration = connect(server)
        run(integration)
        record = next(r for r in server.records["tickets"] if r["id"] == 48212)
        record.update(isInSla=True, respondedSkippedMinutes=30)
        event = Event.objects.create(
            integration=integration,
            entity="ticket",
            action="updated",
            external_id="48212",
            dedupe_key="cw-48212-1",
            body="{}",
        )
        assert sync.apply_event(event) == "applied"
    ticket = tickets_of(integration).get(external_id="48212")
    assert (ticket.psa_sla_met, ticket.psa_waiting_minutes) == (True, 30)
    rollup = TicketDailyRollup.objects.get(client=ticket.client, day=ticket.opened_on)
    assert (rollup.psa_known, rollup.psa_met) == (rollup.tickets, rollup.tickets)


def test_halos_hold_time_is_the_waiting_time_and_an_excluded_ticket_has_no_verdict(db, frozen):
    with FakeHalo(now=lambda: NOW) as server:
        tickets = {r["id"]: r for r in server.records["Tickets"]}
        tickets[10453]["slaholdtime"] = 1.5  # hours on hold
        tickets[10454]["excludefromsla"] = True
        integration = connect(server, kind="halopsa")
        run(integration)
    stored = verdicts(integration)
    assert stored["10453"][0] is False and stored["10453"][-1] == 90
    assert stored["10454"][0] is None
