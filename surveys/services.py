"""Campaigns: create them with their invitations, start, close, and store answers.

Every function here is free of requests so tests and tasks call them directly.
"""

from __future__ import annotations

import datetime
import functools
import logging
import uuid
from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from core import delivery
from core.periods import quarter_label, quarter_number, step_start
from core.raw_rows import Columns, column, table
from organisation.consent import withheld_reasons
from organisation.models import Client, Contact, Technician

from . import rollups
from .answers import answers_saved
from .models import (
    Answer,
    Campaign,
    Invitation,
    InvitationStatus,
    Question,
    Reminder,
    Response,
    Survey,
    SurveyKind,
    SurveySettings,
)
from .sending import REMINDERS, invitation_kind

logger = logging.getLogger("surveys.campaigns")


class CampaignClosed(Exception):
    """The campaign no longer takes answers."""


def create_campaign(
    *,
    survey: Survey,
    name: str,
    recipients: Iterable[Contact | Technician],
    closes_at: datetime.datetime,
    send_at: datetime.datetime | None = None,
    reminder_after_days: int | None = None,
    max_reminders: int = 2,
    created_by=None,
    client: Client | None = None,
    auto_key: str | None = None,
) -> Campaign:
    """Store the campaign with its invitations (``store_campaign``). Recipients must match
    the survey's audience (contacts for the client survey, technicians otherwise)."""
    recipients = list(recipients)
    expected = Contact if survey.for_clients else Technician
    if any(not isinstance(r, expected) for r in recipients):
        raise ValueError(f"{survey.kind} goes to {expected.__name__} rows only")
    campaign = Campaign(
        survey=survey,
        name=name,
        send_at=send_at or timezone.now(),
        closes_at=closes_at,
        reminder_after_days=reminder_after_days,
        max_reminders=min(max_reminders, 2),
        created_by=created_by,
        client=client,
        auto_key=auto_key,
    )
    store_campaign(campaign, recipients)
    return campaign


def store_campaign(campaign: Campaign, recipients: Iterable[Contact | Technician]) -> None:
    """Save a new campaign, open if it starts now (its sending queued after commit) or
    else scheduled, with one queued invitation per recipient."""
    now = timezone.now()
    starts_now = campaign.send_at <= now
    campaign.status = Campaign.Status.OPEN if starts_now else Campaign.Status.SCHEDULED
    campaign.started_at = now if starts_now else None
    with transaction.atomic():
        campaign.save()
        invitations = add_invitations(campaign, recipients)
        if starts_now:
            delivery.queue(invitation_kind(campaign.survey.kind), campaign.pk)
    logger.info(
        "survey.campaign_created campaign=%s survey=%s invitations=%s starts_now=%s",
        campaign.pk,
        campaign.survey.kind,
        len(invitations),
        starts_now,
    )


def add_invitations(campaign: Campaign, recipients: Iterable[Contact | Technician]) -> list:
    """One queued invitation per recipient (duplicates and existing ones skipped). A
    contact who may not receive client e-mail (organisation.consent) gets one too, but
    "not sent" with the reason, so the campaign page says why nobody wrote to them."""
    field = "contact" if campaign.survey.for_clients else "technician"
    seen = set(campaign.invitations.values_list(f"{field}_id", flat=True) if campaign.pk else [])
    recipients = list(recipients)
    withheld = withheld_reasons(recipients) if campaign.survey.for_clients else {}
    invitations = []
    for recipient in recipients:
        if recipient.pk in seen:
            continue
        seen.add(recipient.pk)
        reason = withheld.get(recipient.pk, "")
        invitations.append(
            Invitation(
                campaign=campaign,
                email=recipient.email,
                language=recipient.language or "de",
                status=InvitationStatus.WITHHELD if reason else InvitationStatus.QUEUED,
                failure_reason=reason,
                **{field: recipient},
            )
        )
    return Invitation.objects.bulk_create(invitations)


