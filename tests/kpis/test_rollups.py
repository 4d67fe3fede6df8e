"""The rollups always equal the same figures computed directly from the tickets: after
imports, webhook updates, admin edits, deletions and a rebuild."""

import datetime
import io
import json
import random

import pytest
from django.db.models import Count, Q
from django.urls import reverse

from core.periods import Period
from kpis import importing, metrics, rollups
from kpis.models import SLATarget, Ticket, TicketDailyRollup, WebhookIntegration
from kpis.models.tickets import COUNT_FIELDS
from organisation.models import in_onboarding
from tests.kpis.conftest import admin_form, make_client, ticket

PERIOD = Period(datetime.date(2026, 1, 1), datetime.date(2026, 4, 1))


def direct(period=PERIOD, client_ids=None):
    """The rollup figures straight from the tickets."""
    tickets = Ticket.objects.opened_between(period.start, period.end)
    if client_ids is not None:
        tickets = tickets.filter(client_id__in=client_ids)
    counts = tickets.aggregate(**rollups._aggregates(rollups.sla_targets()))
    return {key: value or 0 for key, value in counts.items()}


def direct_onboarding(period=PERIOD):
    rows = Ticket.objects.opened_between(period.start, period.end).values_list(
        "client__contract_start", "opened_on", "escalated"
    )
    early = [esc for start, day, esc in rows if in_onboarding(start, day)]
    return len(early), sum(early)


def assert_rollups_match(period=PERIOD):
    from_rollups = metrics.totals(period)
    for key, value in direct(period).items():
        assert from_rollups[key] == value, key
    totals_fields = {
        "first_response_measured": "fr_measured",
        "first_response_met": "fr_met",
        "resolution_measured": "res_measured",
        "resolution_met": "res_met",
    }
    for total, prefix in totals_fields.items():
        summed = sum(from_rollups[f"{prefix}_{p}"] for p in ("critical", "high", "medium", "low"))
        assert from_rollups[total] == summed
    assert (
        from_rollups["onboarding_tickets"],
        from_rollups["onboarding_escalated"],
    ) == direct_onboarding(period)
    # per client too
    per_client = (
        Ticket.objects.opened_between(period.start, period.end)
        .values("client_id")
        .annotate(t=Count("id"), e=Count("id", filter=Q(escalated=True)))
    )
    by_client = metrics.by_client(period)
    for row in per_client:
        assert by_client[row["client_id"]]["tickets"] == row["t"]
        assert by_client[row["client_id"]]["escalated"] == row["e"]


@pytest.fixture
def mixed(db):
    rng = random.Random(5)
    clients = [
        make_client(
            f"Client {i}", start=datetime.date(2025, 12, 1) + datetime.timedelta(days=20 * i)
        )
        for i in range(4)
    ]
    made = []
    for _index in range(300):
        day = PERIOD.start + datetime.timedelta(days=rng.randrange(PERIOD.days))
        made.append(
            ticket(
                rng.choice(clients),
                day,
                save=False,
                hour=rng.choice([0, 9, 23]),
                priority=rng.choice(["critical", "high", "medium", "low"]),
                source=rng.choice(["client", "monitoring", "automation", "self_service"]),
                escalated=rng.random() < 0.1,
                proactive=rng.random() < 0.2,
                auto_remediated=rng.random() < 0.1,
                first_minutes=rng.choice([None, 5, 30, 200, 600]),
                resolve_minutes=rng.choice([None, 100, 300, 2000, 5000]),
            )
        )
    Ticket.objects.bulk_create(made)
    rollups.rebuild_all()
    return clients


def test_a_rebuild_equals_direct_computation(mixed):
    assert_rollups_match()
    assert TicketDailyRollup.objects.count() <= 4 * PERIOD.days


def test_after_an_import_of_new_and_changed_tickets(mixed):
    victim = Ticket.objects.order_by("pk").first()
    client = mixed[2]
    # Moved later than its stored timestamps: the file clears them (left out, they would
    # lie before the new opened_at and refuse the file).
    lines = [
        "external_id,client,priority,opened_at,source,escalated,"
        "first_response_at,resolved_at,escalated_at",
        f"{victim.external_id},{client.external_id},low,2026-03-30T23:59:00+02:00,automation,"
        "true,,,",
        f"NEW-1,{client.external_id},high,2026-01-01T00:00:00+01:00,client,true,,,",
    ]
    importing.import_csv("tickets", io.BytesIO(("\n".join(lines) + "\n").encode()))
    assert_rollups_match()


def test_after_webhook_updates(mixed, client):
    integration = WebhookIntegration(name="x")
    token = integration.issue_token()
    integration.save()
    victim = Ticket.objects.order_by("-pk").first()
    body = {
        "external_id": victim.external_id,
        "client": mixed[0].external_id,
        "priority": "critical",
        "opened_at": "2026-02-15T08:00:00+01:00",
        "first_response_at": "2026-02-15T08:05:00+01:00",
        "source": "self_service",
        "escalated": True,
    }
    response = client.post(
        "/kpis/webhook/tickets/",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200
    assert_rollups_match()


def test_after_edits_and_deletions_in_the_admin(
    mixed, admin_client, django_capture_on_commit_callbacks
):
    first = Ticket.objects.order_by("pk").first()
    escalated = not first.escalated
    changes = {
        "escalated": escalated,
        "escalated_at": first.opened_at if escalated else None,
        "client_id": mixed[3].pk,
        "opened_at": first.opened_at - datetime.timedelta(days=3),
        "first_response_at": None,
        "resolved_at": None,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:kpis_ticket_change", args=[first.pk]), admin_form(first, **changes)
        )
    assert response.status_code == 302
    assert_rollups_match()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:kpis_ticket_delete", args=[first.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert_rollups_match()
    doomed = list(Ticket.objects.order_by("pk").values_list("pk", flat=True)[5:40])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:kpis_ticket_changelist"),
            {"action": "delete_selected", "_selected_action": doomed, "post": "yes"},
        )
    assert response.status_code == 302
    assert not Ticket.objects.filter(pk__in=doomed).exists()
    assert_rollups_match()


def test_after_sla_targets_change_in_the_admin(
    mixed, admin_client, django_capture_on_commit_callbacks
):
    target = SLATarget.objects.get(priority="medium")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:kpis_slatarget_change", args=[target.pk]),
            {
                "priority": "medium",
                "first_response_minutes": 20,
                "resolution_minutes": target.resolution_minutes,
            },
        )
    assert response.status_code == 302
    assert_rollups_match()


def test_the_periodic_refresh_mends_recent_days(mixed):
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 3, 31, 12, tzinfo=datetime.UTC)):
        TicketDailyRollup.objects.filter(day__gte=datetime.date(2026, 3, 29)).delete()
        from kpis.tasks import refresh_rollups

        refresh_rollups.apply().get()
    assert_rollups_match()


def test_the_rollups_hold_every_count_field():
    assert {"tickets", "escalated", "fr_met_critical", "resolution_measured"} <= set(COUNT_FIELDS)
