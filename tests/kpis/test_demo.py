"""The demo data: two years of tickets, alerts, a webhook integration; idempotent."""

import datetime
import io
import random

import time_machine
from django.db.models import F
from django.utils import timezone

from core.periods import Period
from demo import kpis as demo
from demo.organisation import seed_organisation
from kpis import metrics, psa_sla, rollups
from kpis.models import ThresholdAlert, Ticket, TicketDailyRollup, WebhookIntegration


def test_the_demo_fills_every_tile_and_runs_once(db, django_assert_max_num_queries):
    today = timezone.localdate()
    org = seed_organisation(random.Random(1), today)
    out = io.StringIO()
    demo.seed(org, random.Random(1), today, out)
    count = Ticket.objects.count()
    assert count > 10_000
    # Two years of history: tickets start with the oldest contract, on its first weekday
    # (the demo makes tickets Monday to Friday), whatever day of the week today is.
    oldest_start = min(client.contract_start for client in org.clients)
    assert oldest_start <= today - datetime.timedelta(days=700)
    first_weekday = oldest_start
    while first_weekday.weekday() >= 5:
        first_weekday += datetime.timedelta(days=1)
    assert Ticket.objects.order_by("opened_on").first().opened_on == first_weekday
    assert TicketDailyRollup.objects.exists()
    assert ThresholdAlert.objects.filter(acknowledged_at__isnull=False).exists()
    assert ThresholdAlert.objects.filter(acknowledged_at__isnull=True).exists()
    assert WebhookIntegration.objects.count() == 1
    # Every ticket has a title; the clients' own tickets name their contact.
    assert not Ticket.objects.filter(title="").exists()
    from_clients = Ticket.objects.filter(source="client")
    assert from_clients.filter(requester__client_id=F("client_id")).count() == from_clients.count()
    assert not Ticket.objects.exclude(source="client").filter(requester__isnull=False).exists()
    year = Period(today - datetime.timedelta(days=365), today + datetime.timedelta(days=1))
    summary = metrics.escalation_summary(metrics.totals(year))
    assert 0.03 < summary["share"] < 0.15
    assert summary["onboarding_share"] > summary["ongoing_share"]
    assert 0.8 < metrics.sla_attainment(metrics.totals(year))["overall"] < 0.98
    # Two clients' tickets carry their PSA's verdict, a few of them differing from ours.
    judged = Ticket.objects.filter(client__external_id__in=demo.PSA_VERDICT_CLIENTS)
    assert not judged.filter(psa_sla_met__isnull=True).exists()
    assert not Ticket.objects.exclude(pk__in=judged).filter(psa_sla_met__isnull=False).exists()
    differing = psa_sla.disagreeing(judged, rollups.sla_targets())
    reasons = {psa_sla.reason(t, rollups.sla_targets()) for t in differing}
    assert reasons == {"business_hours", "waiting", "plan"}
    # The attention page shows clients served well (green) and poorly (red).
    last_30_days = Period.through(today - datetime.timedelta(days=29), today)
    by_client = [row["overall"] for row in metrics.sla_by_client(last_30_days).values()]
    assert min(by_client) < 0.9 <= 0.95 <= max(by_client)
    with django_assert_max_num_queries(2):
        demo.seed(org, random.Random(1), today, out)
    assert Ticket.objects.count() == count
    assert "already present" in out.getvalue()


def test_the_demo_opens_no_ticket_after_now_also_just_after_midnight(db):
    # 00:20 in Berlin: a ticket drawn for 20:00 today must not lie in the future.
    with time_machine.travel(datetime.datetime(2026, 11, 29, 23, 20, tzinfo=datetime.UTC)):
        today = timezone.localdate()
        org = seed_organisation(random.Random(1), today)
        demo.seed(org, random.Random(1), today, io.StringIO())
        assert Ticket.objects.filter(opened_on=today).exists()
        assert not Ticket.objects.filter(opened_at__gt=timezone.now()).exists()
