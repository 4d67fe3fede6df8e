"""The large data set's code path at a tiny scale (PostgreSQL only: it loads with COPY).

Skipped on SQLite locally; CI (``CI`` set) runs on PostgreSQL and must not skip it."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from bench import large as demo_large
from core.periods import Period
from kpis import metrics
from kpis.models import Ticket, TicketDailyRollup
from kpis.models.tickets import derived_values
from organisation.models import Client, Contact, Technician
from surveys.models import Answer, Campaign, Response, SurveyKind

pytestmark = pytest.mark.django_db


@pytest.mark.sqlite
def test_it_refuses_sqlite_with_a_clear_message():
    with pytest.raises(demo_large.LargeSeedError, match="PostgreSQL"):
        demo_large.seed_large("tiny")


@pytest.mark.postgresql
def test_the_tiny_scale_builds_the_whole_set():
    scale = demo_large.SCALES["tiny"]
    result = demo_large.seed_large("tiny")
    assert result["skipped"] is False
    clients = Client.objects.filter(external_id__startswith="LG-")
    assert clients.count() == scale.clients
    assert Ticket.objects.filter(external_id__startswith="LG-").count() == scale.tickets
    technicians = Technician.objects.filter(external_id__startswith="LG-")
    assert technicians.count() == scale.technicians
    assert technicians.filter(leave_date__isnull=False).count() == scale.leavers
    today = timezone.localdate()
    assert clients.in_onboarding(on=today).count() >= scale.onboarding_clients
    assert Contact.objects.filter(client__in=clients).count() >= 2 * scale.clients

    # Derived fields as the product derives them (local day, durations).
    for ticket in Ticket.objects.order_by("?")[:200]:
        derived = derived_values(ticket.opened_at, ticket.first_response_at, ticket.resolved_at)
        assert derived["opened_on"] == ticket.opened_on
        assert derived["first_response_seconds"] == ticket.first_response_seconds
        assert derived["resolution_seconds"] == ticket.resolution_seconds
        assert ticket.escalated == (ticket.escalated_at is not None)
        assert ticket.opened_at <= timezone.now()
        assert ticket.opened_on >= ticket.client.contract_start

    # Shapes: escalations mostly a few percent, higher in onboarding; every source.
    everything = Period(today - datetime.timedelta(days=scale.days), today + datetime.timedelta(1))
    totals = metrics.totals(everything)
    summary = metrics.escalation_summary(totals)
    assert 0.03 < summary["share"] < 0.12
    assert summary["onboarding_share"] > summary["ongoing_share"]
    sources = dict(Ticket.objects.values_list("source").annotate(n=Count("id")))
    assert set(sources) == {"client", "monitoring", "automation", "self_service"}
    assert 0.7 < metrics.sla_attainment(totals)["overall"] < 1
    # Rollups come from kpis.rollups and match the tickets.
    assert totals["tickets"] == scale.tickets
    assert TicketDailyRollup.objects.filter(client__in=clients).exists()

    # Surveys: weekly pulses over the period, client answers, in-depth with >= 5 answers.
    pulses = Campaign.objects.filter(auto_key__startswith="large:pulse:").count()
    assert pulses >= scale.days // 7 - 1
    assert Answer.objects.filter(response__survey__kind=SurveyKind.CLIENT_ONBOARDING).exists()
    in_depth = Campaign.objects.filter(auto_key__startswith="large:in-depth:").annotate(
        n=Count("responses")
    )
    assert in_depth.exists()
    assert all(c.n >= 5 for c in in_depth)
    assert Response.objects.filter(
        Q(client__isnull=False), survey__kind=SurveyKind.CLIENT_ONBOARDING
    ).exists()


@pytest.mark.postgresql
def test_a_second_run_skips_and_force_rebuilds():
    demo_large.seed_large("tiny")
    first_ids = set(Ticket.objects.values_list("pk", flat=True)[:10])
    assert demo_large.seed_large("tiny") == {"skipped": True}
    again = demo_large.seed_large("tiny", force=True)
    assert again["skipped"] is False
    assert Ticket.objects.filter(external_id__startswith="LG-").count() == again["tickets"]
    assert Client.objects.filter(external_id__startswith="LG-").count() == again["clients"]
    assert not Ticket.objects.filter(pk__in=first_ids).exists()
