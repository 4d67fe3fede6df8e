"""A large MSP for the benchmark (``manage.py seed_demo --scale large``), PostgreSQL only.

500 clients (segments, contract starts over three years, some in onboarding now, two or
three contacts each), 1,000,000 tickets over two years, 200 technicians with hires and
leavers, two years of weekly pulses, client onboarding surveys with about 20,000
answers, quarterly in-depth surveys, the demo assessments, the daily rollups and the
current threshold alerts.

Shapes: escalation shares of 3-7.5 % for most clients, 7.5-9.5 % for some (approaching a
10 % threshold) and 9.5-14 % for a few (over it), 1.8 times as high in a client's first
90 days; a source mix shifting from client-raised towards monitoring, automation and
self-service; proactive and auto-remediated work mostly from monitoring and automation;
first responses and resolutions mostly within the SLA targets of their priority.

Tickets are generated in Python and written as every ticket is, through
``kpis.upsert.upsert_tickets`` (``COPY`` on PostgreSQL, the derived fields as the
product derives them, then the rollups of the clients and days written).

Idempotent: everything is written in one transaction and recognised by its external ids
(prefix ``LG-``); a second run returns at once unless ``force`` is given, which deletes
the large data set first.
"""

# SQL here is built from model metadata (table and column names), never from input.
# ruff: noqa: S608

from __future__ import annotations

import datetime
import io
import math
import random
import time
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from core.periods import next_step, quarter_label, step_start
from demo import assessments as demo_assessments
from demo.organisation import DemoOrg, _user
from demo.surveys import plan_reply, write_plan
from kpis import thresholds
from kpis.models import SLATarget, ThresholdAlert, Ticket, TicketDailyRollup
from kpis.upsert import upsert_tickets
from organisation.models import Client, Contact, Technician, onboarding_end
from surveys import rollups as survey_rollups
from surveys.models import (
    Answer,
    Campaign,
    Invitation,
    InvitationToken,
    Response,
    Survey,
    SurveyDailyRollup,
    SurveyKind,
)
from surveys.services import in_depth_key

PREFIX = "LG-"
CAMPAIGN_PREFIX = "large:"
SEGMENTS = [
    ("Handel", 18),
    ("Kanzlei", 12),
    ("Gesundheit", 14),
    ("Industrie", 16),
    ("Logistik", 10),
    ("Öffentlich", 8),
    ("Gastgewerbe", 9),
    ("Bildung", 7),
    ("Finanzen", 6),
]
PRIORITIES = [("critical", 4), ("high", 18), ("medium", 50), ("low", 28)]
# Hours at which tickets open (local time); 2 o'clock is left out so no opening time
# falls into a daylight-saving gap or repeats.
CLIENT_HOURS = [7, 8, 8, 9, 9, 9, 10, 10, 10, 11, 11, 12, 13, 13, 14, 14, 15, 15, 16, 16, 17, 18]
MACHINE_HOURS = [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]


class LargeSeedError(Exception):
    """The large data set cannot be created here (e.g. not PostgreSQL)."""


@dataclass(frozen=True)
class Scale:
    clients: int = 500
    tickets: int = 1_000_000
    technicians: int = 200
    leavers: int = 50
    days: int = 730
    contract_years: int = 3
    onboarding_clients: int = 15  # contract started within the last 90 days

    @property
    def last_ticket_id(self) -> str:
        return ticket_id(self.tickets)


SCALES = {
    "large": Scale(),
    # The benchmark's --quick mode: the same shapes, a twentieth of the tickets.
    "small": Scale(clients=60, tickets=50_000, technicians=40, leavers=10, onboarding_clients=3),
    # The same code path at a size a test can afford.
    "tiny": Scale(
        clients=12, tickets=3000, technicians=16, leavers=4, days=400, onboarding_clients=2
    ),
}


def ticket_id(number: int) -> str:
    return f"{PREFIX}TK{number:07d}"


def client_id(number: int) -> str:
    return f"{PREFIX}C{number:04d}"


