"""The HaloPSA client against the fake Halo server."""

import pytest

from integrations.clients import BadCredentials, RateLimited
from integrations.clients.halopsa import HaloClient
from tests.fakes.psa import FakeHalo


def client_for(server, clock, **credentials):
    return HaloClient(
        server.base_url,
        {**FakeHalo.CREDENTIALS, **credentials},
        sleep=clock.sleep,
        now=clock.now,
    )


def ids(pages):
    return [record["id"] for page in pages for record in page.records]


def test_it_pages_by_number_a_hundred_at_a_time(halo_server, clock):
    halo_server.seed("Tickets", 250)
    pages = list(client_for(halo_server, clock).tickets())

    assert [len(p.records) for p in pages] == [100, 100, 54]
    assert ids(pages) == sorted(r["id"] for r in halo_server.records["Tickets"])
    asked = halo_server.arrived("/api/Tickets")
    assert [r.query["page_no"] for r in asked] == ["1", "2", "3"]
    assert all(r.query["pageinate"] == "true" and r.query["page_size"] == "100" for r in asked)


def test_a_resumed_pull_reads_its_last_page_again_and_skips_what_it_delivered(halo_server, clock):
    halo_server.seed("Tickets", 250)
    pages = iter(client_for(halo_server, clock).tickets())
    done = [next(pages), next(pages)]
    # A ticket of page 1 is deleted meanwhile: every later one moves forward by a row.
    halo_server.records["Tickets"].pop(0)

    rest = list(client_for(halo_server, clock).tickets(done[-1].cursor.as_dict()))

    assert [r.query["page_no"] for r in halo_server.arrived("/api/Tickets")][2:] == ["2", "3"]
    assert ids(done) + ids(rest) == sorted(
        {*ids(done), *(r["id"] for r in halo_server.records["Tickets"])}
    )


def test_the_next_run_asks_for_what_changed_since_the_last_run_began(halo_server, clock):
    *_, last = client_for(halo_server, clock).tickets()
    clock.advance(hours=1)
    list(client_for(halo_server, clock).tickets(last.cursor))
    assert halo_server.requests[-1].query["lastupdatefromdate"] == "2026-10-07T11:50:00Z"


def test_one_token_serves_until_shortly_before_it_expires(halo_server, clock):
    client = client_for(halo_server, clock)
    client.check()
    list(client.companies())
    assert len(halo_server.arrived("/auth/token")) == 1
    clock.advance(seconds=3550)
    client.check()
    assert len(halo_server.arrived("/auth/token")) == 2
    sent = halo_server.arrived("/auth/token")[0].body.decode()
    assert "grant_type=client_credentials" in sent and "scope=all" in sent


def test_a_revoked_token_is_renewed_once(halo_server, clock):
    client = client_for(halo_server, clock)
    client.check()
    halo_server.revoke_tokens()
    assert client.check().vendor == "halopsa"
    assert len(halo_server.arrived("/auth/token")) == 2


def test_a_wrong_client_secret_is_bad_credentials(halo_server, clock):
    with pytest.raises(BadCredentials) as raised:
        client_for(halo_server, clock, client_secret="wrong").check()
    assert raised.value.detail == "invalid_client"
    assert not halo_server.arrived("/api/")


def test_it_waits_as_long_as_retry_after_says(halo_server, clock):
    halo_server.fail(429, times=1, headers={"Retry-After": "12"}, path_contains="/api/")
    assert ids(client_for(halo_server, clock).companies()) == [7, 12, 21]
    assert clock.slept == [12.0]


def test_a_rate_limit_that_does_not_end_is_reported(halo_server, clock):
    halo_server.fail(429, times=10, headers={"Retry-After": "1"}, path_contains="/api/")
    with pytest.raises(RateLimited):
        client_for(halo_server, clock).check()
    assert clock.slept == [1.0, 1.0, 1.0]


def test_agents_deleted_and_single_tickets_are_read(halo_server, clock):
    client = client_for(halo_server, clock)
    assert ids(client.technicians()) == [3, 5, 8]
    assert ids(client.contacts()) == [341, 342, 410]
    halo_server.records["Tickets"][0]["deleted"] = True
    assert ids(client.deleted_tickets()) == [10452]
    assert halo_server.requests[-1].query["deleted"] == "true"
    assert client.ticket(10457)["merged_into_id"] == 10452
    assert client.ticket(99999) is None
