"""Every dashboard figure read from the daily rollups equals the same figure computed
straight from the tickets, in Python, after imports, webhook updates, edits, deletions
and a rebuild. (tests/kpis/test_rollups.py compares the raw counts step by step; this
walks one history through all of them and compares what the pages show: totals, shares,
SLA attainment, weekly and monthly series, per-client figures and threshold states.)"""

from __future__ import annotations

import datetime
import io
import json
import random
import zoneinfo
from collections import defaultdict

import pytest
import time_machine
from django.urls import reverse

from core.periods import Period, month_to_date
from kpis import importing, metrics, rollups, tasks, thresholds
from kpis.models import (
    PRIORITIES,
    KpiSettings,
    SegmentDailyRollup,
    SLATarget,
    Ticket,
    TicketDailyRollup,
    WebhookIntegration,
)
from organisation.models import Client
from tests.kpis.conftest import admin_form

ZONE = zoneinfo.ZoneInfo("Europe/Berlin")
PERIOD = Period(datetime.date(2026, 1, 5), datetime.date(2026, 4, 6))
SEGMENTS = ["Handel", "Kanzlei", "Industrie"]


def _key(day: datetime.date) -> str:
    return f"{day:%Y-%m-%d}"


def direct_counts(period: Period, client_ids=None) -> dict:
    """The rollup counts for ``period`` recomputed from every ticket in Python."""
    targets = {
        t.priority: (t.first_response_minutes * 60, t.resolution_minutes * 60)
        for t in SLATarget.objects.all()
    }
    counts = defaultdict(int)
    tickets = Ticket.objects.select_related("client").filter(
        opened_on__gte=period.start, opened_on__lt=period.end
    )
    if client_ids is not None:
        tickets = tickets.filter(client_id__in=client_ids)
    for t in tickets:
        local_day = t.opened_at.astimezone(ZONE).date()
        assert t.opened_on == local_day
        counts["tickets"] += 1
        counts["escalated"] += t.escalated
        counts[f"from_{t.source}"] += 1
        counts["proactive"] += t.proactive
        counts["auto_remediated"] += t.auto_remediated
        onboarding = 0 <= (local_day - t.client.contract_start).days < 90
        counts["onboarding_tickets"] += onboarding
        counts["onboarding_escalated"] += onboarding and t.escalated
        if t.priority in targets:
            first_target, resolution_target = targets[t.priority]
            for prefix, total, moment, target in (
                ("fr", "first_response", t.first_response_at, first_target),
                ("res", "resolution", t.resolved_at, resolution_target),
            ):
                if moment is None:
                    continue
                seconds = max(0, int((moment - t.opened_at).total_seconds()))
                met = seconds <= target
                counts[f"{prefix}_measured_{t.priority}"] += 1
                counts[f"{prefix}_met_{t.priority}"] += met
                counts[f"{total}_measured"] += 1
                counts[f"{total}_met"] += met
    counts["ongoing_tickets"] = counts["tickets"] - counts["onboarding_tickets"]
    counts["ongoing_escalated"] = counts["escalated"] - counts["onboarding_escalated"]
    return dict(counts)


def assert_counts_equal(from_rollups: dict, direct: dict) -> None:
    keys = set(direct) | {k for k, v in from_rollups.items() if v and k != "bucket"}
    for key in keys:
        assert from_rollups.get(key, 0) == direct.get(key, 0), key