def in_depth_key(day: datetime.date) -> str:
    """The schedules' key of the in-depth campaign of ``day``'s quarter, "in-depth:2026-Q4":
    stored on the campaign so that each quarter gets one, so its format never changes."""
    return f"in-depth:{day.year}-Q{quarter_number(day)}"


def create_auto_campaign(auto_key: str, **kwargs) -> Campaign | None:
    """Like create_campaign, but at most once per ``auto_key``; None if it exists."""
    if Campaign.objects.filter(auto_key=auto_key).exists():
        return None
    try:
        with transaction.atomic():
            return create_campaign(auto_key=auto_key, **kwargs)
    except IntegrityError:
        # Another dispatcher created it at the same moment.
        return None


def start_due_campaigns(now: datetime.datetime | None = None) -> list[int]:
    """Open scheduled campaigns whose time has come; returns their ids."""
    now = now or timezone.now()
    started = []
    for campaign_id, kind in Campaign.objects.filter(
        status=Campaign.Status.SCHEDULED, send_at__lte=now
    ).values_list("pk", "survey__kind"):
        # Conditional update: two dispatchers never both start (and queue) one campaign.
        if Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SCHEDULED).update(
            status=Campaign.Status.OPEN, started_at=now
        ):
            delivery.queue(invitation_kind(kind), campaign_id)
            started.append(campaign_id)
    return started


def close_due_campaigns(now: datetime.datetime | None = None) -> int:
    """Close open campaigns past their closing date; returns how many."""
    now = now or timezone.now()
    return Campaign.objects.filter(status=Campaign.Status.OPEN, closes_at__lte=now).update(
        status=Campaign.Status.CLOSED, closed_at=now
    )


def close_campaign(campaign: Campaign, now: datetime.datetime | None = None) -> None:
    now = now or timezone.now()
    Campaign.objects.filter(pk=campaign.pk).exclude(status=Campaign.Status.CLOSED).update(
        status=Campaign.Status.CLOSED, closed_at=now, closes_at=min(campaign.closes_at, now)
    )


def requeue_failed(campaign: Campaign) -> int:
    """Put the failed invitations and reminders of an open campaign back in the queue (a
    manager's "send again"); returns how many."""
    if campaign.status != Campaign.Status.OPEN:
        return 0
    kinds = (invitation_kind(campaign.survey.kind), REMINDERS)
    return sum(delivery.requeue_failed(kind, campaign.pk) for kind in kinds)


# {survey id: (its questions_revision, its active questions)}: in this process, read
# once per revision. The answer path reads them on every POST otherwise.
_QUESTIONS: dict[int, tuple[uuid.UUID, list[Question]]] = {}


def questions_of(survey: Survey) -> list[Question]:
    """The survey's active questions in order, from this process's cache while the
    survey's ``questions_revision`` (as loaded with ``survey``) is the one cached. The
    questions are shared: read them, never change them."""
    cached = _QUESTIONS.get(survey.pk)
    if cached is not None and cached[0] == survey.questions_revision:
        return list(cached[1])
    questions = list(survey.questions.active().order_by("position", "id"))
    _QUESTIONS[survey.pk] = (survey.questions_revision, questions)
    return list(questions)


