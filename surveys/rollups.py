"""Keep the daily figures of the named surveys (``SurveyDailyRollup``) equal to what the
answers and invitations say, so pages add up days instead of reading answers.

Two ways, both in the caller's transaction:

- ``add`` counts a change into the rows it touches, one ``INSERT … ON CONFLICT DO
  UPDATE`` with increments (one row per survey, client and day: the unique constraints
  on the model): ``surveys.services.save_response`` and ``withdraw_response`` through
  ``answer_changes`` (the response's own figures on the day of its first submit, the
  invitation's ``answered`` on its sent day; a first answer on PostgreSQL writes the
  statement of ``one_statement`` together with the response), and
  ``surveys.sending.InvitationEmail.delivered`` through ``add_invited``. Nothing is
  read again: a day's row costs the same with ten answers as with ten thousand.
- ``refresh(kinds, clients, first_day, last_day)`` recomputes the rows of those survey
  kinds, clients (``None`` in ``clients``: the rows without a client, the pulse's) and
  local days from the answers and invitations: one grouped query (UNION ALL), one delete,
  one insert. The hourly task (``surveys.tasks.refresh_rollups``) runs it for the last
  ``REFRESH_DAYS`` days and so mends what changed elsewhere (the back office, a shell);
  ``rebuild_all`` for everything (``manage.py refresh_survey_rollups``, the demo and the
  large benchmark set, the back office's deletions, and after a migrate that finds the
  table empty: ``ensure_built``).

A refresh locks the table against writers (``SHARE ROW EXCLUSIVE`` on PostgreSQL; SQLite
has one writer at a time anyway) before it reads: an increment made meanwhile would be
deleted with the rows it recomputes, or collide with the rows it inserts. An increment
takes no lock of its own beyond its rows': one that waits for a refresh adds to the
rows the refresh wrote, which did not count it (its transaction had not committed).

Closing a campaign changes no figure here (an answer's day and an invitation's sent day
stay). Only ``ROLLED_UP_KINDS`` are rolled up: the anonymous surveys' answers never reach
these rows, their figures come from the published quarters.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Iterable
from functools import partial, reduce

from django.db import connection, connections, transaction
from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Greatest, TruncDate

from core.periods import day_start, local_day, project_zone
from core.raw_rows import column, table

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


def _lock() -> None:
    """Keep every writer of these rows out until the caller's transaction ends
    (PostgreSQL; SQLite has one writer at a time anyway). Readers go on; a writer that
    already wrote is waited for, so what it wrote is read."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table(SurveyDailyRollup)} IN SHARE ROW EXCLUSIVE MODE")


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
    with transaction.atomic(savepoint=False):  # the lock lasts until the caller commits
        # Locked before reading: a refresh or an increment waited for here has committed,
        # so the reads below count what it counted, and the delete removes its rows.
        _lock()
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


Key = tuple[str, int | None, datetime.date]  # (survey kind, client id or None, local day)


def rolled_up(kind: str) -> bool:
    """Whether the survey ``kind`` has daily figures (never an anonymous one)."""
    return kind in ROLLED_UP_KINDS


def answer_figures(answers: Iterable[tuple[str, int | None]]) -> dict[str, int]:
    """The figures one response adds to its day's row, from its answers as (question
    metric, value or None): the same counts and sums as ``ANSWER_FIGURES``."""
    figures = dict.fromkeys(ANSWER_FIGURES, 0)
    for metric, value in answers:
        figures["responses"] = 1
        if value is None:
            continue
        if metric == Metric.NPS:
            figures["nps_n"] += 1
            figures["nps_promoters"] += value >= PROMOTER_MIN
            figures["nps_detractors"] += value <= DETRACTOR_MAX
        elif metric == Metric.CSAT:
            figures["csat_n"] += 1
            figures["csat_satisfied"] += value >= CSAT_SATISFIED_MIN
        elif metric == Metric.CES:
            figures["ces_sum"] += value
            figures["ces_n"] += 1
        elif metric == Metric.PULSE:
            figures["pulse_sum"] += value
            figures["pulse_n"] += 1
            figures["pulse_responses"] = 1
    return figures


def _sort_key(key: Key):
    kind, client, day = key
    return kind, client is not None, client or 0, day


def add(changes: dict[Key, dict[str, int]]) -> None:
    """Add ``changes`` ({(kind, client id or None, local day): {figure: difference}}) to
    those rows; only ``ROLLED_UP_KINDS`` count. Rows that only grow take one ``INSERT …
    ON CONFLICT DO UPDATE`` with increments (a missing row is created); a row that loses
    something takes an ``UPDATE`` (never below 0, should the row have been short: the
    hourly refresh mends it) and goes when it counts nothing any more. Rows are written
    in one order (kind, client, day), so two answers never wait for each other's rows."""
    growing, shrinking = _classified(changes)
    if not growing and not shrinking:
        return
    with transaction.atomic(savepoint=False):
        for rows in (
            {key: f for key, f in growing.items() if key[1] is None},
            {key: f for key, f in growing.items() if key[1] is not None},
        ):
            if rows:
                with connection.cursor() as cursor:
                    cursor.execute(*upsert_statement(rows))
        emptied = []
        for (kind, client, day), figures in shrinking.items():
            row = Q(kind=kind, client_id=client, day=day)
            SurveyDailyRollup.objects.filter(row).update(
                **{name: Greatest(F(name) + n, 0) for name, n in figures.items()}
            )
            # Only a row that lost a response or an invitation can count nothing now.
            if figures.get("responses", 0) < 0 or figures.get("invited", 0) < 0:
                emptied.append(row)
        if emptied:
            SurveyDailyRollup.objects.filter(
                reduce(operator.or_, emptied), **dict.fromkeys(FIGURES, 0)
            ).delete()