def assert_figures_match(period: Period, client_ids=None, segment=None) -> None:
    """What the dashboard, the detail pages and the threshold check show. With a
    ``segment`` the totals and series come from the segment rollups of that segment
    (``client_ids`` are its clients, for the direct computation); without client ids from
    the segment rollups of all segments."""
    scope = {"segment": segment} if segment is not None else {"client_ids": client_ids}
    from_rollups = metrics.totals(period, **scope)
    direct = direct_counts(period, client_ids)
    assert direct["tickets"] > 0
    assert_counts_equal(from_rollups, direct)
    filled = defaultdict(int, direct)
    assert metrics.escalation_summary(from_rollups) == metrics.escalation_summary(filled)
    assert metrics.proactive_shares(from_rollups) == metrics.proactive_shares(filled)
    assert metrics.sla_attainment(from_rollups) == metrics.sla_attainment(filled)
    for by in ("week", "month"):
        for bucket in metrics.series(period, by=by, **scope):
            start = bucket["start"]
            end = start + datetime.timedelta(days=7) if by == "week" else _next_month(start)
            overlap = Period(max(start, period.start), min(end, period.end))
            expected = defaultdict(int, direct_counts(overlap, client_ids))
            assert bucket["tickets"] == expected["tickets"], (by, start)
            assert bucket["escalated"] == expected["escalated"], (by, start)
            assert bucket["share"] == metrics.escalation_share(
                expected["escalated"], expected["tickets"]
            )
            assert (
                bucket["proactive_share"] == metrics.proactive_shares(expected)["proactive_share"]
            )
            assert bucket["sla"]["overall"] == metrics.sla_attainment(expected)["overall"]
    per_client = metrics.by_client(period, client_ids)
    for client in Client.objects.all():
        if client_ids is not None and client.pk not in client_ids:
            continue
        expected = direct_counts(period, [client.pk])
        if not expected:
            assert client.pk not in per_client
            continue
        figures = per_client[client.pk]
        assert figures["tickets"] == expected["tickets"]
        assert figures["escalated"] == expected.get("escalated", 0)
        assert figures["onboarding_tickets"] == expected.get("onboarding_tickets", 0)
    settings = KpiSettings.load()
    for state in thresholds.client_states(period, client_ids, settings):
        expected = defaultdict(int, direct_counts(period, [state.client_id]))
        assert (state.tickets, state.escalated) == (expected["tickets"], expected["escalated"])


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def direct_segment_rows() -> dict[tuple, dict]:
    """{(day, segment): counts} straight from the tickets, for every day with tickets."""
    rows: dict[tuple, dict] = {}
    keys = set(Ticket.objects.values_list("opened_on", "client__segment").order_by().distinct())
    for day, segment in keys:
        ids = list(Client.objects.filter(segment=segment).values_list("pk", flat=True))
        counts = direct_counts(Period(day, day + datetime.timedelta(days=1)), ids)
        counts.pop("ongoing_tickets")
        counts.pop("ongoing_escalated")
        rows[(day, segment)] = counts
    return rows


def assert_segment_rollups_match() -> None:
    """Every stored segment row equals the sums computed from the tickets, and no row is
    missing or left over."""
    stored = {
        (row.pop("day"), row.pop("segment")): {k: v for k, v in row.items() if v}
        for row in SegmentDailyRollup.objects.values()
        if row.pop("id")
    }
    direct = {
        key: {k: v for k, v in counts.items() if v} for key, counts in direct_segment_rows().items()
    }
    assert stored.keys() == direct.keys()
    for key, counts in direct.items():
        assert stored[key] == counts, key


def assert_everything_matches() -> None:
    segments = set(Client.objects.values_list("segment", flat=True))
    assert "Handel" in segments
    segment_ids = list(Client.objects.filter(segment="Handel").values_list("pk", flat=True))
    one = [Client.objects.order_by("pk").first().pk]
    month = Period(PERIOD.start, PERIOD.start + datetime.timedelta(days=30))
    for ids in (None, segment_ids, one):
        assert_figures_match(PERIOD, ids)
        assert_figures_match(month, ids)
    for segment in segments:
        ids = list(Client.objects.filter(segment=segment).values_list("pk", flat=True))
        assert_figures_match(PERIOD, ids, segment=segment)
    assert_figures_match(month, segment_ids, segment="Handel")
    assert_segment_rollups_match()
    # The rollups hold no row without tickets and no client-day (segment-day) twice.
    assert TicketDailyRollup.objects.filter(tickets=0).count() == 0
    assert SegmentDailyRollup.objects.filter(tickets=0).count() == 0