def save_response(
    invitation: Invitation,
    values: dict[str, int | str | None],
    questions: list[Question] | None = None,
) -> Response:
    """Store or change the answers of one invitation: {question key: value or text}.

    ``questions`` are the survey's active questions when the caller has them already (the
    answer page loaded them to validate the form); otherwise they are read here.

    Safe against a double submit: the invitation row is locked and the response is unique
    per invitation, so two identical POSTs leave one response. Raises CampaignClosed after
    the closing date.

    Lean on purpose (it is the hot path of a survey wave): one locking read of the
    invitation with its campaign's state and its response id (``_locked_state``), one
    upsert of the response, one upsert of all answers, the invitation's status only on
    the first answer, and the answer's own figures added to its day's row
    (``surveys.rollups.answer_changes``; a change of a named survey's answers reads the
    earlier ones first). A first answer on PostgreSQL, with the invitation as the token
    lookup loads it, is one statement: it locks the invitation, checks that what was
    loaded still holds (``_state_guard``) and writes all four (``_write_first_answer``);
    if it no longer holds nothing is written and the locking read follows.
    """
    now = timezone.now()
    if questions is None:
        questions = questions_of(invitation.campaign.survey)
    campaign = invitation.campaign
    with transaction.atomic():
        stored = None
        predicted = _predicted_state(invitation)
        if predicted is not None:
            stored = _store(invitation, values, questions, predicted, now, guarded=True)
        if stored is None:
            state = _locked_state(invitation.pk)
            stored = _store(invitation, values, questions, state, now, guarded=False)
        response, created, changes = stored
        answers_saved.send(
            sender=Invitation,
            invitation_id=invitation.pk,
            survey_kind=campaign.survey.kind,
            values=values,
        )
        # Last: the day's row stays locked from here to the commit.
        rollups.add(changes)
    logger.info(
        "survey.answered campaign=%s invitation=%s changed=%s",
        campaign.pk,
        invitation.pk,
        not created,
    )
    return response


def _store(invitation: Invitation, values, questions, state: dict, now, guarded: bool):
    """Write the answers given the invitation's ``state`` ({_STATE key: value}); returns
    (response, whether it is new, the figures' changes still to add). ``guarded``: the
    state is predicted (``_predicted_state``): a first answer on PostgreSQL is written in
    one statement that locks the invitation and writes only if the state still holds;
    None if it did not (or a single statement cannot write it): nothing was written."""
    campaign = invitation.campaign
    fresh = Campaign(
        status=state["campaign__status"],
        closes_at=state["campaign__closes_at"],
        publication_id=state["campaign__publication_id"],
    )
    if not fresh.is_open_for_answers(now):
        if guarded:
            return None  # the locked read says for sure
        raise CampaignClosed
    created = state["response__id"] is None
    kind = state["campaign__survey__kind"]
    rolled_up = rollups.rolled_up(kind)
    # A named survey's answers changed: the earlier ones, to take their figures off.
    before = _metrics_of(state["response__id"]) if rolled_up and not created else {}
    response = Response(
        invitation_id=invitation.pk,
        survey_id=campaign.survey_id,
        campaign_id=campaign.pk,
        client_id=state["contact__client_id"] or state["campaign__client_id"],
        submitted_at=now,
        updated_at=now,
    )
    keep, drop = [], []  # (question, value, text) to store; question ids to clear
    for question in questions:
        value = values.get(question.key)
        if value is None or value == "":
            drop.append(question.pk)
        elif question.is_scale:
            keep.append((question, int(value), ""))
        else:
            keep.append((question, None, str(value)))
    answered_at = None
    if state["status"] != InvitationStatus.ANSWERED or state["answered_at"] is None:
        answered_at = state["answered_at"] or now
    changes = {}
    if rolled_up:
        after = {key: known for key, known in before.items() if key not in drop}
        after.update((question.pk, (question.metric, value)) for question, value, _ in keep)
        changes = rollups.answer_changes(
            kind,
            client=response.client_id if created else state["response__client_id"],
            submitted_at=now if created else state["response__submitted_at"],
            before=before.values(),
            after=after.values(),
            invited_client=state["contact__client_id"],
            sent_at=state["sent_at"],
            answered=int(state["status"] != InvitationStatus.ANSWERED),
        )
    guard = _state_guard(invitation.pk, state) if guarded else None
    figures = rollups.one_statement(changes, guard and "state")
    if created and connection.vendor == "postgresql" and (figures or not changes):
        # The hot path of a survey wave: all of it in one round trip.
        response.pk = _write_first_answer(response, keep, answered_at, figures, guard)
        if response.pk is None:
            return None
        changes = {}
    elif guarded:
        return None
    else:
        _write_answers(response, keep, drop, created, answered_at)
    return response, created, changes


