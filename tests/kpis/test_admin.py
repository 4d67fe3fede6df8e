"""Back office: webhook tokens shown once and revocable, settings, read-only rollups."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from kpis.models import KpiSettings, Ticket, TicketDailyRollup, WebhookIntegration
from kpis.models.integrations import hash_token
from tests.kpis.conftest import admin_form, make_client, ticket


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_creating_an_integration_shows_the_token_once_and_stores_its_hash(admin_client):
    response = admin_client.post(
        reverse("admin:kpis_webhookintegration_add"), {"name": "HaloPSA"}, follow=True
    )
    assert response.status_code == 200
    texts = [str(m) for m in get_messages(response.wsgi_request)] or [
        str(m) for m in response.context["messages"]
    ]
    integration = WebhookIntegration.objects.get()
    token_messages = [t for t in texts if integration.token_prefix in t]
    assert len(token_messages) == 1
    token = token_messages[0].split(": ", 1)[1].split()[0]
    assert hash_token(token) == integration.token_hash
    # a later visit does not show it again
    page = admin_client.get(reverse("admin:kpis_webhookintegration_change", args=[integration.pk]))
    assert token not in page.content.decode()


def test_the_revoke_action(admin_client):
    integration = WebhookIntegration(name="Old")
    integration.issue_token()
    integration.save()
    admin_client.post(
        reverse("admin:kpis_webhookintegration_changelist"),
        {"action": "revoke", "_selected_action": [integration.pk]},
    )
    integration.refresh_from_db()
    assert integration.revoked_at is not None
    assert not WebhookIntegration.objects.active().exists()


def test_settings_open_as_one_row(admin_client):
    response = admin_client.get(reverse("admin:kpis_kpisettings_changelist"))
    assert response.status_code == 302
    assert KpiSettings.objects.count() == 1
    assert admin_client.get(response["Location"]).status_code == 200


def test_changed_settings_queue_the_threshold_check_once_saved(
    admin_client, monkeypatch, django_capture_on_commit_callbacks
):
    from kpis import tasks

    queued = []
    monkeypatch.setattr(tasks.check_thresholds, "delay", lambda: queued.append(1))
    settings, _created = KpiSettings.objects.get_or_create(pk=1)
    data = {
        "default_threshold": "8",
        "warning_percent": settings.warning_percent,
        "minimum_tickets": settings.minimum_tickets,
        "satisfaction_benchmark": settings.satisfaction_benchmark,
        # the attention page's colour lines, unchanged
        **{
            name: getattr(settings, name)
            for name in (
                "sla_red_percent",
                "sla_amber_percent",
                "csat_red_percent",
                "csat_amber_percent",
                "nps_red",
                "nps_amber",
            )
        },
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:kpis_kpisettings_change", args=[settings.pk]), data
        )
    assert response.status_code == 302
    assert KpiSettings.load().default_threshold == 8
    assert queued == [1]


@pytest.mark.parametrize(
    "name",
    [
        "ticket",
        "slatarget",
        "thresholdalert",
        "ticketdailyrollup",
        "organisation.client",
        "teamsatisfactionalert",
    ],
)
def test_admin_lists_open(admin_client, name):
    acme = make_client("Acme")
    ticket(acme, datetime.date(2026, 1, 5))
    app, _, model = name.rpartition(".")
    url = reverse(f"admin:{app or 'kpis'}_{model}_changelist")
    assert admin_client.get(url).status_code == 200


def test_rollups_are_read_only(admin_client):
    acme = make_client("Acme")
    ticket(acme, datetime.date(2026, 1, 5))
    from kpis import rollups

    rollups.rebuild_all()
    rollup = TicketDailyRollup.objects.get()
    assert admin_client.get(reverse("admin:kpis_ticketdailyrollup_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:kpis_ticketdailyrollup_change", args=[rollup.pk]), {"tickets": 99}
    )
    rollup.refresh_from_db()
    assert rollup.tickets == 1
    assert response.status_code in (200, 403)


def test_editing_a_ticket_in_the_admin_updates_the_rollups(
    admin_client, django_capture_on_commit_callbacks
):
    acme = make_client("Acme")
    made = ticket(acme, datetime.date(2026, 1, 5))
    from kpis import rollups

    rollups.rebuild_all()
    stored = Ticket.objects.get(pk=made.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:kpis_ticket_change", args=[stored.pk]),
            admin_form(stored, escalated=True, escalated_at=stored.opened_at),
        )
    assert response.status_code == 302
    assert TicketDailyRollup.objects.get().escalated == 1
