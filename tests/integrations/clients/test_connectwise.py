"""The ConnectWise client against the fake ConnectWise server."""

import base64
import datetime

import pytest
from django.utils import translation

from integrations.clients import (
    BadCredentials,
    BadRequest,
    InvalidResponse,
    NotFound,
    RateLimited,
    ServerError,
    Unreachable,
)
from integrations.clients.base import Cursor
from integrations.clients.connectwise import TICKET_FIELDS, ConnectWiseClient
from tests.fakes.psa import CUT_SHORT, FakeConnectWise


def client_for(server, clock, **credentials):
    return ConnectWiseClient(
        server.base_url,
        {**FakeConnectWise.CREDENTIALS, **credentials},
        sleep=clock.sleep,
        now=clock.now,
    )


def ids(pages):
    return [record["id"] for page in pages for record in page.records]


def test_it_pages_through_all_tickets_a_thousand_at_a_time_with_only_the_fields_used(
    cw_server, clock
):
    cw_server.seed("tickets", 2500)
    pages = list(client_for(cw_server, clock).tickets())

    assert [len(p.records) for p in pages] == [1000, 1000, 503]
    assert ids(pages) == sorted({r["id"] for r in cw_server.records["tickets"]})
    asked = cw_server.arrived("service/tickets")
    assert len(asked) == 3
    assert all(r.query["pageSize"] == "1000" and r.query["orderBy"] == "id asc" for r in asked)
    assert asked[0].query["fields"] == ",".join(TICKET_FIELDS)
    assert asked[1].query["conditions"] == f"id>{pages[0].records[-1]['id']}"
    # The server honoured the field list: nothing else came back.
    assert set(pages[0].records[0]) <= set(TICKET_FIELDS)
    assert "website" not in pages[0].records[0] and "severity" not in pages[0].records[0]
    assert pages[-1].cursor.done and not pages[0].cursor.done


def test_a_pull_interrupted_after_a_page_resumes_from_the_stored_cursor(cw_server, clock):
    cw_server.seed("tickets", 2500)
    first = next(iter(client_for(cw_server, clock).tickets()))
    stored = first.cursor.as_dict()  # what the caller saved before crashing

    rest = list(client_for(cw_server, clock).tickets(stored))

    assert ids([first]) + ids(rest) == sorted(r["id"] for r in cw_server.records["tickets"])
    assert cw_server.arrived("service/tickets")[1].query["conditions"] == (
        f"id>{first.records[-1]['id']}"
    )


def test_the_next_run_reads_only_what_changed_since_the_last_run_began(cw_server, clock):
    cw_server.seed("tickets", 50)
    *_, last = client_for(cw_server, clock).tickets()
    assert last.cursor.done and last.cursor.started == "2026-10-07T12:00:00Z"

    clock.advance(hours=1)
    cw_server.touch("tickets", 100_007, datetime.datetime(2026, 10, 7, 12, 30, tzinfo=datetime.UTC))
    again = list(client_for(cw_server, clock).tickets(last.cursor.as_dict()))

    assert ids(again) == [100_007]
    # Ten minutes before the previous run began, in ConnectWise's condition syntax.
    assert cw_server.requests[-1].query["conditions"] == (
        "lastUpdated>=[2026-10-07T11:50:00Z] and id>0"
    )
    assert again[-1].cursor.started == "2026-10-07T13:00:00Z"


def test_it_waits_as_long_as_retry_after_says_then_retries(cw_server, clock):
    cw_server.fail(429, times=2, headers={"Retry-After": "7"})
    assert [p.records for p in client_for(cw_server, clock).companies()][0]
    assert clock.slept == [7.0, 7.0]
    assert len(cw_server.arrived("company/companies")) == 3


def test_a_retry_after_longer_than_the_client_waits_is_a_rate_limit_error(cw_server, clock):
    cw_server.fail(429, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimited) as raised:
        list(client_for(cw_server, clock).companies())
    assert raised.value.retry_after == 3600
    assert clock.slept == []


def test_a_server_error_is_retried_with_growing_waits_then_succeeds(cw_server, clock):
    cw_server.fail(503, times=2)
    assert client_for(cw_server, clock).check().version == "v2026.1.112233"
    assert clock.slept == [2.0, 4.0]


def test_server_errors_are_retried_a_bounded_number_of_times(cw_server, clock):
    cw_server.fail(500, times=10)
    with pytest.raises(ServerError) as raised:
        client_for(cw_server, clock).check()
    assert len(cw_server.requests) == 4
    assert raised.value.detail == "HTTP 500"
    assert raised.value.status == 500


