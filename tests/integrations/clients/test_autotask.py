"""The Autotask client against the fake Autotask server."""

import threading

import pytest

from integrations.clients import BadCredentials, RateLimited, ServerError
from integrations.clients.autotask import TICKET_FIELDS, AutotaskClient, Budget
from tests.fakes.psa import FakeAutotask, fixture


def client_for(server, clock, budget=None, **credentials):
    return AutotaskClient(
        server.base_url,
        {**FakeAutotask.CREDENTIALS, **credentials},
        sleep=clock.sleep,
        now=clock.now,
        budget=budget,
    )


def ids(pages):
    return [record["id"] for page in pages for record in page.records]


def test_it_pages_by_following_next_page_url_500_at_a_time_with_only_the_fields_used(
    at_server, clock
):
    at_server.seed("Tickets", 1200)
    pages = list(client_for(at_server, clock).tickets())

    assert [len(p.records) for p in pages] == [500, 500, 203]
    assert ids(pages) == sorted(r["id"] for r in at_server.records["Tickets"])
    first = at_server.arrived("/Tickets/query")[0]
    assert first.method == "POST"
    assert first.json()["MaxRecords"] == 500
    assert first.json()["IncludeFields"] == list(TICKET_FIELDS)
    assert [r.method for r in at_server.arrived("/Tickets/query/next")] == ["GET", "GET"]
    assert set(pages[1].records[0]) <= set(TICKET_FIELDS)
    assert "userDefinedFields" not in pages[0].records[0]


def test_a_pull_interrupted_after_a_page_resumes_above_the_last_stored_id(at_server, clock):
    at_server.seed("Tickets", 1200)
    first = next(iter(client_for(at_server, clock).tickets()))

    rest = list(client_for(at_server, clock).tickets(first.cursor.as_dict()))

    assert ids([first]) + ids(rest) == sorted(r["id"] for r in at_server.records["Tickets"])
    resumed = [r for r in at_server.arrived("/Tickets/query") if r.method == "POST"][1]
    assert resumed.json()["filter"] == [
        {"op": "gt", "field": "id", "value": first.records[-1]["id"]}
    ]


def test_the_next_run_asks_for_tickets_active_since_the_last_run_began(at_server, clock):
    *_, last = client_for(at_server, clock).tickets()
    clock.advance(hours=2)
    again = list(client_for(at_server, clock).tickets(last.cursor))

    assert ids(again) == []  # the fixture's tickets are older than the overlap
    assert at_server.requests[-1].json()["filter"][0] == {
        "op": "gte",
        "field": "lastActivityDate",
        "value": "2026-10-07T11:50:00Z",
    }


def test_it_slows_down_past_its_share_of_the_hourly_threshold(clock):
    with FakeAutotask(used=4_100) as server:
        list(client_for(server, clock).companies())
    assert clock.slept == [1.0]  # one query, answered in one page
    assert server.delayed == {}  # Autotask itself never had to slow us


def test_it_pauses_before_autotask_would_refuse(clock):
    with FakeAutotask(used=4_998) as server:
        client = client_for(server, clock)
        list(client.companies())  # request 5,000 of 10,000: still below half
        with pytest.raises(RateLimited) as raised:
            list(client.contacts())
    assert raised.value.retry_after > 0
    assert not server.arrived("Contacts")  # paused before sending
    assert server.used < server.threshold / 2 + 1


def test_the_budget_counts_the_other_integrations_and_forgets_requests_after_an_hour():
    budget = Budget(threshold=100, slow_share=0.4, stop_share=0.5)
    budget.read({"externalRequestThreshold": 100, "currentTimeframeRequestCount": 39})
    # 39 used: sent at once; 40 (40% of the threshold) and on: a second's wait each.
    assert [budget.take(at=0.0), budget.take(at=1.0)] == [0.0, 1.0]
    for second in range(2, 11):
        budget.take(at=float(second))
    with pytest.raises(RateLimited) as raised:  # 50 used: half the threshold
        budget.take(at=11.0)
    assert raised.value.retry_after == 3589.0  # when our first request leaves the hour
    assert budget.take(at=3600.5) == 1.0