def _write_answers(response: Response, keep: list, drop: list[int], created, answered_at):
    """Store the response, its answers and the invitation's state, one statement each."""
    # INSERT ... ON CONFLICT (invitation) DO UPDATE SET updated_at: a response stored by
    # anything else in the meantime is updated, not duplicated.
    Response.objects.bulk_create(
        [response],
        update_conflicts=True,
        unique_fields=["invitation"],
        update_fields=["updated_at"],
    )
    if keep:
        Answer.objects.bulk_create(
            [Answer(response=response, question=q, value=v, text=t) for q, v, t in keep],
            update_conflicts=True,
            unique_fields=["response", "question"],
            update_fields=["value", "text"],
        )
    if drop and not created:
        # A cleared optional answer is removed, not kept from the earlier submit.
        Answer.objects.filter(response=response, question_id__in=drop).delete()
    if answered_at is not None:
        Invitation.objects.filter(pk=response.invitation_id).update(
            status=InvitationStatus.ANSWERED, answered_at=answered_at
        )


def _write_first_answer(
    response: Response, keep: list, answered_at, figures, guard: tuple[str, list] | None = None
) -> int | None:
    """PostgreSQL: what ``_write_answers`` writes for a first answer, and the ``figures``
    statement (surveys.rollups.one_statement) if any, as one statement of data-modifying
    WITH queries; returns the response's id. Each round trip is a wait on a busy server.
    ``guard`` (``_state_guard``): the query ``state`` that locks the invitation; nothing
    is written, and None returned, if it has no row."""

    def array(model, name) -> str:
        return f"%s::{model._meta.get_field(name).db_type(connection)}[]"

    fields = ["invitation", "survey", "campaign", "client", "submitted_at", "updated_at"]
    invitation, updated = column(Response, "invitation"), column(Response, "updated_at")
    sql, params = ["WITH "], []
    source = f"VALUES ({', '.join(['%s'] * 6)})"
    if guard is not None:
        sql.append(f"state AS ({guard[0]}), ")
        params += guard[1]
        source = f"SELECT {', '.join(['%s'] * 6)} FROM state"  # noqa: S608 - placeholders
    sql.append(
        f"new_response AS (INSERT INTO {table(Response)} "  # noqa: S608 - names only
        f"({', '.join(column(Response, f) for f in fields)}) {source} "
        f"ON CONFLICT ({invitation}) DO UPDATE SET {updated} = EXCLUDED.{updated} "
        f"RETURNING {column(Response, 'id')} AS id)",
    )
    params += [getattr(response, Response._meta.get_field(f).attname) for f in fields]
    answer = {name: column(Answer, name) for name in ("response", "question", "value", "text")}
    sql.append(
        f", answers AS (INSERT INTO {table(Answer)} ({', '.join(answer.values())}) "  # noqa: S608 - names only
        f"SELECT new_response.id, a.question, a.value, a.text FROM new_response, "
        f"unnest({array(Answer, 'question')}, {array(Answer, 'value')}, "
        f"{array(Answer, 'text')}) AS a(question, value, text) "
        f"ON CONFLICT ({answer['response']}, {answer['question']}) DO UPDATE SET "
        f"{answer['value']} = EXCLUDED.{answer['value']}, "
        f"{answer['text']} = EXCLUDED.{answer['text']})"
    )
    params += [[q.pk for q, _, _ in keep], [v for _, v, _ in keep], [t for _, _, t in keep]]
    if answered_at is not None:
        sql.append(
            f", answered AS (UPDATE {table(Invitation)} SET {column(Invitation, 'status')} = "  # noqa: S608 - names only
            f"%s, {column(Invitation, 'answered_at')} = %s "
            f"WHERE {column(Invitation, 'id')} = %s"
            f"{' AND EXISTS (SELECT 1 FROM state)' if guard is not None else ''})"
        )
        params += [InvitationStatus.ANSWERED.value, answered_at, response.invitation_id]
    if figures is not None:
        sql.append(f", figures AS ({figures[0]})")
        params += figures[1]
    sql.append(" SELECT id FROM new_response")
    with connection.cursor() as cursor:
        cursor.execute("".join(sql), params)
        row = cursor.fetchone()
    return None if row is None else row[0]