def technician_id(number: int) -> str:
    return f"{PREFIX}T{number:04d}"


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise LargeSeedError(
            "The large data set needs PostgreSQL (it loads tickets with COPY). Set "
            "DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/msp_bench, and run again."
        )


def is_present(scale: Scale) -> bool:
    """The large data set of this scale is complete (it is written in one transaction,
    so its last ticket stands for all of it)."""
    return (
        Client.objects.filter(external_id=client_id(scale.clients)).exists()
        and Ticket.objects.filter(external_id=scale.last_ticket_id).exists()
    )


def _weighted(rng: random.Random, pairs):
    values = [v for v, _w in pairs]
    weights = [w for _v, w in pairs]
    return rng.choices(values, weights=weights)[0]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# --- Deleting ---------------------------------------------------------------------------


def delete_large() -> None:
    """Remove the large data set (and bench campaigns that point at its people) with
    set-based SQL; the ORM's cascade would load a million tickets first."""
    clients = f"SELECT id FROM {_table(Client)} WHERE external_id LIKE %s"
    technicians = f"SELECT id FROM {_table(Technician)} WHERE external_id LIKE %s"
    contacts = f"SELECT id FROM {_table(Contact)} WHERE client_id IN ({clients})"
    invitations = (
        f"SELECT id FROM {_table(Invitation)} WHERE contact_id IN ({contacts}) "
        f"OR technician_id IN ({technicians})"
    )
    like = PREFIX + "%"
    statements = [
        (
            f"DELETE FROM {_table(Answer)} WHERE response_id IN (SELECT id FROM "
            f"{_table(Response)} WHERE invitation_id IN ({invitations}))",
            [like, like],
        ),
        (f"DELETE FROM {_table(Response)} WHERE invitation_id IN ({invitations})", [like, like]),
        (
            f"DELETE FROM {_table(InvitationToken)} WHERE invitation_id IN ({invitations})",
            [like, like],
        ),
        (f"DELETE FROM {_table(Invitation)} WHERE id IN ({invitations})", [like, like]),
        (
            f"DELETE FROM {_table(Campaign)} c WHERE (c.auto_key LIKE %s OR c.client_id IN "
            f"({clients})) AND NOT EXISTS (SELECT 1 FROM {_table(Invitation)} i "
            "WHERE i.campaign_id = c.id)",
            [CAMPAIGN_PREFIX + "%", like],
        ),
        (f"DELETE FROM {_table(TicketDailyRollup)} WHERE client_id IN ({clients})", [like]),
        (f"DELETE FROM {_table(SurveyDailyRollup)} WHERE client_id IN ({clients})", [like]),
        (f"DELETE FROM {_table(ThresholdAlert)} WHERE client_id IN ({clients})", [like]),
        (f"DELETE FROM {_table(Ticket)} WHERE client_id IN ({clients})", [like]),
        (f"DELETE FROM {_table(Contact)} WHERE client_id IN ({clients})", [like]),
        (
            f"DELETE FROM {_table(Client.responsible_staff.through)} WHERE client_id IN "
            f"({clients})",
            [like],
        ),
        (f"DELETE FROM {_table(Client)} WHERE external_id LIKE %s", [like]),
        (f"DELETE FROM {_table(Technician)} WHERE external_id LIKE %s", [like]),
    ]
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
    survey_rollups.rebuild_all()  # the daily survey figures without the deleted answers


# --- Organisation -----------------------------------------------------------------------


@dataclass
class People:
    org: DemoOrg
    clients: list[Client]
    technicians: list[Technician]
    # Per client: (size weight, base escalation share)
    profile: dict[int, tuple[float, float]]