def _classified(changes: dict[Key, dict[str, int]]) -> tuple[dict, dict]:
    """(rows that only grow, rows that lose something) of ``changes``, in the one order,
    without the kinds that are not rolled up and without zeros."""
    growing, shrinking = {}, {}
    for key in sorted(changes, key=_sort_key):
        figures = {name: n for name, n in changes[key].items() if n}
        if rolled_up(key[0]) and figures:
            target = shrinking if min(figures.values()) < 0 else growing
            target[key] = figures
    return growing, shrinking


def one_statement(
    changes: dict[Key, dict[str, int]], guard: str | None = None
) -> tuple[str, list] | None:
    """(SQL, parameters) of the one upsert that adds ``changes``, when they only grow
    rows that all have a client or all have none (a first answer's); else None (use
    ``add``). For a caller that writes it together with other rows in one statement;
    ``guard``: see ``upsert_statement``."""
    growing, shrinking = _classified(changes)
    if shrinking or not growing or len({key[1] is None for key in growing}) > 1:
        return None
    return upsert_statement(growing, guard)


def upsert_statement(rows: dict[Key, dict[str, int]], guard: str | None = None) -> tuple[str, list]:
    """(SQL, parameters) of one INSERT … ON CONFLICT DO UPDATE SET figure = figure +
    the row's, for rows that all have a client or all have none (each kind has its own
    partial index). ``guard`` (PostgreSQL): the name of a WITH query of the same
    statement; the rows are added only if it has a row."""
    name = partial(column, SurveyDailyRollup)
    rollup = table(SurveyDailyRollup)
    kind, client, day = name("kind"), name("client"), name("day")
    columns = ", ".join([kind, client, day, *map(name, FIGURES)])
    changed = sorted({figure for row in rows.values() for figure in row}, key=FIGURES.index)
    one = f"({', '.join(['%s'] * (3 + len(FIGURES)))})"
    if guard is not None:
        # Typed: the values are selected, not inserted directly, so nothing infers them.
        fields = [SurveyDailyRollup._meta.get_field(n) for n in ("kind", "client", "day", *FIGURES)]
        one = f"({', '.join(f'CAST(%s AS {f.db_type(connection)})' for f in fields)})"
    params = []
    for (row_kind, client_id, row_day), figures in rows.items():
        params += [row_kind, client_id, connection.ops.adapt_datefield_value(row_day)]
        params += [figures.get(figure, 0) for figure in FIGURES]
    if next(iter(rows))[1] is None:
        target = f"({kind}, {day}) WHERE {client} IS NULL"
    else:
        target = f"({kind}, {client}, {day}) WHERE {client} IS NOT NULL"
    increments = ", ".join(f"{name(n)} = {rollup}.{name(n)} + EXCLUDED.{name(n)}" for n in changed)
    source = f"VALUES {', '.join([one] * len(rows))}"
    if guard is not None:
        source = f"SELECT v.* FROM ({source}) AS v, {guard}"  # noqa: S608 - names only
    return (
        f"INSERT INTO {rollup} ({columns}) {source} "  # noqa: S608 - names only
        f"ON CONFLICT {target} DO UPDATE SET {increments}",
        params,
    )


def add_invited(kind: str, sent: dict[int | None, int], day: datetime.date) -> None:
    """``sent`` ({client id or None: how many}) more invitations of ``kind`` sent on the
    local ``day``: those rows' ``invited`` goes up by as many, the rest of them unchanged
    (a refresh would count the same). The e-mail fan-out calls this for every chunk it
    sends; a recount there read the day's answers and invitations each time."""
    add({(kind, client, day): {"invited": count} for client, count in sent.items()})


def answers_changed(kind: str, **kwargs) -> None:
    """Add ``answer_changes(kind, **kwargs)`` to the rows."""
    add(answer_changes(kind, **kwargs))


def answer_changes(
    kind: str,
    *,
    client: int | None = None,
    submitted_at: datetime.datetime | None = None,
    before: Iterable[tuple[str, int | None]] = (),
    after: Iterable[tuple[str, int | None]] = (),
    invited_client: int | None = None,
    sent_at: datetime.datetime | None = None,
    answered: int = 0,
) -> dict[Key, dict[str, int]]:
    """The changes of the rows (as ``add`` takes them) when a response's answers went
    from ``before`` to ``after`` (each as (question metric, value or None); empty: no
    response): the difference goes to the row of the response's ``client`` and the local
    day it was first ``submitted_at`` (None: there is no response). ``answered`` (+1: the
    invitation is answered now, -1: no longer) goes to the row of ``invited_client`` on
    the day it was ``sent_at`` (None: never sent)."""
    changes: dict[Key, dict[str, int]] = {}
    if submitted_at is not None:
        old, new = answer_figures(before), answer_figures(after)
        key = (kind, client, local_day(submitted_at))
        changes[key] = {name: new[name] - old[name] for name in new}
    if answered and sent_at is not None:
        key = (kind, invited_client, local_day(sent_at))
        changes.setdefault(key, {})["answered"] = answered
    return changes


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
