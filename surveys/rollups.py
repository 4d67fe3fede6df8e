"""Keep the daily figures of the named surveys (``SurveyDailyRollup``) equal to what the
answers and invitations say, so pages add up days instead of reading answers.

``refresh(kinds, clients, first_day, last_day)`` recomputes the rows of those survey
kinds, clients (``None`` in ``clients``: the rows without a client, the pulse's) and local
days from the answers and invitations: one grouped query (UNION ALL), one delete, one
insert, under a lock that keeps two refreshes of the same client from both inserting. It
runs in the caller's transaction:

- ``surveys.services.save_response`` and ``withdraw_response``: the day of the response
  and the day its invitation was sent (answered now, or no longer);
- ``surveys.sending.InvitationEmail.delivered``: the day invitations were sent, counted
  up by ``add_invited`` rather than recomputed;
- the hourly task (``surveys.tasks.refresh_rollups``) for the last ``REFRESH_DAYS`` days,
  which mends what changed elsewhere (the back office, a shell);
- ``rebuild_all`` for everything (``manage.py refresh_survey_rollups``, the demo and the
  large benchmark set, and after a migrate that finds the table empty: ``ensure_built``).

Closing a campaign changes no figure here (an answer's day and an invitation's sent day
stay), so it needs no refresh. Only ``ROLLED_UP_KINDS`` are rolled up: the anonymous
surveys' answers never reach these rows, their figures come from the published quarters.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection, connections, transaction
from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncDate

from core.periods import day_start, local_day, project_zone

from .metrics import CSAT_SATISFIED_MIN, DETRACTOR_MAX, PROMOTER_MIN
from .models import (
    ROLLED_UP_KINDS,
    Answer,
    Invitation,
    InvitationStatus,
    Metric,
    Response,
    SurveyDailyRollup,
)

# The hourly refresh recomputes this many recent days (every campaign of the schedules
# closes within 21 days, so its answers fall into them).
REFRESH_DAYS = 35
# pg_advisory_xact_lock namespace of these rows ("SR"); key 0 of NAMESPACE guards a
# refresh of all clients, key (NAMESPACE + 1, client id or 0) one client.
NAMESPACE = 0x5352
BATCH_SIZE = 2000

ANSWER_FIGURES = {
    "responses": Count("response", distinct=True),
    "nps_n": Count("id", filter=Q(question__metric=Metric.NPS, value__isnull=False)),
    "nps_promoters": Count("id", filter=Q(question__metric=Metric.NPS, value__gte=PROMOTER_MIN)),
    "nps_detractors": Count("id", filter=Q(question__metric=Metric.NPS, value__lte=DETRACTOR_MAX)),
    "csat_n": Count("id", filter=Q(question__metric=Metric.CSAT, value__isnull=False)),
    "csat_satisfied": Count(
        "id", filter=Q(question__metric=Metric.CSAT, value__gte=CSAT_SATISFIED_MIN)
    ),
    "ces_sum": Sum("value", filter=Q(question__metric=Metric.CES), default=0),
    "ces_n": Count("value", filter=Q(question__metric=Metric.CES)),
    "pulse_sum": Sum("value", filter=Q(question__metric=Metric.PULSE), default=0),
    "pulse_n": Count("value", filter=Q(question__metric=Metric.PULSE)),
    "pulse_responses": Count(
        "response", distinct=True, filter=Q(question__metric=Metric.PULSE, value__isnull=False)
    ),
}
INVITATION_FIGURES = {
    "invited": Count("id"),
    "answered": Count("id", filter=Q(status=InvitationStatus.ANSWERED)),
}
FIGURES = [*INVITATION_FIGURES, *ANSWER_FIGURES]  # the column order of both sides
_ZERO = Sum(Value(0), output_field=IntegerField())
_ZEROS = dict.fromkeys(FIGURES, _ZERO)


def _of_clients(rows: QuerySet, field: str, clients: set[int | None]) -> QuerySet:
    ids = sorted(c for c in clients if c is not None)
    condition = Q(**{f"{field}__in": ids})
    if None in clients:
        condition |= Q(**{f"{field}__isnull": True})
    return rows.filter(condition)


def _within(rows: QuerySet, field: str, first_day, last_day) -> QuerySet:
    if first_day is not None:
        rows = rows.filter(**{f"{field}__gte": day_start(first_day)})
    if last_day is not None:
        rows = rows.filter(**{f"{field}__lt": day_start(last_day + datetime.timedelta(days=1))})
    return rows


def _grouped(rows: QuerySet, kind: str, client: str, moment: str, figures: dict):
    """(kind, client id, local day, *figures) of ``rows`` grouped by those three."""
    return (
        rows.annotate(
            g_kind=F(kind), g_client=F(client), g_day=TruncDate(moment, tzinfo=project_zone())
        )
        .values("g_kind", "g_client", "g_day")
        .order_by()
        .annotate(**figures)
        .values_list("g_kind", "g_client", "g_day", *figures)
    )


def _lock(clients: set[int | None] | None) -> None:
    """Serialise refreshes that could both insert the same rows (PostgreSQL; SQLite has
    one writer at a time anyway): a refresh of every client excludes all others, one of
    some clients excludes only refreshes of the same clients."""
    if connection.vendor != "postgresql":
        return
    if clients is None:
        calls, params = ["pg_advisory_xact_lock(%s::integer, 0)"], [NAMESPACE]
    else:
        keys = sorted(client or 0 for client in clients)
        calls = ["pg_advisory_xact_lock_shared(%s::integer, 0)"]
        calls += ["pg_advisory_xact_lock(%s::integer, %s::integer)"] * len(keys)
        params = [NAMESPACE]
        for key in keys:
            params += [NAMESPACE + 1, key]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(calls)}", params)


def refresh(
    kinds: Iterable[str] = ROLLED_UP_KINDS,
    clients: Iterable[int | None] | None = None,
    first_day: datetime.date | None = None,
    last_day: datetime.date | None = None,
) -> int:
    """Recompute the rows of ``kinds`` (only ``ROLLED_UP_KINDS`` count) for ``clients``
    (None: all; a None inside: the rows without a client) and the local days in
    [first_day, last_day] (None: unbounded). Returns the number of rows written."""
    kinds = sorted({str(k) for k in kinds} & {str(k) for k in ROLLED_UP_KINDS})
    if clients is not None:
        clients = set(clients)
    if not kinds or clients == set():
        return 0
    answers = Answer.objects.filter(response__survey__kind__in=kinds)
    invitations = Invitation.objects.filter(campaign__survey__kind__in=kinds, sent_at__isnull=False)
    rows = SurveyDailyRollup.objects.filter(kind__in=kinds)
    if clients is not None:
        answers = _of_clients(answers, "response__client_id", clients)
        invitations = _of_clients(invitations, "contact__client_id", clients)
        rows = _of_clients(rows, "client_id", clients)
    answers = _within(answers, "response__submitted_at", first_day, last_day)
    invitations = _within(invitations, "sent_at", first_day, last_day)
    if first_day is not None:
        rows = rows.filter(day__gte=first_day)
    if last_day is not None:
        rows = rows.filter(day__lte=last_day)
    # No savepoint inside the caller's transaction: the answer POST is a hot path.
    with transaction.atomic(savepoint=False):
        # Locked before reading: a refresh waiting here then reads what the other one's
        # transaction committed, and deletes the rows it wrote.
        _lock(clients)
        # Both sides in one query (UNION ALL): each side's rows carry zeros for the
        # other side's figures, and a day's two rows add up.
        answer_rows = _grouped(
            answers,
            "response__survey__kind",
            "response__client_id",
            "response__submitted_at",
            {**_ZEROS, **ANSWER_FIGURES, **dict.fromkeys(INVITATION_FIGURES, _ZERO)},
        )
        invitation_rows = _grouped(
            invitations,
            "campaign__survey__kind",
            "contact__client_id",
            "sent_at",
            {**_ZEROS, **INVITATION_FIGURES, **dict.fromkeys(ANSWER_FIGURES, _ZERO)},
        )
        merged: dict[tuple, list[int]] = {}
        for kind, client, day, *values in answer_rows.union(invitation_rows, all=True):
            sums = merged.setdefault((kind, client, day), [0] * len(FIGURES))
            for i, value in enumerate(values):
                sums[i] += value or 0
        rows.delete()
        SurveyDailyRollup.objects.bulk_create(
            (
                SurveyDailyRollup(
                    kind=kind, client_id=client, day=day, **dict(zip(FIGURES, sums, strict=True))
                )
                for (kind, client, day), sums in merged.items()
            ),
            batch_size=BATCH_SIZE,
        )
    return len(merged)


def rebuild_all() -> int:
    """Recompute every row from the answers and invitations."""
    return refresh()


def add_invited(kind: str, sent: dict[int | None, int], day: datetime.date) -> None:
    """``sent`` ({client id or None: how many}) more invitations of ``kind`` sent on the
    local ``day``: those rows' ``invited`` goes up by as many, the rest of them unchanged
    (a refresh would count the same). The e-mail fan-out calls this for every chunk it
    sends; a recount there read the day's answers and invitations each time."""
    if kind not in {str(k) for k in ROLLED_UP_KINDS} or not sent:
        return
    with transaction.atomic(savepoint=False):
        _lock(set(sent))  # no refresh of these clients in between
        for client, count in sorted(sent.items(), key=lambda item: item[0] or 0):
            row = SurveyDailyRollup.objects.filter(kind=kind, client_id=client, day=day)
            if not row.update(invited=F("invited") + count):
                SurveyDailyRollup.objects.create(
                    kind=kind, client_id=client, day=day, invited=count
                )


def refresh_answered(
    kind: str,
    clients: Iterable[int | None],
    moments: Iterable[datetime.datetime | None],
) -> None:
    """After an invitation's answers were saved or withdrawn: the rows of its clients
    (the response's, the contact's) over the local days of ``moments`` (when the
    response was submitted; when the invitation was sent, if its state changed)."""
    days = [local_day(moment) for moment in moments if moment is not None]
    if kind in ROLLED_UP_KINDS and days:
        refresh([kind], clients, min(days), max(days))


def ensure_built(*, using: str = "default", **kwargs) -> None:
    """post_migrate handler: build the rows once when the table is empty but answers or
    sent invitations of the rolled-up surveys exist (the upgrade that adds the table)."""
    if SurveyDailyRollup._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated to a state before the table
    if SurveyDailyRollup.objects.using(using).exists():
        return
    stored = Response.objects.using(using).filter(survey__kind__in=ROLLED_UP_KINDS).exists()
    if (
        stored
        or Invitation.objects.using(using)
        .filter(campaign__survey__kind__in=ROLLED_UP_KINDS, sent_at__isnull=False)
        .exists()
    ):
        rebuild_all()