def _seed_people(scale: Scale, rng: random.Random, today: datetime.date) -> People:
    manager = _user("manager", "Miriam", "Vogel", "manager")
    staff = _user("admin", "Admin", "Backoffice", is_staff=True, is_superuser=True)
    org = DemoOrg(manager=manager, staff=staff)
    account_managers = [manager] + [
        _user(f"am{i}", "Account", f"Manager {i}", "manager") for i in range(1, 5)
    ]

    clients = []
    profile_by_number = {}
    contract_days = 365 * scale.contract_years
    for number in range(1, scale.clients + 1):
        if number <= scale.onboarding_clients:
            days_ago = rng.randint(3, 88)
        else:
            days_ago = rng.randint(95, contract_days)
        segment = _weighted(rng, SEGMENTS)
        size = math.exp(rng.gauss(0, 0.75))
        roll = rng.random()
        if roll < 0.05:
            base = rng.uniform(0.095, 0.14)  # over a 10 % threshold
        elif roll < 0.15:
            base = rng.uniform(0.075, 0.095)  # approaching it
        else:
            base = rng.uniform(0.03, 0.075)
        profile_by_number[number] = (size, base)
        clients.append(
            Client(
                external_id=client_id(number),
                name=f"{segment} Kunde {number:04d} GmbH",
                segment=segment,
                contract_start=today - datetime.timedelta(days=days_ago),
                escalation_threshold=(12 if number % 97 == 0 else None),
            )
        )
    clients = Client.objects.bulk_create(clients, batch_size=1000)
    through = Client.responsible_staff.through
    through.objects.bulk_create(
        [
            through(client_id=c.pk, user_id=account_managers[i % len(account_managers)].pk)
            for i, c in enumerate(clients)
        ],
        batch_size=2000,
    )
    contacts = []
    for number, client in enumerate(clients, start=1):
        for role in ("it", "gf", "einkauf")[: rng.choice((2, 2, 3, 3, 3))]:
            contacts.append(
                Contact(
                    client=client,
                    name=f"{role.upper()} Kunde {number:04d}",
                    email=f"{role}@c{number:04d}.large.example",
                    language="de" if rng.random() < 0.8 else "en",
                )
            )
    Contact.objects.bulk_create(contacts, batch_size=2000)

    technicians = []
    current = scale.technicians - scale.leavers
    for number in range(1, scale.technicians + 1):
        if number <= current:
            hired = today - datetime.timedelta(days=rng.randint(20, 6 * 365))
            left = None
        else:
            left = today - datetime.timedelta(days=rng.randint(5, scale.days - 5))
            hired = left - datetime.timedelta(days=rng.randint(120, 5 * 365))
        technicians.append(
            Technician(
                external_id=technician_id(number),
                name=f"Techniker {number:04d}",
                email=f"t{number:04d}@msp-large.example",
                role=rng.choice(["Level 1", "Level 1", "Level 2", "Level 3"]),
                hire_date=hired,
                leave_date=left,
                language="de" if rng.random() < 0.85 else "en",
            )
        )
    technicians = Technician.objects.bulk_create(technicians, batch_size=1000)
    # Logins for the first ten current technicians (the assessments demo needs some).
    for index, technician in enumerate(technicians[: min(10, current)], start=1):
        user = _user(f"ltech{index}", "Techniker", f"{index:04d}", "technician")
        Technician.objects.filter(pk=technician.pk).update(user=user)
        org.technician_users.append(user)
    org.clients = clients
    org.technicians = technicians
    profile = {c.pk: profile_by_number[n] for n, c in enumerate(clients, start=1)}
    return People(org=org, clients=clients, technicians=technicians, profile=profile)


# --- Tickets ----------------------------------------------------------------------------


def _sources(progress: float):
    """Source weights: from 56 % client-raised two years ago to 40 % now."""
    return [
        ("client", 56 - 16 * progress),
        ("monitoring", 22 + 7 * progress),
        ("automation", 10 + 6 * progress),
        ("self_service", 12 + 3 * progress),
    ]


def _duration(rng: random.Random, target_seconds: int, within: float) -> int:
    if rng.random() < within:
        return int(rng.uniform(0.08, 0.97) * target_seconds)
    return int(rng.uniform(1.03, 3.0) * target_seconds)


