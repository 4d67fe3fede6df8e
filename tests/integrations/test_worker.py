"""A real Celery worker on Redis and PostgreSQL (CI; skipped without services): a
ConnectWise connection backfilled by the worker's pull from the fake server, then a
signed live callback stored by the endpoint and applied by the worker."""

import json
import time

import pytest
from django.urls import reverse

from integrations import tasks
from integrations.models import EVENT_TOKEN, Event
from integrations.signatures import connectwise_signature
from kpis.models import Ticket
from tests.fakes.psa import FakeConnectWise

from .conftest import body
from .test_pull import connect

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _wait_for(check, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


def test_the_worker_backfills_and_applies_a_live_callback(celery_worker_process, client):
    with FakeConnectWise() as server:
        integration = connect(server)
        tickets = Ticket.objects.filter(data_source=integration.data_source)
        tasks.pull.delay(integration.pk)
        assert _wait_for(lambda: tickets.count() == 3), "the backfill did not arrive"
        assert tickets.get(external_id="48211").title == "Outlook prompts for password after update"

        # The PSA changes the ticket and calls back: the callback is signed with the key
        # its Metadata names on the connection's own host (the fake server serves it).
        for record in server.records["tickets"]:
            if record["id"] == 48211:
                record["summary"] = "Outlook asks for the password again"
        callback = json.loads(body("connectwise", "callback_ticket_updated.json"))
        key_url = f"{server.origin}/v4_6_release/apis/3.0/system/callbackkey/index.rails?id=1"
        callback["Metadata"] = {"key_url": key_url}
        raw = json.dumps(callback).encode()
        token = integration.secrets[EVENT_TOKEN]
        response = client.post(
            reverse("integrations:event", kwargs={"token": token}),
            raw,
            content_type="application/json",
            headers={"x-content-signature": connectwise_signature(raw, server.signing_key)},
        )
        assert response.status_code == 200, response.content
        assert Event.objects.count() == 1
        assert _wait_for(
            lambda: tickets.get(external_id="48211").title == "Outlook asks for the password again"
        ), "the worker did not apply the callback"
        assert tickets.filter(external_id="48211").count() == 1
        assert _wait_for(lambda: Event.objects.get().processed_at is not None, seconds=10)
