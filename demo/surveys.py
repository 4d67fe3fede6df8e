"""Two years of survey history for the demo organisation.

Weekly pulses for the technicians employed each week (with dips, and a slide before a
leaver goes), client onboarding surveys on days 14, 45 and 85 of each client's first 90
days, a technician onboarding survey per client, a quarterly in-depth survey with enough
respondents to show, and a few open campaigns with mixed statuses.

Idempotent: the campaigns carry the same ``auto_key`` the schedules use, and a second
run returns after one query.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.db.models import Max

from core.periods import next_step, quarter_label, step_start
from organisation.models import Contact, Technician
from surveys import rollups
from surveys.models import (
    Answer,
    Campaign,
    Invitation,
    InvitationStatus,
    Question,
    Response,
    Survey,
    SurveyKind,
)
from surveys.publication import publish_due_quarters
from surveys.services import in_depth_key

MARKER = "demo:open-client-survey"
DAYS = 730

PULSE_COMMENTS = [
    "Viele Tickets, aber gutes Team.",
    "Bereitschaft am Wochenende war hart.",
    "Neues RMM-Skript spart Zeit.",
    "Onboarding bei einem Neukunden hat alles ausgebremst.",
]
CLIENT_COMMENTS = [
    "Sehr strukturierter Start, danke!",
    "Die Inventarisierung hat länger gedauert als erwartet.",
    "Ansprechpartner waren immer erreichbar.",
    "Wir wussten anfangs nicht, wie wir Tickets aufgeben.",
    "Great onboarding, very responsive team.",
]
IMPROVE = [
    "Weniger Kontextwechsel zwischen Tools",
    "Klarere Übergabe aus dem Vertrieb",
    "Bessere Planung der Rufbereitschaft",
    "Mehr Zeit für Weiterbildung",
    "Automatisierte Asset-Erfassung",
]


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _at(day: datetime.date, hour: int, zone) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone)


def write_plan(plan, question_id, batch_size: int = 2000) -> dict[str, int]:
    """Write planned campaigns with bulk_create: ``plan`` is [(campaign, [(invitation,
    answers | None, answered at)])], ``answers`` {question: value} where
    ``question_id(survey kind, question)`` gives the question's pk. Also used by the large
    benchmark data set (bench/large.py)."""
    campaigns = Campaign.objects.bulk_create([c for c, _ in plan], batch_size=batch_size)
    invitations = []
    for campaign, (_c, rows) in zip(campaigns, plan, strict=True):
        for invitation, _answers, _when in rows:
            invitation.campaign = campaign
            invitations.append(invitation)
    Invitation.objects.bulk_create(invitations, batch_size=batch_size)
    responses, answer_sets = [], []
    for campaign, (_c, rows) in zip(campaigns, plan, strict=True):
        for invitation, answers, when in rows:
            if answers is None:
                continue
            responses.append(
                Response(
                    invitation=invitation,
                    survey_id=campaign.survey_id,
                    campaign=campaign,
                    client_id=invitation.contact.client_id if invitation.contact_id else None,
                    submitted_at=when,
                    updated_at=when,
                )
            )
            answer_sets.append((campaign.survey.kind, answers))
    Response.objects.bulk_create(responses, batch_size=batch_size)
    answers = []
    for response, (kind, values) in zip(responses, answer_sets, strict=True):
        for key, value in values.items():
            field = "text" if isinstance(value, str) else "value"
            answers.append(
                Answer(response=response, question_id=question_id(kind, key), **{field: value})
            )
    Answer.objects.bulk_create(answers, batch_size=batch_size)
    rollups.rebuild_all()  # bulk_create passes by the services that keep them
    return {
        "campaigns": len(campaigns),
        "invitations": len(invitations),
        "responses": len(responses),
        "answers": len(answers),
    }


class _Batch:
    """Collects campaigns, invitations, responses and answers, written with bulk_create."""

    def __init__(self, surveys, now: datetime.datetime):
        self.surveys, self.now = surveys, now
        self.questions = {
            kind: {q.key: q for q in Question.objects.filter(survey=survey)}
            for kind, survey in surveys.items()
        }
        self.plan = []  # (campaign, [(invitation, answers | None, submitted_at)])

    def campaign(self, kind, auto_key, send_at, about, days=21, name=None, client=None, **extra):
        """A campaign of the survey ``kind`` open ``days`` from ``send_at``, named
        "<survey title> · <about>" unless ``name`` is given; returns its plan rows."""
        closes_at = send_at + datetime.timedelta(days=days)
        status = Campaign.Status.CLOSED if closes_at <= self.now else Campaign.Status.OPEN
        campaign = Campaign(
            survey=self.surveys[kind],
            name=name or f"{self.surveys[kind].title('de')} · {about}",
            status=status,
            send_at=send_at,
            started_at=send_at,
            closes_at=closes_at,
            closed_at=closes_at if status == Campaign.Status.CLOSED else None,
            auto_key=auto_key,
            client=client,
            **extra,
        )
        entry = (campaign, [])
        self.plan.append(entry)
        return entry[1]

    def write(self):
        counts = write_plan(self.plan, lambda kind, key: self.questions[kind][key].pk)
        return counts["campaigns"], counts["invitations"], counts["responses"]


def _invitation(recipient, status, sent_at, answered_at=None, **extra):
    field = "technician" if isinstance(recipient, Technician) else "contact"
    return Invitation(
        email=recipient.email,
        language=recipient.language,
        status=status,
        sent_at=sent_at,
        answered_at=answered_at,
        attempts=1 if sent_at else 0,
        **{field: recipient},
        **extra,
    )


def plan_reply(recipient, send_at, answers, when, **extra):
    """A plan row of ``write_plan``: a sent invitation, answered at ``when`` when there
    are ``answers`` (also the large benchmark set's rows)."""
    status = InvitationStatus.ANSWERED if answers else InvitationStatus.SENT
    return (
        _invitation(recipient, status, send_at, when if answers else None, **extra),
        answers,
        when,
    )


def seed(org, rng, today: datetime.date, stdout) -> None:
    if Campaign.objects.filter(auto_key=MARKER).exists():
        stdout.write("Surveys: demo history already present.")
        return
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    now = datetime.datetime.now(tz=zone)
    surveys = {s.kind: s for s in Survey.objects.all()}
    existing = set(Campaign.objects.exclude(auto_key=None).values_list("auto_key", flat=True))
    batch = _Batch(surveys, now)
    first_day = today - datetime.timedelta(days=DAYS)
    technicians = list(org.technicians)
    mood = {t.pk: rng.uniform(3.3, 4.4) for t in technicians}

    # Weekly pulse: Friday 13:00, open for six days.
    monday = step_start(first_day, "week")
    while monday + datetime.timedelta(days=4) < today:
        friday = monday + datetime.timedelta(days=4)
        key = f"pulse:{monday.isoformat()}"
        send_at = _at(friday, 13, zone)
        if key not in existing:
            rows = batch.campaign(SurveyKind.PULSE, key, send_at, f"{monday:%G-W%V}", days=6)
            for technician in technicians:
                if not technician.is_employed_on(friday):
                    continue
                value = mood[technician.pk] + rng.gauss(0, 0.6)
                if technician.leave_date:
                    # A slide in the months before someone leaves.
                    weeks_left = (technician.leave_date - friday).days / 7
                    if weeks_left < 12:
                        value -= (12 - weeks_left) * 0.15
                if rng.random() < 0.06:
                    value -= 2  # a bad week
                recent = (today - friday).days < 21
                answered = rng.random() < (0.55 if recent else 0.87)
                if technician == technicians[2] and recent:
                    answered, value = True, 1.6  # someone to check in with now
                when = send_at + datetime.timedelta(hours=rng.randint(1, 70))
                answers = None
                if answered and when < now:
                    answers = {"week": _clamp(value, 1, 5)}
                    if rng.random() < 0.08:
                        answers["comment"] = rng.choice(PULSE_COMMENTS)
                rows.append(plan_reply(technician, send_at, answers, when))
        monday = next_step(monday, "week")

    # Client onboarding: days 14, 45 and 85 of each client's first 90 days, to the
    # organisation's contact plus two more per client (IT lead and managing director).
    for client in org.clients:
        quality = rng.uniform(-1.2, 1.0)
        contacts = list(client.contacts.all())
        domain = contacts[0].email.split("@")[1] if contacts else f"client{client.pk}.example"
        for role, name in (
            ("it-leitung", "IT-Leitung"),
            ("geschaeftsfuehrung", "Geschäftsführung"),
        ):
            contact, _ = Contact.objects.get_or_create(
                client=client,
                email=f"{role}@{domain}",
                defaults={
                    "name": f"{name} {client.name.split()[0]}",
                    "language": "de" if rng.random() < 0.8 else "en",
                },
            )
            if contact not in contacts:
                contacts.append(contact)
        for milestone in (14, 45, 85):
            day = client.contract_start + datetime.timedelta(days=milestone)
            key = f"client-onboarding:{client.pk}:{milestone}"
            if day < first_day or day >= today or key in existing or not contacts:
                continue
            send_at = _at(day, 9, zone)
            rows = batch.campaign(
                SurveyKind.CLIENT_ONBOARDING,
                key,
                send_at,
                f"{client.name} · {milestone}",
                client=client,
                reminder_after_days=4,
                max_reminders=2,
            )
            for contact in contacts:
                when = send_at + datetime.timedelta(hours=rng.randint(2, 120))
                answers = None
                if rng.random() < 0.8 and when < now:
                    lift = quality + milestone / 85 * 0.5
                    answers = {
                        "overall_satisfaction": _clamp(4 + lift + rng.gauss(0, 0.7), 1, 5),
                        "recommend": _clamp(8 + 1.5 * lift + rng.gauss(0, 1.3), 0, 10),
                        "support_effort": _clamp(5.3 + lift + rng.gauss(0, 0.9), 1, 7),
                        "contract_closing": _clamp(4 + rng.gauss(0, 0.8), 1, 5),
                        "finalising_responsiveness": _clamp(3.9 + lift + rng.gauss(0, 0.8), 1, 5),
                        "asset_discovery": _clamp(3.4 + lift + rng.gauss(0, 0.9), 1, 5),
                    }
                    if rng.random() < 0.5:
                        answers["comment"] = rng.choice(CLIENT_COMMENTS)
                rows.append(
                    plan_reply(contact, send_at, answers, when, reminders_sent=0 if answers else 2)
                )

    # Technician onboarding: day 60, to six technicians employed then.
    for client in org.clients:
        day = client.contract_start + datetime.timedelta(days=60)
        key = f"technician-onboarding:{client.pk}"
        if day < first_day or day >= today or key in existing:
            continue
        employed = [t for t in technicians if t.is_employed_on(day)]
        team = rng.sample(employed, min(6, len(employed)))
        send_at = _at(day, 10, zone)
        rows = batch.campaign(
            SurveyKind.TECHNICIAN_ONBOARDING, key, send_at, client.name, client=client
        )
        for technician in team:
            when = send_at + datetime.timedelta(hours=rng.randint(2, 96))
            answers = None
            if rng.random() < 0.9 and when < now:
                answers = {
                    "sales_handover": _clamp(rng.gauss(2.8, 1), 1, 5),
                    "onboarding_tools": _clamp(rng.gauss(3.4, 0.9), 1, 5),
                    "discovery_tools": _clamp(rng.gauss(3.1, 1), 1, 5),
                    "manual_work": _clamp(rng.gauss(2.9, 1), 1, 5),
                    "workload_peaks": _clamp(rng.gauss(2.7, 1), 1, 5),
                    "overall_onboarding": _clamp(rng.gauss(3.5, 0.8), 1, 5),
                }
                if rng.random() < 0.3:
                    answers["comment"] = rng.choice(IMPROVE)
            rows.append(plan_reply(technician, send_at, answers, when))

    # In-depth survey: day 15 of each quarter.
    quarter = step_start(first_day, "quarter")
    while quarter <= today:
        day = quarter + datetime.timedelta(days=14)
        key = in_depth_key(quarter)
        if first_day <= day < today and key not in existing:
            send_at = _at(day, 9, zone)
            rows = batch.campaign(
                SurveyKind.IN_DEPTH,
                key,
                send_at,
                quarter_label(quarter),
                reminder_after_days=5,
                max_reminders=2,
            )
            for technician in technicians:
                if not technician.is_employed_on(day):
                    continue
                when = send_at + datetime.timedelta(hours=rng.randint(2, 200))
                answers = None
                if rng.random() < 0.88 and when < now:
                    base = mood[technician.pk] * 2 - 1.0
                    if technician.leave_date and (technician.leave_date - day).days < 200:
                        base -= 2.5
                    answers = {
                        key: _clamp(base + rng.gauss(offset, 1.2), 0, 10)
                        for key, offset in (
                            ("ease_of_job", 0.4),
                            ("stress", -1.2),
                            ("workload", -0.8),
                            ("client_growth", -0.6),
                            ("on_call", -1.0),
                            ("pay_benefits", -0.3),
                            ("career", -0.5),
                            ("tools", 0.2),
                            ("management", 0.3),
                            ("job_satisfaction", 0.0),
                        )
                    }
                    if rng.random() < 0.5:
                        answers["improve_first"] = rng.choice(IMPROVE)
                rows.append(plan_reply(technician, send_at, answers, when))
        quarter = next_step(quarter, "quarter")

    # An open campaign started by hand, with every status a manager meets.
    send_at = now - datetime.timedelta(days=3)
    rows = batch.campaign(
        SurveyKind.CLIENT_ONBOARDING,
        MARKER,
        send_at,
        None,
        days=14,  # until 11 days from now
        name="Zufriedenheit der Neukunden (Demo)",
        reminder_after_days=4,
        max_reminders=2,
        created_by=org.manager,
    )
    contacts = [c for client in org.clients[-4:] for c in client.contacts.all()]
    for index, contact in enumerate(contacts):
        if index == 0:
            rows.append(
                (
                    _invitation(
                        contact,
                        InvitationStatus.FAILED,
                        None,
                        failure_reason="SMTPRecipientsRefused: 550 mailbox unavailable",
                    ),
                    None,
                    now,
                )
            )
        elif index == 1:
            when = send_at + datetime.timedelta(hours=5)
            answers = {
                "overall_satisfaction": 5,
                "recommend": 9,
                "support_effort": 6,
                "contract_closing": 4,
                "finalising_responsiveness": 5,
                "asset_discovery": 4,
                "comment": "Alles bestens bisher.",
            }
            rows.append(plan_reply(contact, send_at, answers, when))
        else:
            rows.append(plan_reply(contact, send_at, None, now))

    campaigns, invitations, responses = batch.write()
    # The anonymous surveys show only published quarters; decide the past ones as the
    # schedules would.
    decided = publish_due_quarters(now)
    latest = Campaign.objects.aggregate(latest=Max("send_at"))["latest"]
    stdout.write(
        f"Surveys: {campaigns} campaigns, {invitations} invitations, {responses} responses "
        f"(latest {latest:%Y-%m-%d}); quarters of anonymous surveys: {decided}."
    )
