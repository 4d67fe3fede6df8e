"""The PSA webhook: tokens, validation, JSON errors, upsert and rollups."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from kpis.models import KpiSettings, ThresholdAlert, Ticket, TicketDailyRollup, WebhookIntegration
from kpis.models.integrations import hash_token
from organisation.models import Client
from tests.helpers import assert_one_line_headers

URL = "/kpis/webhook/tickets/"
TICKET = {
    "external_id": "HALO-1",
    "client": "C-1",
    "priority": "high",
    "opened_at": "2026-02-03T09:00:00+01:00",
    "first_response_at": "2026-02-03T09:20:00+01:00",
    "source": "monitoring",
    "escalated": False,
    "proactive": True,
}


@pytest.fixture
def acme(db):
    return Client.objects.create(
        external_id="C-1", name="Acme", contract_start=datetime.date(2026, 1, 1)
    )


@pytest.fixture
def token(db):
    integration = WebhookIntegration(name="HaloPSA")
    raw = integration.issue_token()
    integration.save()
    return raw


def post(client, body, token=None, header="Authorization", content_type="application/json"):
    headers = {}
    if token is not None:
        headers = (
            {"HTTP_AUTHORIZATION": f"Bearer {token}"}
            if header == "Authorization"
            else {"HTTP_X_WEBHOOK_TOKEN": token}
        )
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data=data, content_type=content_type, **headers)


def test_the_url_is_the_documented_one():
    assert reverse("kpis:webhook") == URL


def test_tokens_are_stored_hashed_and_long(token):
    integration = WebhookIntegration.objects.get()
    assert len(token) >= 43  # 32 random bytes, base64
    assert integration.token_hash == hash_token(token)
    assert token not in integration.token_hash


def test_a_good_ticket_is_stored_and_counted(
    client, acme, token, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, TICKET, token)
    assert response.status_code == 200
    assert response.json() == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "moved": 0,
        "ignored_fields": [],
    }
    ticket = Ticket.objects.get(external_id="HALO-1")
    assert ticket.client == acme and ticket.proactive and ticket.first_response_seconds == 1200
    rollup = TicketDailyRollup.objects.get(client=acme, day=datetime.date(2026, 2, 3))
    assert rollup.tickets == 1 and rollup.from_monitoring == 1 and rollup.proactive == 1
    assert WebhookIntegration.objects.get().last_used_at is not None


def test_the_same_ticket_again_updates_it(client, acme, token):
    post(client, TICKET, token)
    changed = {**TICKET, "escalated": True, "escalated_at": "2026-02-03T10:00:00+01:00"}
    response = post(client, changed, token, header="X-Webhook-Token")
    assert response.json()["created"] == 0 and response.json()["updated"] == 1
    assert Ticket.objects.count() == 1
    assert TicketDailyRollup.objects.get().escalated == 1


def test_a_batch_of_tickets(client, acme, token):
    batch = {"tickets": [TICKET, {**TICKET, "external_id": "HALO-2", "priority": "P1"}]}
    assert post(client, batch, token).json()["created"] == 2
    assert TicketDailyRollup.objects.get().tickets == 2


@pytest.mark.parametrize("sent", [None, "", "wrong-token"])
def test_a_missing_or_wrong_token_is_401(client, acme, token, sent):
    response = post(client, TICKET, sent)
    assert response.status_code == 401
    assert "error" in response.json()
    assert not Ticket.objects.exists()


def test_a_revoked_token_is_401(client, acme, token):
    WebhookIntegration.objects.get().revoke()
    assert post(client, TICKET, token).status_code == 401


def test_bad_json_is_400(client, acme, token):
    response = post(client, "{not json", token)
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


def test_invalid_fields_are_400_with_the_fields_named(client, acme, token):
    bad = {**TICKET, "priority": "urgent", "client": "C-404"}
    response = post(client, {"tickets": [TICKET, bad]}, token)
    assert response.status_code == 400
    fields = response.json()["fields"]
    # Every bad field of the ticket, in column order, not only the first.
    assert [(f["index"], f["field"]) for f in fields] == [(1, "client"), (1, "priority")]
    assert "C-404" in fields[0]["message"]
    assert "urgent" in fields[1]["message"]
    assert not Ticket.objects.exists()  # nothing stored, not even the good one


def test_a_missing_required_field_is_named(client, acme, token):
    body = {k: v for k, v in TICKET.items() if k != "opened_at"}
    response = post(client, body, token)
    assert response.status_code == 400
    assert response.json()["fields"][0]["field"] == "opened_at"


def test_other_content_types_are_415(client, acme, token):
    response = post(
        client, "external_id=1", token, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_other_methods_are_405(client, method):
    response = getattr(client, method)(URL)
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_the_webhook_needs_no_csrf_token(acme, token):
    from django.test import Client as TestClient

    strict = TestClient(enforce_csrf_checks=True)
    assert post(strict, TICKET, token).status_code == 200


def test_a_webhook_that_breaches_a_threshold_raises_an_alert(
    client, acme, token, kpi_settings, mailoutbox, django_capture_on_commit_callbacks, manager
):
    import time_machine

    acme.responsible_staff.add(manager)
    kpi_settings.minimum_tickets = 5
    kpi_settings.save()
    batch = [
        {
            **TICKET,
            "external_id": f"H-{i}",
            "opened_at": "2026-02-03T09:00:00+01:00",
            "first_response_at": None,
            "escalated": i < 2,
        }
        for i in range(10)
    ]
    with (
        time_machine.travel(datetime.datetime(2026, 2, 10, 12, tzinfo=datetime.UTC)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert post(client, {"tickets": batch}, token).status_code == 200
    alert = ThresholdAlert.objects.get()
    assert alert.state == "breach" and alert.client == acme
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [manager.email]


def test_an_alert_for_a_client_named_with_a_line_break_goes_out_with_a_one_line_subject(
    client, acme, token, manager, sink_mailer, django_capture_on_commit_callbacks
):
    """Tickets from the webhook push a client over its threshold; its name was stored
    with a line break (before forms refused one). The alert is sent, its subject on one
    line; a line break in a ticket's external id becomes a space."""
    KpiSettings.objects.get_or_create(pk=1)
    Client.objects.filter(pk=acme.pk).update(name="Acme\nBcc: attacker@evil.example")
    acme.responsible_staff.add(manager)
    # An hour ago, but inside this (local) month: alerts judge the current month.
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    opened = max(timezone.now() - datetime.timedelta(hours=1), month_start).isoformat()
    tickets = [
        {**TICKET, "external_id": f"W-{i}", "opened_at": opened, "escalated": i < 10}
        for i in range(30)
    ]
    tickets[0]["external_id"] = "W-first\nline"
    for ticket in tickets:
        ticket.pop("first_response_at")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, {"tickets": tickets}, token=token)
    assert response.status_code == 200, response.content
    assert Ticket.objects.filter(external_id="W-first line").exists()
    [message] = sink_mailer.parsed()
    assert_one_line_headers(message)
    assert "Acme Bcc: attacker@evil.example" in message["Subject"]
    assert sink_mailer.recipients() == {manager.email: 1}
