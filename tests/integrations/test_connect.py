"""The integration page's "Pull now", "Backfill from" and the connect step, against the
fake PSA servers: what the PSA was asked (its recorded requests), what is stored, and
clear messages instead of error pages."""

import datetime

import pytest
from django.urls import reverse

from integrations.models import WEBHOOK_SECRET, Integration, PullCursor
from kpis.models import Ticket
from tests.fakes.psa import FakeAutotask, FakeConnectWise

from .test_pull import PRIORITIES, connect


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def cw_server():
    with FakeConnectWise(with_fixtures=True) as server:
        server.callbacks = []
        yield server


@pytest.fixture
def at_server():
    with FakeAutotask() as server:
        yield server


def _post(client, integration, name, **data):
    url = reverse(f"integrations:{name}", kwargs={"pk": integration.pk})
    return client.post(url, data, follow=True)


def _messages(response):
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def test_pull_now_pulls_and_the_page_shows_the_outcome(
    signed_in, cw_server, django_capture_on_commit_callbacks
):
    integration = connect(cw_server)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(signed_in, integration, "pull")
    assert response.status_code == 200
    assert Ticket.objects.filter(data_source=integration.data_source).count() == 3
    integration.refresh_from_db()
    assert integration.last_sync_ok is True
    page = signed_in.get(integration.get_absolute_url()).content.decode()
    assert 'data-testid="pull"' in page
    assert "Last pull" in page or "Letzter Abruf" in page


def test_backfill_from_a_date_sets_the_ticket_cursor_and_a_future_date_is_refused(
    signed_in, cw_server, django_capture_on_commit_callbacks
):
    integration = connect(cw_server)
    with django_capture_on_commit_callbacks(execute=True):
        _post(signed_in, integration, "pull", since="2026-09-01")
    asked = cw_server.arrived("service/tickets")[-1]
    assert "lastUpdated>=[2026-09-01T00:00:00Z]" in asked.query["conditions"]
    before = PullCursor.objects.get(integration=integration, entity="ticket").next_page
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(signed_in, integration, "pull", since=future)
    assert [level for level, _text in _messages(response)] == ["error"]
    assert PullCursor.objects.get(integration=integration, entity="ticket").next_page == before


def test_connecting_connectwise_registers_four_callbacks_and_disconnecting_removes_them(
    signed_in, cw_server
):
    integration = connect(cw_server)
    response = _post(signed_in, integration, "connect", action="connect")
    assert [level for level, _text in _messages(response)] == ["success"]
    created = [r.json() for r in cw_server.arrived("system/callbacks") if r.method == "POST"]
    assert sorted(c["type"] for c in created) == ["company", "contact", "member", "ticket"]
    assert {c["url"] for c in created} == {integration.event_url()}
    assert all(c["level"] == "owner" and c["objectId"] == 1 for c in created)
    integration.refresh_from_db()
    assert len(integration.registered_hooks) == 4
    assert integration.connected_at is not None

    # Connecting again registers nothing twice.
    _post(signed_in, integration, "connect", action="connect")
    assert len(cw_server.callbacks) == 4

    response = _post(signed_in, integration, "connect", action="disconnect")
    assert [level for level, _text in _messages(response)] == ["success"]
    assert cw_server.callbacks == []
    assert len([r for r in cw_server.requests if r.method == "DELETE"]) == 4
    integration.refresh_from_db()
    assert integration.registered_hooks == []


def test_a_callback_connectwise_already_has_is_taken_over(signed_in, cw_server):
    integration = connect(cw_server)
    cw_server.callbacks.append(
        {
            "id": 500,
            "url": integration.event_url(),
            "type": "ticket",
            "objectId": 1,
            "level": "owner",
        }
    )
    _post(signed_in, integration, "connect", action="connect")
    integration.refresh_from_db()
    assert {"entity": "ticket", "id": "500"} in integration.registered_hooks
    assert len(cw_server.callbacks) == 4


