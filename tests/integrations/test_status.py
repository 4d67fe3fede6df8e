"""The sync status page of a PSA connection: last event and pull, cursors, counts of its
records and events, the PSA's own messages, test and pull from the page, Autotask's
deactivated webhook; a fixed number of queries."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations.models import Event, IntegrationAlert
from integrations.sync import mark_dirty
from tests.fakes.psa import FakeAutotask

from .test_pull import connect, run

NOW = datetime.datetime(2026, 10, 6, 12, 0, tzinfo=datetime.UTC)
PSA_MESSAGE = "The member does not have security to access this resource"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    client.cookies["django_language"] = "en"
    return client


def url(integration):
    return reverse("integrations:status", kwargs={"pk": integration.pk})


def _event(integration, key, received, processed=None, error=""):
    event = Event.objects.create(
        integration=integration,
        dedupe_key=key,
        entity="ticket",
        external_id=key,
        action="updated",
        body="{}",
        processed_at=processed,
        error=error,
        attempts=1 if error else 0,
    )
    Event.objects.filter(pk=event.pk).update(received_at=received)


def test_the_page_shows_what_arrived_and_what_failed(
    signed_in, cw_server, django_assert_num_queries
):
    integration = connect(cw_server)
    run(integration)
    hour = datetime.timedelta(hours=1)
    _event(integration, "1", NOW - hour, processed=NOW - hour)
    _event(integration, "2", NOW - 2 * hour, error=f"Forbidden: {PSA_MESSAGE}")
    _event(integration, "3", NOW - 30 * hour, processed=NOW - 30 * hour)
    mark_dirty(integration.pk, "company", ["250", "251"])
    response = signed_in.get(url(integration))
    page = response.content.decode()
    assert response.status_code == 200
    context = response.context
    assert context["events"] == {
        "stored": 2,
        "applied": 1,
        "failed": 1,
        "last_applied": NOW - hour,
    }
    assert context["dirty"] == 2
    assert [count for _label, count in context["records"]] == [3, 3, 3, 3]
    assert sorted(c.entity for c in context["cursors"]) == [
        "company",
        "contact",
        "member",
        "ticket",
        "ticket_sweep",
    ]
    assert "daily pass over all ticket ids" in page
    assert all(c.completed_at == NOW for c in context["cursors"])
    assert PSA_MESSAGE in page
    assert 'data-testid="check"' in page and 'data-testid="pull"' in page
    assert context["problem"] is None

    with CaptureQueriesContext(connection) as first:
        signed_in.get(url(integration))
    # More events, errors and alerts: the same number of queries.
    for n in range(4, 12):
        _event(integration, str(n), NOW - hour, error="Timeout")
    IntegrationAlert.objects.create(integration=integration, reason="silent", since=NOW)
    IntegrationAlert.objects.create(
        integration=integration, reason="failing", since=NOW, closed_at=NOW
    )
    with django_assert_num_queries(len(first)):
        signed_in.get(url(integration))


def test_a_failed_pull_shows_the_psas_message_and_the_problem(signed_in, cw_server, clock):
    integration = connect(cw_server, alert_after_minutes=60)
    cw_server.fail(403, times=100, body={"code": "Forbidden", "message": PSA_MESSAGE})
    run(integration)
    clock.shift(datetime.timedelta(minutes=61))
    run(integration)
    response = signed_in.get(url(integration))
    assert response.context["problem"][0] == "failing"
    page = response.content.decode()
    assert PSA_MESSAGE in page
    assert 'data-testid="problem"' in page


def test_test_and_pull_from_the_status_page_come_back_to_it(
    signed_in, cw_server, django_capture_on_commit_callbacks
):
    integration = connect(cw_server)
    for name in ("check", "pull"):
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_in.post(
                reverse(f"integrations:{name}", kwargs={"pk": integration.pk}), {"next": "status"}
            )
        assert response["Location"] == url(integration)
    integration.refresh_from_db()
    assert integration.last_pull_ok_at == NOW
    assert signed_in.get(url(integration)).context["records"][3][1] == 3


def test_the_page_says_when_autotask_deactivated_a_webhook(signed_in, db):
    with FakeAutotask() as server:
        integration = connect(server, kind="autotask")
        signed_in.post(reverse("integrations:connect", kwargs={"pk": integration.pk}))
        integration.refresh_from_db()
        hook = integration.registered_hooks[0]
        check = reverse("integrations:check", kwargs={"pk": integration.pk})
        signed_in.post(check)
        assert 'data-testid="deactivated"' not in signed_in.get(url(integration)).content.decode()
        # Autotask switched the webhook off after repeated delivery failures.
        server.webhooks[int(hook["id"])]["IsActive"] = False
        signed_in.post(check)
    page = signed_in.get(url(integration)).content.decode()
    assert 'data-testid="deactivated"' in page
    integration.refresh_from_db()
    assert integration.inactive_hooks == [hook]


def test_the_list_and_the_settings_link_to_the_status_page(signed_in, cw_server):
    integration = connect(cw_server)
    assert url(integration) in signed_in.get(reverse("integrations:list")).content.decode()
    assert url(integration) in signed_in.get(integration.get_absolute_url()).content.decode()


def test_the_alert_time_is_set_on_the_settings_page_and_a_blank_keeps_it(signed_in, cw_server):
    from .test_connect import _settings

    integration = connect(cw_server)
    edit = integration.get_absolute_url()
    assert (
        signed_in.post(edit, _settings(integration, alert_after_minutes="240")).status_code == 302
    )
    integration.refresh_from_db()
    assert integration.alert_after_minutes == 240
    signed_in.post(edit, _settings(integration))
    integration.refresh_from_db()
    assert integration.alert_after_minutes == 240
    response = signed_in.post(edit, _settings(integration, alert_after_minutes="5"))
    assert response.status_code == 200
    assert "alert_after_minutes" in response.context["form"].errors


def test_a_connections_pages_lead_back_to_the_list_of_connections(signed_in, cw_server):
    import re

    integration = connect(cw_server)
    pages = [
        url(integration),
        integration.get_absolute_url(),
        reverse("integrations:credentials", kwargs={"pk": integration.pk}),
        reverse("integrations:delete", kwargs={"pk": integration.pk}),
    ]
    for page in pages:
        crumbs = re.search(r'<ol class="breadcrumb[^"]*">(.*?)</ol>', signed_in.get(page).text)
        assert crumbs, page
        first = re.search(r'<a href="([^"]+)">([^<]+)</a>', crumbs.group(1))
        assert first.groups() == (reverse("integrations:list"), "PSA connections"), page