def _tickets(scale: Scale, people: People, rng, today, now_local, targets):
    """(number, field values) of every ticket. No queries in here: it runs while the
    connection may be busy with COPY."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    for priority, _w in PRIORITIES:
        targets.setdefault(priority, (3600, 24 * 3600))
    first_day = today - datetime.timedelta(days=scale.days - 1)
    # Employed technicians per week: a ticket goes to someone on the payroll that day.
    weeks = scale.days // 7 + 2
    employed = []
    for week in range(weeks):
        day = first_day + datetime.timedelta(days=week * 7)
        ids = [t.pk for t in people.technicians if t.is_employed_on(day)]
        employed.append(ids or [t.pk for t in people.technicians])
    windows = {}
    weights = {}
    for client in people.clients:
        start = max(client.contract_start, first_day)
        days = (today - start).days + 1
        windows[client.pk] = (start, days)
        weights[client.pk] = people.profile[client.pk][0] * days
    total_weight = sum(weights.values())
    counts = {pk: int(scale.tickets * w / total_weight) for pk, w in weights.items()}
    # Hand the rounding remainder to the largest clients.
    remainder = scale.tickets - sum(counts.values())
    for pk in sorted(weights, key=weights.get, reverse=True)[:remainder]:
        counts[pk] += 1

    number = 0
    for client in people.clients:
        start, days = windows[client.pk]
        base = people.profile[client.pk][1]
        ends_onboarding = onboarding_end(client.contract_start)
        day_list = [start + datetime.timedelta(days=i) for i in range(days)]
        cum, total = [], 0.0
        for day in day_list:
            total += 1.0 if day.weekday() < 5 else 0.3
            cum.append(total)
        for day in sorted(rng.choices(day_list, cum_weights=cum, k=counts[client.pk])):
            number += 1
            offset = (day - first_day).days
            progress = offset / scale.days
            source = _weighted(rng, _sources(progress))
            machine = source in ("monitoring", "automation")
            hour = rng.choice(MACHINE_HOURS if machine else CLIENT_HOURS)
            opened = datetime.datetime.combine(
                day, datetime.time(hour, rng.randrange(60), rng.randrange(60))
            )
            if day == today:
                # Not later than now, also in the first hour after midnight: a moment
                # between midnight and now (local), an hour earlier in the hour a change
                # to summer time skips.
                midnight = datetime.datetime.combine(day, datetime.time())
                opened = min(opened, midnight + (now_local - midnight) * rng.random())
                if opened.hour == 2:
                    opened -= datetime.timedelta(hours=1)
            priority = _weighted(rng, PRIORITIES)
            fr_target, res_target = targets[priority]
            fr = _duration(rng, fr_target, 0.93)
            res = max(fr, _duration(rng, res_target, 0.89))
            age = (now_local - opened).total_seconds()
            if fr > age:
                fr = None
            if res > age or rng.random() < 0.004:  # a few stay open a long time
                res = None
            rate = base * (1.8 if day < ends_onboarding else 1.0)
            esc = None
            if rng.random() < rate:
                esc = int(rng.uniform(0.2, 0.9) * (res or fr_target * 2))
            proactive = machine and rng.random() < 0.35 + 0.25 * progress
            auto = (source == "automation" and rng.random() < 0.6) or (
                source == "monitoring" and rng.random() < 0.15 + 0.1 * progress
            )
            technician = None
            if not (auto and rng.random() < 0.7):
                technician = rng.choice(employed[offset // 7])
            # In UTC, so that adding seconds crosses a change of clocks correctly.
            start = opened.replace(tzinfo=zone).astimezone(datetime.UTC)
            yield (
                number,
                {
                    "external_id": ticket_id(number),
                    "client_id": client.pk,
                    "priority": priority,
                    "opened_at": start,
                    "first_response_at": _after(start, fr),
                    "resolved_at": _after(start, res),
                    "escalated": esc is not None,
                    "escalated_at": _after(start, esc),
                    "source": source,
                    "proactive": proactive,
                    "auto_remediated": auto,
                    "technician_id": technician,
                },
            )


def _after(start: datetime.datetime, seconds: int | None) -> datetime.datetime | None:
    return None if seconds is None else start + datetime.timedelta(seconds=seconds)


def _load_tickets(scale: Scale, people: People, rng, today, now_local) -> int:
    """Write the tickets and their rollups; returns the number of tickets."""
    targets = {
        t.priority: (t.first_response_minutes * 60, t.resolution_minutes * 60)
        for t in SLATarget.objects.all()
    }
    # The seeder judges the thresholds itself (seed_large).
    tickets = _tickets(scale, people, rng, today, now_local, targets)
    written = upsert_tickets(tickets, check=False).created
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {_table(Ticket)}")
    return written


# --- Surveys ----------------------------------------------------------------------------


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


class _SurveyWriter:
    """Campaigns, invitations, responses and answers written with bulk_create."""

    def __init__(self, now):
        self.now = now
        self.surveys = {s.kind: s for s in Survey.objects.all()}
        self.questions = {
            kind: list(survey.questions.active().order_by("position", "id"))
            for kind, survey in self.surveys.items()
        }
        self.plan = []

    def campaign(self, kind, name, send_at, open_days, auto_key, client=None):
        closes_at = send_at + datetime.timedelta(days=open_days)
        closed = closes_at <= self.now
        campaign = Campaign(
            survey=self.surveys[kind],
            name=name,
            status=Campaign.Status.CLOSED if closed else Campaign.Status.OPEN,
            send_at=send_at,
            started_at=send_at,
            closes_at=closes_at,
            closed_at=closes_at if closed else None,
            auto_key=auto_key,
            client=client,
        )
        rows = []
        self.plan.append((campaign, rows))
        return rows

    def answers(self, kind, rng, level: float, comment_rate: float) -> dict:
        """Values for the active questions of ``kind``; ``level`` 0..1 is how happy the
        respondent is (placed on each question's own scale)."""
        values = {}
        for question in self.questions[kind]:
            if question.is_scale:
                span = question.scale_max - question.scale_min
                values[question.pk] = _clamp(
                    question.scale_min + span * (level + rng.gauss(0, 0.12)),
                    question.scale_min,
                    question.scale_max,
                )
            elif rng.random() < comment_rate:
                values[question.pk] = rng.choice(
                    ["Passt.", "Mehr Automatisierung bitte.", "Gute Zusammenarbeit.", "Okay."]
                )
        return values

    def write(self) -> dict[str, int]:
        return write_plan(self.plan, lambda kind, question_id: question_id, batch_size=5000)


def _seed_surveys(scale: Scale, people: People, rng, today) -> dict[str, int]:
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    now = timezone.now()
    writer = _SurveyWriter(now)
    first_day = today - datetime.timedelta(days=scale.days - 1)
    mood = {t.pk: rng.uniform(0.45, 0.85) for t in people.technicians}

    def at(day, hour):
        return datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone)

    def respond(rows, recipient, send_at, rate, values):
        when = send_at + datetime.timedelta(hours=rng.randint(1, 72))
        answered = values if (rng.random() < rate and when < now) else None
        rows.append(plan_reply(recipient, send_at, answered, when))

    monday = step_start(first_day, "week")
    while monday + datetime.timedelta(days=4) < today:
        friday = monday + datetime.timedelta(days=4)
        send_at = at(friday, 13)
        rows = writer.campaign(
            SurveyKind.PULSE,
            f"Puls · {monday:%G-W%V}",
            send_at,
            6,
            f"{CAMPAIGN_PREFIX}pulse:{monday.isoformat()}",
        )
        for technician in people.technicians:
            if not technician.is_employed_on(friday):
                continue
            level = mood[technician.pk]
            if technician.leave_date and (technician.leave_date - friday).days < 90:
                level -= 0.25  # a slide before someone leaves
            respond(rows, technician, send_at, 0.85, writer.answers("pulse", rng, level, 0.08))
        monday = next_step(monday, "week")

    contacts = {}
    for contact in Contact.objects.filter(client__in=people.clients).order_by("pk"):
        contacts.setdefault(contact.client_id, []).append(contact)
    oldest = today - datetime.timedelta(days=365 * scale.contract_years + 1)
    for client in people.clients:
        quality = rng.uniform(0.45, 0.9)
        for milestone in (14, 45, 85):
            day = client.contract_start + datetime.timedelta(days=milestone)
            if day < oldest or day >= today:
                continue
            send_at = at(day, 9)
            rows = writer.campaign(
                SurveyKind.CLIENT_ONBOARDING,
                f"Onboarding · {client.name} · {milestone}",
                send_at,
                21,
                f"{CAMPAIGN_PREFIX}client-onboarding:{client.pk}:{milestone}",
                client=client,
            )
            for contact in contacts.get(client.pk, []):
                level = quality + milestone / 85 * 0.05
                respond(
                    rows,
                    contact,
                    send_at,
                    0.85,
                    writer.answers(SurveyKind.CLIENT_ONBOARDING, rng, level, 0.4),
                )

    quarter = step_start(first_day, "quarter")
    while quarter <= today:
        day = quarter + datetime.timedelta(days=14)
        if first_day <= day < today:
            send_at = at(day, 9)
            rows = writer.campaign(
                SurveyKind.IN_DEPTH,
                f"Mitarbeiterbefragung · {quarter_label(quarter)}",
                send_at,
                21,
                f"{CAMPAIGN_PREFIX}{in_depth_key(quarter)}",
            )
            for technician in people.technicians:
                if technician.is_employed_on(day):
                    level = mood[technician.pk] + 0.1
                    if technician.leave_date and (technician.leave_date - day).days < 200:
                        level -= 0.3
                    respond(
                        rows,
                        technician,
                        send_at,
                        0.88,
                        writer.answers(SurveyKind.IN_DEPTH, rng, level, 0.5),
                    )
        quarter = next_step(quarter, "quarter")
    return writer.write()