def _opened(rng) -> datetime.datetime:
    day = PERIOD.start + datetime.timedelta(days=rng.randrange(PERIOD.days))
    # Around midnight too: the local day differs from the UTC day.
    hour = rng.choice([0, 1, 9, 14, 23])
    return datetime.datetime.combine(day, datetime.time(hour, rng.randrange(60)), tzinfo=ZONE)


def _row(rng, number: int, client: Client) -> dict:
    opened = _opened(rng)
    first = rng.choice([None, 3, 45, 300, 900])
    resolved = rng.choice([None, 60, 500, 2000, 6000])
    return {
        "external_id": f"PERF-{number}",
        "client": client.external_id,
        "priority": rng.choice(PRIORITIES),
        "opened_at": opened.isoformat(),
        "first_response_at": (opened + datetime.timedelta(minutes=first)).isoformat()
        if first
        else "",
        "resolved_at": (opened + datetime.timedelta(minutes=resolved)).isoformat()
        if resolved
        else "",
        "escalated": "true" if rng.random() < 0.12 else "false",
        "source": rng.choice(["client", "monitoring", "automation", "self_service"]),
        "proactive": "true" if rng.random() < 0.2 else "false",
        "auto_remediated": "true" if rng.random() < 0.1 else "false",
    }


def _admin_url(view: str, *args) -> str:
    return reverse(f"admin:kpis_ticket_{view}", args=args)


def _csv(rows: list[dict]) -> io.BytesIO:
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(row[c] for c in header) for row in rows]
    return io.BytesIO(("\n".join(lines) + "\n").encode())


@pytest.fixture
def history(db):
    rng = random.Random(11)
    clients = []
    for index in range(6):
        clients.append(
            Client.objects.create(
                external_id=f"PC-{index}",
                name=f"Perf Client {index}",
                segment=SEGMENTS[index % 3],
                # Some start inside the period, so early and ongoing support both occur.
                contract_start=PERIOD.start + datetime.timedelta(days=25 * index - 60),
            )
        )
    rows = [_row(rng, n, rng.choice(clients)) for n in range(400)]
    importing.import_csv("tickets", _csv(rows))
    return rng, clients, rows