# The answer's state read under the invitation's lock: {key: (table alias, model, field)}.
_STATE = {
    "status": ("i", Invitation, "status"),
    "answered_at": ("i", Invitation, "answered_at"),
    "sent_at": ("i", Invitation, "sent_at"),
    "contact__client_id": ("ct", Contact, "client"),
    "campaign__status": ("c", Campaign, "status"),
    "campaign__closes_at": ("c", Campaign, "closes_at"),
    "campaign__client_id": ("c", Campaign, "client"),
    "campaign__publication_id": ("c", Campaign, "publication"),
    "campaign__survey__kind": ("s", Survey, "kind"),
    "response__id": ("r", Response, "id"),
    "response__client_id": ("r", Response, "client"),
    "response__submitted_at": ("r", Response, "submitted_at"),
}


@functools.cache
def _state_query() -> tuple[str, str, Columns]:
    """(FROM clause, lock clause, columns) of the state under the invitation's lock."""
    columns = Columns(
        [(alias, model._meta.get_field(name)) for alias, model, name in _STATE.values()]
    )
    joins = (
        f"FROM {table(Invitation)} i "
        f"JOIN {table(Campaign)} c ON c.{column(Campaign, 'id')} = "
        f"i.{column(Invitation, 'campaign')} "
        f"JOIN {table(Survey)} s ON s.{column(Survey, 'id')} = c.{column(Campaign, 'survey')} "
        f"LEFT JOIN {table(Contact)} ct ON ct.{column(Contact, 'id')} = "
        f"i.{column(Invitation, 'contact')} "
        f"LEFT JOIN {table(Response)} r ON r.{column(Response, 'invitation')} = "
        f"i.{column(Invitation, 'id')} "
        f"WHERE i.{column(Invitation, 'id')} = %s"
    )
    # Lock only the invitation row (PostgreSQL refuses FOR UPDATE on the nullable side of
    # an outer join). SQLite has no row locks: its writer lock serialises the answers.
    lock = " FOR UPDATE OF i" if connection.features.has_select_for_update_of else ""
    return joins, lock, columns


def _predicted_state(invitation: Invitation) -> dict | None:
    """The state (as ``_locked_state`` reads it) that a first answer expects from the
    invitation as the token lookup loaded it (surveys.tokens loads the contact's client
    with it), on PostgreSQL; None where it cannot say. ``_state_guard`` checks it."""
    contact_known = invitation.contact_id is None or Invitation.contact.is_cached(invitation)
    if connection.vendor != "postgresql" or not contact_known:
        return None
    if invitation.status == InvitationStatus.ANSWERED:
        return None  # a change reads the earlier answers under the lock
    campaign = invitation.campaign
    return {
        "status": invitation.status,
        "answered_at": invitation.answered_at,
        "sent_at": invitation.sent_at,
        "contact__client_id": invitation.contact.client_id if invitation.contact_id else None,
        "campaign__status": campaign.status,
        "campaign__closes_at": campaign.closes_at,
        "campaign__client_id": campaign.client_id,
        "campaign__publication_id": campaign.publication_id,
        "campaign__survey__kind": campaign.survey.kind,
        "response__id": None,
        "response__client_id": None,
        "response__submitted_at": None,
    }


def _state_guard(invitation_id: int, state: dict) -> tuple[str, list]:
    """(SQL, parameters) of a query that locks the invitation's row and returns its id
    only if every value of ``state`` still holds; checked after the lock is granted, so a
    concurrent first answer (it sets the status) makes it return nothing."""
    joins, lock, columns = _state_query()
    holds = " AND ".join(
        f"{alias}.{quote} IS NOT DISTINCT FROM %s"
        for alias, quote in (
            (alias, connection.ops.quote_name(field.column)) for alias, field in columns.fields
        )
    )
    sql = f"SELECT i.{column(Invitation, 'id')} AS id {joins} AND {holds}{lock}"  # noqa: S608
    return sql, [invitation_id, *(state[key] for key in _STATE)]