def test_a_dropped_connection_is_retried_and_then_reported_as_unreachable(cw_server, clock):
    cw_server.fail(None, times=1)
    client_for(cw_server, clock).check()
    cw_server.fail(None, times=4)
    with pytest.raises(Unreachable):
        client_for(cw_server, clock).check()


def test_an_answer_cut_short_mid_page_is_retried(cw_server, clock):
    cw_server.fail(CUT_SHORT, path_contains="service/tickets")
    assert ids(client_for(cw_server, clock).tickets()) == [48211, 48212, 48213]
    assert clock.slept == [2.0]


def test_wrong_keys_are_bad_credentials_at_once_with_a_message_for_a_manager(cw_server, clock):
    with pytest.raises(BadCredentials) as raised:
        client_for(cw_server, clock, private_key="wrong").check()
    assert len(cw_server.requests) == 1 and clock.slept == []
    assert raised.value.detail == "Authentication failed."
    with translation.override("en"):
        assert "credentials" in str(raised.value.message)
    with translation.override("de"):
        assert "Zugangsdaten" in str(raised.value.message)


def test_a_base_url_without_the_api_is_not_found(cw_server, clock):
    client = ConnectWiseClient(
        cw_server.origin + "/v2019_1/apis/3.0/", FakeConnectWise.CREDENTIALS, sleep=clock.sleep
    )
    with pytest.raises(NotFound) as raised:
        client.check()
    assert raised.value.detail == "The endpoint does not exist."


def test_a_deleted_ticket_reads_as_none(cw_server, clock):
    client = client_for(cw_server, clock)
    assert client.ticket(48212)["isInSla"] is False
    assert client.ticket(48299) is None


def test_callbacks_are_registered_once_listed_and_removed(cw_server, clock):
    client = client_for(cw_server, clock)
    url = "https://app.msp-maturity.example/psa/cw/callback/8d2f"
    created = client.create_callback(url, "contact", "msp-maturity contact callback")
    assert created["level"] == "owner" and created["objectId"] == 1
    assert cw_server.arrived("system/callbacks")[0].json() == {
        "url": url,
        "objectId": 1,
        "type": "contact",
        "level": "owner",
        "description": "msp-maturity contact callback",
        "inactiveFlag": False,
    }
    with pytest.raises(BadRequest) as raised:
        client.create_callback(url, "ticket", "again")
    assert "A matching callback entry already exists" in raised.value.detail

    listed = client.callbacks("app.msp-maturity.example")
    assert {c["type"] for c in listed} == {"ticket", "company", "contact"}
    for entry in listed:
        client.delete_callback(entry["id"])
    client.delete_callback(311)  # gone already: no error
    assert client.callbacks("app.msp-maturity.example") == []


def test_every_request_carries_basic_auth_and_the_client_id(cw_server, clock):
    client_for(cw_server, clock).check()
    sent = cw_server.requests[0].headers
    assert base64.b64decode(sent["authorization"].split()[1]) == b"nordlicht+pubKEY123:privKEY456"
    assert sent["clientid"] == FakeConnectWise.CREDENTIALS["client_id"]


def test_a_cursor_survives_a_round_trip_through_json():
    cursor = Cursor(since="2026-10-07T11:50:00Z", after_id=5, started="2026-10-07T13:00:00Z")
    assert Cursor.of(cursor.as_dict()) == cursor


def test_the_id_sweep_asks_for_ids_only(cw_server, clock):
    cw_server.seed("tickets", 1200)
    pages = list(client_for(cw_server, clock).ticket_ids())
    assert len(ids(pages)) == 1203
    assert all(set(r) == {"id"} for p in pages for r in p.records)
    assert cw_server.requests[0].query["fields"] == "id"


def test_an_answer_that_is_not_json_is_an_invalid_response(cw_server, clock):
    cw_server.fail(200, headers={"Content-Type": "text/html"}, body=b"<html>Sign in</html>")
    with pytest.raises(InvalidResponse):
        client_for(cw_server, clock).check()


def test_a_redirect_is_not_followed(cw_server, clock):
    cw_server.fail(302, headers={"Location": "https://elsewhere.example/login"}, body=b"")
    with pytest.raises(InvalidResponse):
        client_for(cw_server, clock).check()
    assert len(cw_server.requests) == 1


def test_a_finished_cursor_without_a_start_reads_everything_again():
    now = datetime.datetime(2026, 10, 7, 12, 0, tzinfo=datetime.UTC)
    assert Cursor(done=True).next_run(now) == Cursor(started="2026-10-07T12:00:00Z")
    finished = Cursor(since=None, after_id=9, started="2026-10-07T11:00:00Z", done=True)
    assert finished.next_run(now) == Cursor(
        since="2026-10-07T10:50:00Z", started="2026-10-07T12:00:00Z"
    )