def test_figures_from_rollups_equal_the_tickets_through_a_whole_history(
    history, client, admin_client, django_capture_on_commit_callbacks
):
    rng, clients, rows = history
    assert_everything_matches()

    # A second import: new tickets, and changes that move tickets between clients/days.
    changed = []
    for row in rows[:60]:
        moved = _row(rng, 0, rng.choice(clients))
        moved["external_id"] = row["external_id"]
        changed.append(moved)
    changed += [_row(rng, n, rng.choice(clients)) for n in range(400, 450)]
    importing.import_csv("tickets", _csv(changed))
    assert_everything_matches()

    # Webhook updates: escalate one ticket, move another to a different day and client.
    integration = WebhookIntegration(name="PSA")
    token = integration.issue_token()
    integration.save()
    for row in (changed[0], changed[1]):
        body = dict(_row(rng, 0, rng.choice(clients)), external_id=row["external_id"])
        body["escalated"] = True
        response = client.post(
            "/kpis/webhook/tickets/",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 200, response.content
    assert_everything_matches()

    # Single edits and deletions in the admin: refreshed in the admin's transaction.
    edited = Ticket.objects.order_by("pk")[3]
    escalated = not edited.escalated
    form = admin_form(
        edited,
        escalated=escalated,
        escalated_at=edited.opened_at if escalated else None,
        opened_at=edited.opened_at - datetime.timedelta(days=9),
        first_response_at=None,
        resolved_at=None,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(_admin_url("change", edited.pk), form)
    assert response.status_code == 302
    doomed = list(Ticket.objects.order_by("-pk").values_list("pk", flat=True)[:30])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(_admin_url("delete", doomed[0]), {"post": "yes"})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            _admin_url("changelist"),
            {"action": "delete_selected", "_selected_action": doomed[1:], "post": "yes"},
        )
    assert response.status_code == 302
    assert not Ticket.objects.filter(pk__in=doomed).exists()
    assert_everything_matches()

    # Segment changes: in the admin (a save), with a new contract start too, and by a
    # client import; the segment rows of the client's days move with it.
    moved = clients[0]
    moved.segment = "Kanzlei"
    moved.save()
    assert_everything_matches()
    moved.contract_start = PERIOD.start + datetime.timedelta(days=20)
    moved.segment = ""  # no segment: a segment of its own in the rollups
    moved.save()
    assert_everything_matches()
    header = "external_id,name,contract_start,segment\n"
    imported = clients[1]
    importing.import_csv(
        "clients",
        io.BytesIO(
            (
                header
                + f"{imported.external_id},{imported.name},{imported.contract_start},Industrie\n"
                + f"{clients[2].external_id},{clients[2].name},"
                f"{PERIOD.start - datetime.timedelta(days=30)},{clients[2].segment}\n"
            ).encode()
        ),
    )
    assert Client.objects.get(pk=imported.pk).segment == "Industrie"
    assert_everything_matches()

    # Deleting a client takes its tickets and rows, and its segment's sums drop.
    with django_capture_on_commit_callbacks(execute=True):
        Client.objects.get(pk=clients[4].pk).delete()
    assert_everything_matches()

    # A rebuild from scratch changes nothing.
    def stored():
        return (
            [
                {k: v for k, v in row.items() if k != "id"}
                for row in TicketDailyRollup.objects.order_by("client_id", "day").values()
            ],
            [
                {k: v for k, v in row.items() if k != "id"}
                for row in SegmentDailyRollup.objects.order_by("day", "segment").values()
            ],
        )

    before = stored()
    rollups.rebuild_all()
    assert stored() == before
    assert_everything_matches()

    # The periodic task recomputes the last days of every segment, mending a lost row.
    SegmentDailyRollup.objects.filter(day__gte=PERIOD.end - datetime.timedelta(days=5)).delete()
    rollups.refresh(None, PERIOD.end - datetime.timedelta(days=5), PERIOD.end)
    assert stored() == before


def test_the_threshold_check_judges_the_month_to_date_from_the_tickets(history):
    _rng, clients, _rows = history
    today = datetime.date(2026, 3, 20)
    period = month_to_date(today)
    for state in thresholds.client_states(period):
        expected = defaultdict(int, direct_counts(period, [state.client_id]))
        assert (state.tickets, state.escalated) == (expected["tickets"], expected["escalated"])
    assert len(thresholds.client_states(period)) == len(clients)


def test_an_admin_edit_the_form_refuses_changes_nothing(
    history, admin_client, django_capture_on_commit_callbacks
):
    first, second = Ticket.objects.order_by("pk")[:2]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            _admin_url("change", first.pk), admin_form(first, priority="urgent")
        )
    assert response.status_code == 200  # the form again, with the error
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(_admin_url("delete", second.pk), {"post": "yes"})
    assert response.status_code == 302
    assert_everything_matches()


def test_the_periodic_refresh_mends_an_edit_made_in_a_shell(history):
    """Outside the admin, the import and the webhook nothing refreshes at once: the
    periodic task recomputes the last days."""
    edited = Ticket.objects.order_by("-opened_at").first()
    edited.escalated = not edited.escalated
    edited.escalated_at = edited.opened_at if edited.escalated else None
    edited.save()
    with time_machine.travel(
        datetime.datetime.combine(edited.opened_on, datetime.time(12), tzinfo=ZONE)
    ):
        tasks.refresh_rollups.apply().get()
    assert_everything_matches()
