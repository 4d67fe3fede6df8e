"""Webhook tokens: only their SHA-256 reaches the database (not even the admin's history or
the session), the admin shows a new token once, a revoked token fails on the very next
request, and the lookup goes by hash with a constant-time comparison.

Already proven in tests/kpis: the token is long and its hash is stored
(test_webhook.py::test_tokens_are_stored_hashed_and_long), the admin message shows it once
(test_admin.py::test_creating_an_integration_shows_the_token_once_and_stores_its_hash),
the revoke action sets revoked_at (test_admin.py::test_the_revoke_action), a missing,
wrong or revoked token is 401 (test_webhook.py)."""

import datetime
import hashlib
import json

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpis.models import Ticket, WebhookIntegration
from kpis.models import integrations as integrations_module
from organisation.models import Client

URL = "/kpis/webhook/tickets/"
TICKET = {
    "external_id": "HALO-9",
    "client": "C-1",
    "priority": "high",
    "opened_at": "2025-03-01T09:00:00+01:00",
    "source": "monitoring",
}


@pytest.fixture
def acme(db):
    return Client.objects.create(
        external_id="C-1", name="Acme", contract_start=datetime.date(2025, 1, 1)
    )


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def _hook(client, token, body=TICKET, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return client.post(
        URL, data=json.dumps(body), content_type="application/json", **headers, **extra
    )


def _create_in_admin(admin_client, name="HaloPSA") -> str:
    response = admin_client.post(
        reverse("admin:kpis_webhookintegration_add"), {"name": name}, follow=True
    )
    integration = WebhookIntegration.objects.get(name=name)
    [message] = [str(m) for m in response.context["messages"] if integration.token_prefix in str(m)]
    return message.split(": ", 1)[1].split()[0]


def _everything_stored() -> str:
    """Every value of the integration table, the admin history and the sessions."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM kpis_webhookintegration")
        rows = cursor.fetchall()
    sessions = [s.get_decoded() for s in Session.objects.all()]
    log = list(LogEntry.objects.values_list("object_repr", "change_message"))
    return repr(rows) + repr(sessions) + repr(log)


def test_the_database_never_holds_the_raw_token(admin_client, acme):
    token = _create_in_admin(admin_client)
    assert len(token) >= 43
    # the token works, and using it stores nothing of it either
    assert _hook(admin_client, token).status_code == 200
    stored = _everything_stored()
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    # the change page and the list show the prefix only
    integration = WebhookIntegration.objects.get()
    for url in (
        reverse("admin:kpis_webhookintegration_changelist"),
        reverse("admin:kpis_webhookintegration_change", args=[integration.pk]),
        reverse("admin:kpis_webhookintegration_history", args=[integration.pk]),
    ):
        page = admin_client.get(url).content.decode()
        assert token not in page and integration.token_hash not in page


def test_saving_an_integration_again_keeps_its_token(admin_client, acme):
    token = _create_in_admin(admin_client)
    integration = WebhookIntegration.objects.get()
    admin_client.post(
        reverse("admin:kpis_webhookintegration_change", args=[integration.pk]),
        {"name": "Renamed", "token_hash": "0" * 64},
    )
    integration.refresh_from_db()
    assert integration.name == "Renamed"
    assert integration.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert _hook(admin_client, token).status_code == 200


def test_revoking_in_the_admin_stops_the_very_next_request(client, admin_client, acme):
    token = _create_in_admin(admin_client)
    other = _create_in_admin(admin_client, name="Autotask")
    assert _hook(client, token).status_code == 200
    integration = WebhookIntegration.objects.get(name="HaloPSA")
    admin_client.post(
        reverse("admin:kpis_webhookintegration_changelist"),
        {"action": "revoke", "_selected_action": [integration.pk]},
    )
    response = _hook(client, token, {**TICKET, "external_id": "HALO-10"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Ticket.objects.filter(external_id="HALO-10").exists()
    # the other integration is untouched
    assert _hook(client, other, {**TICKET, "external_id": "AT-1"}).status_code == 200


def test_revoking_with_the_model_method_stops_the_very_next_request(client, acme):
    integration = WebhookIntegration(name="Halo")
    token = integration.issue_token()
    integration.save()
    assert _hook(client, token).status_code == 200
    WebhookIntegration.objects.get(pk=integration.pk).revoke()
    assert _hook(client, token).status_code == 401
    assert _hook(client, token, HTTP_X_WEBHOOK_TOKEN=token).status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer"},
        {"HTTP_AUTHORIZATION": "Bearer     "},
        {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"},
        {"HTTP_AUTHORIZATION": "Token {token}"},
        {"HTTP_AUTHORIZATION": "Bearer {hash}"},  # the stored hash is no password
        {"HTTP_AUTHORIZATION": "Bearer {token}x"},
        {"HTTP_AUTHORIZATION": "Bearer {prefix}"},
        {"HTTP_X_WEBHOOK_TOKEN": "{upper}"},
    ],
)
def test_missing_or_wrong_tokens_are_401_and_store_nothing(client, acme, headers):
    integration = WebhookIntegration(name="Halo")
    token = integration.issue_token()
    integration.save()
    values = {
        "token": token,
        "hash": integration.token_hash,
        "prefix": integration.token_prefix,
        "upper": token.upper() if token.upper() != token else token.lower(),
    }
    headers = {key: value.format(**values) for key, value in headers.items()}
    response = client.post(URL, data=json.dumps(TICKET), content_type="application/json", **headers)
    assert response.status_code == 401
    assert response.json() == {"error": "Missing, unknown or revoked token."}
    assert not Ticket.objects.exists()


def test_a_token_in_the_query_string_is_not_accepted(client, acme):
    integration = WebhookIntegration(name="Halo")
    token = integration.issue_token()
    integration.save()
    response = client.post(
        f"{URL}?token={token}", data=json.dumps(TICKET), content_type="application/json"
    )
    assert response.status_code == 401


def test_the_token_is_looked_up_by_its_hash_and_compared_in_constant_time(
    client, acme, monkeypatch
):
    integration = WebhookIntegration(name="Halo")
    token = integration.issue_token()
    integration.save()
    compared = []
    real = integrations_module.hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(integrations_module.hmac, "compare_digest", spy)
    with CaptureQueriesContext(connection) as queries:
        assert _hook(client, token).status_code == 200
    lookup = [q["sql"] for q in queries.captured_queries if "kpis_webhookintegration" in q["sql"]]
    assert lookup and all(token not in sql for sql in lookup)
    assert integration.token_hash in lookup[0]
    assert compared == [(integration.token_hash, integration.token_hash)]
    # no stored hash is compared with what a caller sent in plain text
    assert all(token not in pair for pair in compared)


def test_two_integrations_never_share_a_token(db):
    tokens = set()
    for i in range(20):
        integration = WebhookIntegration(name=f"I{i}")
        tokens.add(integration.issue_token())
        integration.save()
    assert len(tokens) == 20
    assert WebhookIntegration.objects.values("token_hash").distinct().count() == 20