def _locked_state(invitation_id: int) -> dict:
    """The invitation's state, its campaign's state and its response's, read fresh with
    the invitation's row locked (so a campaign closed a moment ago takes no more answers),
    as {_STATE key: value}. Hand-written: the ORM took longer to build this statement than
    the database to run it (core.raw_rows)."""
    joins, lock, columns = _state_query()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns.sql} {joins}{lock}", [invitation_id])  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        raise Invitation.DoesNotExist
    return dict(zip(_STATE, columns.convert(row), strict=True))


def _metrics_of(response_id: int) -> dict[int, tuple[str, int | None]]:
    """{question id: (its metric, the value or None)} of a response's stored answers."""
    answers = Answer.objects.filter(response_id=response_id)
    return {
        q: (metric, value)
        for q, metric, value in answers.values_list("question_id", "question__metric", "value")
    }


def withdraw_response(invitation: Invitation) -> None:
    """Remove an invitation's answers as if never given (a one click that turned out to be
    a mail scanner's, surveys.one_click): the invitation is "sent" again."""
    with transaction.atomic():
        state = _locked_state(invitation.pk)
        kind = state["campaign__survey__kind"]
        rolled_up = rollups.rolled_up(kind)
        stored = rolled_up and state["response__id"] is not None
        before = _metrics_of(state["response__id"]) if stored else {}
        Response.objects.filter(invitation=invitation).delete()
        Invitation.objects.filter(pk=invitation.pk).update(
            status=InvitationStatus.SENT, answered_at=None
        )
        if rolled_up:
            rollups.answers_changed(
                kind,
                client=state["response__client_id"],
                submitted_at=state["response__submitted_at"],
                before=before.values(),
                invited_client=state["contact__client_id"],
                sent_at=state["sent_at"],
                answered=-int(state["status"] == InvitationStatus.ANSWERED),
            )


def current_values(invitation: Invitation) -> dict[str, int | str]:
    """The stored answers as {question key: value or text}; empty if none."""
    values = {}
    for answer in Answer.objects.filter(response__invitation=invitation).select_related("question"):
        values[answer.question.key] = answer.value if answer.question.is_scale else answer.text
    return values


# --- Schedules ---------------------------------------------------------------------------


def _technicians_for_client(client: Client, day: datetime.date):
    return Technician.objects.employed_on(day).filter(user__in=client.responsible_staff.all())


def _onboarding_due(config: SurveySettings, client: Client, today: datetime.date):
    """(survey kind, auto key, end of the name, recipients) of each onboarding campaign
    the schedules call for in the client's onboarding on ``today``."""
    day = client.onboarding_day(today)
    # The latest milestone reached in the last week; a client entered late gets today's
    # milestone, not a burst of all the missed ones.
    due = [d for d in config.onboarding_days() if d <= day < d + 7]
    # A client who objected to surveys gets no campaign at all (its contacts none either).
    if config.client_onboarding_enabled and due and not client.surveys_opted_out:
        yield (
            SurveyKind.CLIENT_ONBOARDING,
            f"client-onboarding:{client.pk}:{due[-1]}",
            f" · {due[-1]}",
            client.contacts.filter(is_active=True),
        )
    milestone = config.technician_onboarding_day
    if config.technician_onboarding_enabled and milestone <= day < milestone + 7:
        yield (
            SurveyKind.TECHNICIAN_ONBOARDING,
            f"technician-onboarding:{client.pk}",
            "",
            _technicians_for_client(client, today),
        )