def test_connecting_autotask_registers_webhooks_with_the_secret(signed_in, at_server):
    integration = connect(at_server, kind="autotask")
    response = _post(signed_in, integration, "connect", action="connect")
    assert [level for level, _text in _messages(response)] == ["success"]
    hooks = at_server.webhooks
    assert sorted(h["entity"] for h in hooks.values()) == ["Company", "Contact", "Ticket"]
    secret = integration.secrets[WEBHOOK_SECRET]
    assert all(h["SecretKey"] == secret for h in hooks.values())
    assert all(h["WebhookUrl"] == integration.event_url() for h in hooks.values())
    assert len(at_server.webhook_fields) == 3  # at least one field each
    _post(signed_in, integration, "connect", action="disconnect")
    assert at_server.webhooks == {}
    assert Integration.objects.get(pk=integration.pk).registered_hooks == []


def test_a_refusal_is_a_message_and_keeps_what_was_registered(signed_in, cw_server):
    integration = connect(cw_server)
    # The first create goes through, the second is refused.
    original = cw_server.handle_callbacks
    calls = []

    def refuse_second(request):
        if request.method == "POST":
            calls.append(1)
            if len(calls) == 2:
                return 403, {}, {"code": "Forbidden", "message": "No rights to callbacks"}
        return original(request)

    cw_server.handle_callbacks = refuse_second
    response = _post(signed_in, integration, "connect", action="connect")
    assert response.status_code == 200
    [(level, text)] = _messages(response)
    assert level == "error" and "No rights to callbacks" in text
    integration.refresh_from_db()
    assert len(integration.registered_hooks) == 1
    cw_server.handle_callbacks = original
    _post(signed_in, integration, "connect", action="disconnect")
    assert cw_server.callbacks == []


def test_halo_is_set_up_by_hand(signed_in, db):
    integration = Integration(
        kind="halopsa", name="Halo", base_url="https://halo.example/api", priorities=PRIORITIES
    )
    integration.replace_credentials({"client_id": "client-1234", "client_secret": "s" * 20})
    integration.save()
    response = _post(signed_in, integration, "connect", action="connect")
    assert [level for level, _text in _messages(response)] == ["info"]


def _settings(integration, **changes):
    data = {
        "name": integration.name,
        "base_url": integration.base_url,
        "time_zone": "UTC",
        "priority_critical": "Priority 1*",
        "priority_high": "Priority 2*",
        "priority_medium": "Priority 3*",
        "priority_low": "Priority 4*",
        "counted": "",
        "escalated_field": "",
        "escalated": "",
        "proactive_field": "",
        "proactive": "",
        "closed": "",
    }
    return {**data, **changes}


def test_a_changed_mapping_reads_the_tickets_again_and_the_figures_follow(
    signed_in, cw_server, settings, django_capture_on_commit_callbacks
):
    settings.INTEGRATIONS_ALLOW_LOCAL_HTTP = True
    integration = connect(cw_server)
    with django_capture_on_commit_callbacks(execute=True):
        _post(signed_in, integration, "pull")
    tickets = Ticket.objects.filter(data_source=integration.data_source)
    assert tickets.get(external_id="48211").priority == "medium"
    url = integration.get_absolute_url()

    # A new name alone reads nothing again.
    asked = len(cw_server.arrived("service/tickets"))
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(url, _settings(integration, name="CW"))
    assert response.status_code == 302
    assert len(cw_server.arrived("service/tickets")) == asked

    # "Priority 3" now counts as high: every ticket is read again (no change since the
    # last pull in the PSA) and the stored one follows.
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            url,
            _settings(
                integration,
                name="CW",
                priority_high="Priority 2* | Priority 3*",
                priority_medium="Normal",
            ),
        )
    assert response.status_code == 302
    assert tickets.get(external_id="48211").priority == "high"
    assert "lastUpdated" not in cw_server.arrived("service/tickets")[-1].query["conditions"]