# --- The whole set ----------------------------------------------------------------------


def seed_large(scale: Scale | str = "large", *, force=False, seed=2026, stdout=None) -> dict:
    """Create the large data set of ``scale``; returns counts and timings in seconds.

    Raises LargeSeedError on a database other than PostgreSQL. Returns {"skipped": True}
    when the set is already there (unless ``force``)."""
    require_postgresql()
    scale = SCALES[scale] if isinstance(scale, str) else scale

    def say(text):
        if stdout is not None:
            stdout.write(text)

    if is_present(scale) and not force:
        say("Large data set already present (use --force to rebuild it).")
        return {"skipped": True}
    rng = random.Random(seed)
    today = timezone.localdate()
    now_local = timezone.localtime().replace(tzinfo=None)
    timings = {}
    started = time.perf_counter()
    with transaction.atomic():
        delete_large()
        mark = time.perf_counter()
        people = _seed_people(scale, rng, today)
        timings["organisation"] = time.perf_counter() - mark
        mark = time.perf_counter()
        tickets = _load_tickets(scale, people, rng, today, now_local)
        timings["tickets"] = time.perf_counter() - mark
        say(f"Large: {tickets} tickets and their rollups in {timings['tickets']:.1f} s.")
        rollup_rows = TicketDailyRollup.objects.filter(client__in=people.clients).count()
        mark = time.perf_counter()
        survey_counts = _seed_surveys(scale, people, rng, today)
        timings["surveys"] = time.perf_counter() - mark
        say(
            "Large: {campaigns} campaigns, {invitations} invitations, {responses} responses, "
            "{answers} answers".format(**survey_counts)
            + f" in {timings['surveys']:.1f} s."
        )
        mark = time.perf_counter()
        demo_assessments.seed(people.org, random.Random(seed), today, io.StringIO())
        alerts = thresholds.record_alerts(today)
        timings["assessments_alerts"] = time.perf_counter() - mark
    with connection.cursor() as cursor:
        for model in (TicketDailyRollup, SurveyDailyRollup, Client, Technician):
            cursor.execute(f"ANALYZE {_table(model)}")
    timings["total"] = time.perf_counter() - started
    say(f"Large data set ready in {timings['total']:.1f} s.")
    return {
        "skipped": False,
        "clients": len(people.clients),
        "technicians": len(people.technicians),
        "tickets": tickets,
        "rollups": rollup_rows,
        "alerts": len(alerts),
        "users": User.objects.count(),
        **{f"survey_{k}": v for k, v in survey_counts.items()},
        "seconds": {k: round(v, 2) for k, v in timings.items()},
    }
