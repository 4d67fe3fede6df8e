"""Two years of demo tickets for the demo clients, SLA targets, settings, alerts and a
webhook integration. Idempotent: a second run finds the tickets and returns at once.

Shapes worth seeing on the dashboard: 15-40 tickets per client and week (by client
size), escalation shares of about 3-15 % (higher in a client's first 90 days; one
client over its threshold and one approaching it this month), a source mix that
shifts towards monitoring, automation and self-service, a rising proactive share, and
SLAs mostly met.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from core.periods import next_step, step_start
from insights import team_alerts
from kpis import rollups, thresholds
from kpis.metrics import threshold_state
from kpis.models import (
    AlertState,
    KpiSettings,
    TeamSatisfactionAlert,
    ThresholdAlert,
    Ticket,
    TicketDailyRollup,
    WebhookIntegration,
)
from kpis.upsert import upsert_tickets

DAYS = 730
PREFIX = "DEMO-TK"
# External id of a demo client -> base escalation share. C002 runs hot (over the 10 %
# threshold), C006 close to it (warning level); the rest are comfortably below.
ESCALATION_BASE = {"DEMO-C002": 0.12, "DEMO-C006": 0.085, "DEMO-C009": 0.07}
THIS_MONTH = {"DEMO-C002": 0.125, "DEMO-C006": 0.086}
# Shares of first responses and resolutions within target: most clients are served well
# (green on the attention page), a few middling (amber) and two poorly (red).
SLA_HIT_RATES = {
    "DEMO-C002": (0.87, 0.83),
    "DEMO-C008": (0.88, 0.84),
    "DEMO-C006": (0.95, 0.92),
    "DEMO-C011": (0.95, 0.92),
}
SLA_HIT_RATES_USUALLY = (0.99, 0.975)
PRIORITY_WEIGHTS = [("critical", 5), ("high", 20), ("medium", 50), ("low", 25)]


def _weighted(rng, pairs):
    total = sum(weight for _v, weight in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


def _sources(progress: float):
    """Source weights: from 55 % client-raised two years ago to 38 % now."""
    return [
        ("client", 55 - 17 * progress),
        ("monitoring", 20 + 8 * progress),
        ("automation", 10 + 6 * progress),
        ("self_service", 15 + 3 * progress),
    ]


def _ticket(rng, number, client, day, technicians, targets, progress, escalation_rate, zone):
    """The field values of one demo ticket (kpis.upsert derives the rest)."""
    hour = rng.choice([7, 8, 8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 17, 20])
    opened = datetime.datetime.combine(
        day, datetime.time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=zone
    )
    now = timezone.now()
    if opened > now:
        # Today's tickets are opened before now: the same share of the day so far as the
        # drawn hour is of a whole day (no extra draw, so the rest of the demo stays).
        midnight = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
        opened = midnight + (now - midnight) * ((opened - midnight) / datetime.timedelta(days=1))
    priority = _weighted(rng, PRIORITY_WEIGHTS)
    source = _weighted(rng, _sources(progress))
    first_target, resolution_target = targets[priority]
    first_rate, resolution_rate = SLA_HIT_RATES.get(client.external_id, SLA_HIT_RATES_USUALLY)
    if rng.random() < first_rate:
        first = rng.uniform(0.1, 0.95) * first_target
    else:
        first = rng.uniform(1.05, 3.0) * first_target
    if rng.random() < resolution_rate:
        resolution = rng.uniform(0.15, 0.95) * resolution_target
    else:
        resolution = rng.uniform(1.05, 2.5) * resolution_target
    resolution = max(resolution, first + 1)
    first_at = opened + datetime.timedelta(minutes=first)
    resolved_at = opened + datetime.timedelta(minutes=resolution)
    if first_at > now:
        first_at = None
    if resolved_at > now:
        resolved_at = None
    machine = source in ("monitoring", "automation")
    proactive = rng.random() < ((0.35 + 0.3 * progress) if machine else (0.03 + 0.05 * progress))
    auto = machine and rng.random() < 0.25 + 0.25 * progress
    escalated = rng.random() < escalation_rate
    employed = [t for t in technicians if t.is_employed_on(day)]
    return {
        "external_id": f"{PREFIX}{number:07d}",
        "client_id": client.pk,
        "priority": priority,
        "opened_at": opened,
        "first_response_at": first_at,
        "resolved_at": resolved_at,
        "escalated": escalated,
        "escalated_at": (opened + datetime.timedelta(minutes=first * 1.5)) if escalated else None,
        "source": source,
        "proactive": proactive,
        "auto_remediated": auto,
        "technician_id": rng.choice(employed).pk if employed and not auto else None,
    }


# Clients whose tickets carry their PSA's own SLA verdict (kpis.psa_sla), as if they came
# from a PSA connection: their pages show the PSA's figure, the reconciliation a few
# tickets the PSA judged differently.
PSA_VERDICT_CLIENTS = ("DEMO-C003", "DEMO-C008")


def _psa_verdict(ticket: dict, target: tuple[int, int], number: int) -> dict:
    """The PSA's verdict on a demo ticket, by the ticket's number (not by the random
    generator, whose sequence the demo's figures rest on): mostly ours; a late one
    partly outside business hours or paused in a waiting status met in the PSA, and
    now and then a late resolution plan."""
    opened, first, resolved = (
        ticket["opened_at"],
        ticket["first_response_at"],
        ticket["resolved_at"],
    )
    if resolved is None:  # open: in SLA so far
        return {"psa_sla_met": True}
    first_min = None if first is None else round((first - opened).total_seconds() / 60)
    resolution_min = round((resolved - opened).total_seconds() / 60)
    ours = (first_min is None or first_min <= target[0]) and resolution_min <= target[1]
    verdict = {
        "psa_sla_met": ours,
        "psa_response_minutes": first_min,
        "psa_resolution_minutes": resolution_min,
    }
    if not ours and number % 3 == 0:  # counted in business hours: within
        verdict.update(psa_sla_met=True, psa_resolution_minutes=round(target[1] * 0.8))
        verdict["psa_response_minutes"] = min(first_min or 0, target[0])
    elif not ours and number % 3 == 1 and (first_min is None or first_min <= target[0]):
        waiting = resolution_min - round(target[1] * 0.9)  # paused, waiting for the client
        verdict.update(psa_sla_met=True, psa_waiting_minutes=waiting)
        verdict["psa_resolution_minutes"] = resolution_min - waiting
    elif ours and number % 40 == 0:  # the resolution plan came late
        verdict.update(psa_sla_met=False, psa_plan_minutes=round(target[1] * 0.5))
    return verdict


def _force_share(tickets: list[dict], share: float, rng) -> None:
    """Set exactly round(len * share) of these tickets escalated."""
    wanted = round(len(tickets) * share)
    chosen = set(rng.sample(range(len(tickets)), wanted)) if tickets else set()
    for index, ticket in enumerate(tickets):
        ticket["escalated"] = index in chosen
        ticket["escalated_at"] = (
            ticket["opened_at"] + datetime.timedelta(minutes=45) if ticket["escalated"] else None
        )


# Ticket titles by source, picked by the ticket's number (not by the random generator,
# whose sequence the demo's figures rest on).
TITLES = {
    "client": (
        "Drucker druckt nicht",
        "Passwort zurücksetzen",
        "Outlook startet nicht",
        "Neuen Arbeitsplatz einrichten",
        "VPN-Verbindung bricht ab",
    ),
    "monitoring": (
        "Festplatte fast voll",
        "Server nicht erreichbar",
        "Sicherung fehlgeschlagen",
        "Hohe CPU-Last",
    ),
    "automation": ("Updates installiert", "Zertifikat läuft ab", "Dienst neu gestartet"),
    "self_service": ("Software-Anfrage", "Zugang zu einer Freigabe", "Passwort vergessen"),
}


def _tickets(org, rng, today, targets, zone):
    """(number, field values) of every demo ticket, client by client; a client's tickets
    are asked for by its first contact."""
    first_day = today - datetime.timedelta(days=DAYS)
    this_month = step_start(today, "month")
    technicians = list(org.technicians)
    number = 0
    this_month_tickets: dict[str, list[dict]] = defaultdict(list)
    for size_index, client in enumerate(org.clients):
        weekly = 15 + (size_index * 7) % 26  # 15..40 tickets a week, by client size
        base = ESCALATION_BASE.get(client.external_id, rng.uniform(0.03, 0.065))
        if client.external_id == "DEMO-C005":
            client.escalation_threshold = 8
            client.save(update_fields=["escalation_threshold"])
        tickets = []
        requester = client.contacts.order_by("pk").first()
        day = max(first_day, client.contract_start)
        while day <= today:
            if day.weekday() < 5:
                progress = (day - first_day).days / DAYS
                rate = base * (1.8 if client.is_in_onboarding(day) else 1.0)
                expected = rng.uniform(weekly * 0.7, weekly * 1.3) / 5
                count = int(expected) + (rng.random() < expected % 1)
                for _ in range(count):
                    number += 1
                    ticket = _ticket(
                        rng, number, client, day, technicians, targets, progress, rate, zone
                    )
                    if client.external_id in PSA_VERDICT_CLIENTS:
                        ticket.update(_psa_verdict(ticket, targets[ticket["priority"]], number))
                    titles = TITLES[ticket["source"]]
                    ticket["title"] = titles[number % len(titles)]
                    asked = ticket["source"] == "client" and requester is not None
                    ticket["requester_id"] = requester.pk if asked else None
                    if day >= this_month and client.external_id in THIS_MONTH:
                        this_month_tickets[client.external_id].append(ticket)
                    tickets.append((number, ticket))
            day += datetime.timedelta(days=1)
        for key, forced in this_month_tickets.items():
            if key == client.external_id:
                _force_share(forced, THIS_MONTH[key], rng)
        yield from tickets


def seed(org, rng, today: datetime.date, stdout) -> None:
    if Ticket.objects.filter(external_id__startswith=PREFIX).exists():
        stdout.write("KPIs: demo tickets already present.")
        return
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    kpi_settings, _ = KpiSettings.objects.get_or_create(pk=1)
    targets = rollups.sla_targets()

    # The seeder judges the thresholds itself, below.
    created = upsert_tickets(_tickets(org, rng, today, targets, zone), check=False).created
    _past_alerts(org, today, kpi_settings)
    # This month's alerts, as the periodic check would have raised them (already sent).
    new_ids = thresholds.record_alerts(today)
    ThresholdAlert.objects.filter(pk__in=new_ids).update(emailed_at=timezone.now())
    alerting_id = team_alerts.record_team_satisfaction_alert(today)
    if alerting_id:
        TeamSatisfactionAlert.objects.filter(pk=alerting_id).update(emailed_at=timezone.now())

    if not WebhookIntegration.objects.exists():
        integration = WebhookIntegration(name="HaloPSA (Demo)")
        token = integration.issue_token()
        integration.save()
        stdout.write(f"KPIs: webhook token for 'HaloPSA (Demo)' (shown once): {token}")
    stdout.write(f"KPIs: {created} demo tickets over two years, rollups and alerts.")


def _past_alerts(org, today: datetime.date, kpi_settings: KpiSettings) -> None:
    """Alerts of the last twelve months from the rollups, e-mailed at the month's end;
    all but the latest two acknowledged by the manager."""
    default = float(kpi_settings.default_threshold) / 100
    warning = float(kpi_settings.warning_percent) / 100
    month = step_start(today, "month")
    months = []
    for _ in range(12):
        month = step_start(month - datetime.timedelta(days=1), "month")
        months.append(month)
    rows = (
        TicketDailyRollup.objects.filter(day__gte=months[-1], day__lt=step_start(today, "month"))
        .values("client_id", "day__year", "day__month")
        .order_by()
        .annotate(t=Sum("tickets"), e=Sum("escalated"))
    )
    by_client = {c.pk: c for c in org.clients}
    alerts = []
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    for row in rows:
        client = by_client.get(row["client_id"])
        if client is None:
            continue
        threshold = (
            float(client.escalation_threshold) / 100
            if client.escalation_threshold is not None
            else default
        )
        state = threshold_state(
            row["t"], row["e"], threshold, warning, kpi_settings.minimum_tickets
        )
        if state not in (AlertState.WARNING, AlertState.BREACH):
            continue
        start = datetime.date(row["day__year"], row["day__month"], 1)
        sent = datetime.datetime.combine(
            next_step(start, "month") - datetime.timedelta(days=3), datetime.time(9), tzinfo=zone
        )
        alerts.append(
            ThresholdAlert(
                client=client,
                period_start=start,
                state=state,
                share=row["e"] / row["t"],
                tickets=row["t"],
                escalated=row["e"],
                threshold=threshold,
                emailed_at=sent,
            )
        )
    alerts.sort(key=lambda a: a.period_start)
    for alert in alerts[:-2]:
        alert.acknowledged_at = alert.emailed_at + datetime.timedelta(hours=5)
        alert.acknowledged_by = org.manager
    ThresholdAlert.objects.bulk_create(alerts, ignore_conflicts=True)
    # created_at is auto_now_add: date them to the month they belong to.
    for alert in ThresholdAlert.objects.filter(period_start__lt=step_start(today, "month")):
        ThresholdAlert.objects.filter(pk=alert.pk).update(created_at=alert.emailed_at)