def test_a_429_from_autotask_is_a_hard_stop_without_retry(at_server, clock):
    at_server.fail(429, headers={"Retry-After": "60"}, path_contains="/Tickets/")
    with pytest.raises(RateLimited) as raised:
        list(client_for(at_server, clock).tickets())
    assert "threshold of 10000 requests" in raised.value.detail
    assert len(at_server.arrived("/Tickets/")) == 1 and clock.slept == []


def test_at_most_three_requests_run_at_once_per_endpoint(at_server, clock):
    at_server.hold = 0.05
    client = client_for(at_server, clock)
    client.read_threshold()
    threads = [threading.Thread(target=client.ticket, args=(7201,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert at_server.max_in_flight["Tickets"] == 3
    assert len(at_server.arrived("/Tickets/7201")) == 8


def test_a_server_error_is_retried_then_succeeds(at_server, clock):
    at_server.fail(500, times=1, path_contains="/Companies/")
    assert ids(client_for(at_server, clock).companies()) == [29683174, 29683190, 29683201]
    assert clock.slept == [2.0]


def test_wrong_credentials_are_bad_credentials(at_server, clock):
    with pytest.raises(BadCredentials) as raised:
        client_for(at_server, clock, secret="wrong").check()
    assert raised.value.detail.startswith("Authentication failed")


def test_check_reads_the_threshold(clock):
    with FakeAutotask(used=5_122) as server:
        assert client_for(server, clock).check().vendor == "autotask"
        assert len(server.arrived("ThresholdInformation")) == 1


def test_deleted_tickets_and_picklists_are_read(at_server, clock):
    client = client_for(at_server, clock)
    assert [r["ticketID"] for p in client.deleted_tickets() for r in p.records] == [7219]
    assert client.picklists()["priority"] == {
        "1": "High",
        "2": "Medium",
        "3": "Low",
        "4": "Critical",
    }
    assert client.ticket(7201)["title"] == "Drucker im Büro druckt nicht"
    assert client.ticket(7299) is None


def test_a_ticket_webhook_is_created_with_its_fields_read_back_and_removed(at_server, clock):
    client = client_for(at_server, clock)
    expected = fixture("autotask", "ticket_webhook_create_request.json")
    webhook_id = client.create_webhook(
        "Ticket",
        name=expected["Name"],
        url=expected["WebhookUrl"],
        deactivation_url=expected["DeactivationUrl"],
        secret=expected["SecretKey"],
        field_ids=[13],
        notification_email=expected["NotificationEmailAddress"],
    )
    assert at_server.arrived("/TicketWebhooks")[0].json() == expected
    assert at_server.webhook_fields == [
        {
            "fieldID": 13,
            "isSubscribedField": True,
            "isDisplayAlwaysField": False,
            "webhookID": webhook_id,
        }
    ]
    assert client.webhook("Ticket", webhook_id)["isReady"] is True
    client.delete_webhook("Ticket", webhook_id)
    client.delete_webhook("Ticket", webhook_id)  # gone already: no error
    assert client.webhook("Ticket", webhook_id) is None


def test_creating_a_webhook_is_not_repeated_after_a_server_error(at_server, clock):
    at_server.fail(503, path_contains="/TicketWebhooks")
    with pytest.raises(ServerError):
        client_for(at_server, clock).create_webhook(
            "Ticket",
            name="n",
            url="https://a.example/w",
            deactivation_url="https://a.example/d",
            secret="s" * 12,
            field_ids=[13],
        )
    assert len(at_server.arrived("/TicketWebhooks")) == 1 and not at_server.webhooks


def test_sla_results_are_read_for_the_tickets_asked_once_each(at_server, clock):
    results = client_for(at_server, clock).sla_results([7201, 7207, 7212, 7201])
    assert results[7207]["isResolutionMet"] is False and set(results) == {7201, 7207, 7212}
    assert at_server.arrived("ServiceLevelAgreementResults")[0].json()["filter"] == [
        {"op": "in", "field": "ticketID", "value": [7201, 7207, 7212]}
    ]