def dispatch_schedules(now: datetime.datetime | None = None) -> dict[str, int]:
    """Create the campaigns the schedules call for at ``now``; each at most once.

    Returns counts per schedule for the log line.
    """
    now = now or timezone.now()
    config = SurveySettings.load()
    counts = {"pulse": 0, "client_onboarding": 0, "technician_onboarding": 0, "in_depth": 0}
    surveys = {s.kind: s for s in Survey.objects.all()}
    local_now = now.astimezone(config.zone())
    today = local_now.date()

    if config.pulse_enabled and SurveyKind.PULSE in surveys:
        week_start = step_start(today, "week")
        slot = datetime.datetime.combine(
            week_start + datetime.timedelta(days=config.pulse_weekday),
            config.pulse_time,
            tzinfo=config.zone(),
        )
        if slot <= local_now:
            created = create_auto_campaign(
                f"pulse:{week_start.isoformat()}",
                survey=surveys[SurveyKind.PULSE],
                name=f"{surveys[SurveyKind.PULSE].title()} · {week_start:%G-W%V}",
                recipients=Technician.objects.employed_on(today).exclude(email=""),
                closes_at=slot + datetime.timedelta(days=config.pulse_open_days),
            )
            counts["pulse"] += bool(created)

    # The other schedules' campaigns stay open for open_days, with the configured reminders.
    follow_up = {
        "closes_at": now + datetime.timedelta(days=config.open_days),
        "reminder_after_days": config.reminder_after_days if config.max_reminders else None,
        "max_reminders": config.max_reminders,
    }

    for client in Client.objects.active().in_onboarding(on=today):
        for kind, key, suffix, recipients in _onboarding_due(config, client, today):
            if kind in surveys and recipients.exists():
                counts[kind] += bool(
                    create_auto_campaign(
                        key,
                        survey=surveys[kind],
                        name=f"{surveys[kind].title()} · {client.name}{suffix}",
                        recipients=recipients,
                        client=client,
                        **follow_up,
                    )
                )

    if config.in_depth_quarterly and SurveyKind.IN_DEPTH in surveys:
        first_day = step_start(today, "quarter")
        if today >= first_day + datetime.timedelta(days=config.in_depth_day_of_quarter - 1):
            survey = surveys[SurveyKind.IN_DEPTH]
            counts["in_depth"] += bool(
                create_auto_campaign(
                    in_depth_key(today),
                    survey=survey,
                    name=f"{survey.title()} · {quarter_label(today)}",
                    recipients=Technician.objects.employed_on(today).exclude(email=""),
                    **follow_up,
                )
            )
    return counts


def queue_due_reminders(now: datetime.datetime | None = None) -> list[int]:
    """Store the reminders that are due (one row per invitation and number, so running
    twice stores nothing twice) and queue their sending; returns the campaigns' ids."""
    now = now or timezone.now()
    due = []
    for campaign in Campaign.objects.open().filter(
        reminder_after_days__isnull=False, max_reminders__gt=0, closes_at__gt=now
    ):
        candidates = reminder_candidates(campaign, now).exclude(
            Exists(
                Reminder.objects.filter(
                    invitation=OuterRef("pk"), number=OuterRef("reminders_sent") + 1
                )
            )
        )
        reminders = [
            Reminder(
                campaign=campaign,
                invitation=invitation,
                number=invitation.reminders_sent + 1,
                email=invitation.email,
            )
            for invitation in candidates
        ]
        if reminders:
            Reminder.objects.bulk_create(reminders, ignore_conflicts=True)
            delivery.queue(REMINDERS, campaign.pk)
            due.append(campaign.pk)
    return due


def reminder_candidates(campaign: Campaign, now: datetime.datetime | None = None):
    """Invitations sent but not answered whose last e-mail is older than the reminder
    interval, with reminders left."""
    now = now or timezone.now()
    if not campaign.reminder_after_days or not campaign.max_reminders:
        return Invitation.objects.none()
    cutoff = now - datetime.timedelta(days=campaign.reminder_after_days)
    return Invitation.objects.filter(
        campaign=campaign,
        status=InvitationStatus.SENT,
        reminders_sent__lt=min(campaign.max_reminders, 2),
    ).filter(
        Q(last_reminder_at__isnull=True, sent_at__lte=cutoff) | Q(last_reminder_at__lte=cutoff)
    )
