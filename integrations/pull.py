"""The pull of one PSA connection (docs/integrations.md, "Backfill and catch-up"):
companies → clients, contacts, members/resources/agents → technicians, tickets changed
since the stored cursor → tickets; then the deletions the PSA logs and the records live
events marked dirty. Everything is written through ``kpis.upsert`` into the
connection's own data source, page by page:

- Each page is normalised (``integrations.clients.RECORDS``), checked and written in one
  transaction together with its cursor: a crash loses at most the page in progress, and
  the next run continues from the stored cursor.
- A page with a bad record (an unmapped priority, a ticket of an unknown client) is not
  written at all, like a bad file: ``PageRejected`` names every problem with the PSA's
  ids, the cursor stays before the page and the pull stops there, so a fixed mapping
  lets the next run continue with the same page. Records the product does not keep by
  design are skipped, not errors: a contact without an e-mail address or without a
  client, a technician without an e-mail address (their tickets stay unassigned).
- Writing by external id makes a rerun change nothing, and a ticket that came by event
  and by pull is one ticket.
- A ticket merged into another, or no longer on a board/queue/team that counts, is
  deleted like a ticket the PSA deleted.
"""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kpis import columns, importing
from kpis.models import Ticket
from kpis.ticket_fields import RowError
from kpis.upsert import (
    RowsRejected,
    delete_tickets,
    upsert_clients,
    upsert_contacts,
    upsert_technicians,
    upsert_tickets,
)
from organisation.models import Client, Technician, ids_by_external_id

from . import crypto
from .clients import RECORDS, Cursor, PSAError, RateLimited, for_integration
from .clients.rows import settings_of
from .models import DirtyRecord, Entity, Integration, PullCursor

logger = logging.getLogger("integrations.pull")

# The cursor of the deletions a PSA logs (Autotask DeletedTicketLogs, Halo's deleted
# tickets) beside the entities' own.
DELETED = "deleted_ticket"
# The cursor of ConnectWise's id sweep: it logs no deletions, so once a day every ticket
# id is read and a stored ticket missing from them was deleted while no callback came.
SWEEP = "ticket_sweep"
SWEEP_EVERY = datetime.timedelta(days=1)
# The pause after a rate limit that names no time (seconds).
RATE_LIMIT_PAUSE = 300
# Dirty records applied per transaction.
DIRTY_CHUNK = 100


class PageRejected(Exception):
    """A page was not written: ``problems`` are (PSA id, column, reason)."""

    def __init__(self, entity: str, problems: list[tuple[str, str, str]]):
        super().__init__(f"{len(problems)} problems in a {entity} page")
        self.entity, self.problems = entity, problems

    def message(self) -> str:
        lines = [
            _("A page of %(entity)s was not stored; fix the mapping or the PSA record:")
            % {"entity": Entity(self.entity).label}
        ]
        lines += [
            _("%(entity)s %(id)s, %(column)s: %(reason)s")
            % {"entity": Entity(self.entity).label, "id": key, "column": column, "reason": reason}
            for key, column, reason in self.problems
        ]
        return "\n".join(lines)


@dataclass
class Summary:
    """What a pull did: records written (created or changed) and skipped per entity,
    tickets deleted, dirty records applied."""

    written: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    deleted: int = 0
    dirty: int = 0
    # Seconds after which the PSA's rate limit lets the pull go on (0: not limited).
    retry_after: float = 0
    failed: bool = False  # the pull stopped at an error (recorded on the connection)

    def add(self, counts: dict, entity: str, n: int) -> None:
        counts[entity] = counts.get(entity, 0) + n


def default_start(integration: Integration) -> datetime.date:
    """The date a new client's contract start and a new technician's hire date take when
    the PSA gives none: the day the connection was created."""
    return timezone.localdate(integration.created_at or timezone.now())


class Puller:
    """The pull of one integration with its client (a test may give its own)."""

    def __init__(self, integration: Integration, client=None):
        self.integration = integration
        self.client = client if client is not None else for_integration(integration)
        self.records = RECORDS[integration.kind]
        self.settings = settings_of(integration)
        self.source_id = integration.data_source_id
        self.summary = Summary()
        self._labels = None

    # --- normalising ----------------------------------------------------------------------
    @property
    def labels(self):
        """Autotask's picklists, read once per pull (its priorities, sources, statuses
        and queues are ids that differ per instance); None for the others."""
        if self._labels is None and hasattr(self.client, "picklists"):
            self._labels = self.client.picklists("Tickets")
        return self._labels

    def _extra(self) -> tuple:
        return (self.labels,) if self.labels is not None else ()

    def counted(self, record: dict) -> bool:
        return self.records.is_counted(record, self.settings, *self._extra())

    def merged(self, record: dict) -> str:
        merged_into = getattr(self.records, "merged_into", None)
        return merged_into(record) if merged_into else ""

    # --- writing one page (inside the caller's transaction; PageRejected before anything
    # of it is written) ------------------------------------------------------------------
    def _apply_company(self, records):
        rows = [self.records.company_row(r) for r in records]
        self._default_date(Client, rows, "contract_start")
        self._write(Entity.COMPANY, rows, {})

    def _default_date(self, model, rows: list[dict], name: str) -> None:
        """A required date the PSA does not give: a stored record's own value (the row
        must name the column, so it names what is stored), else default_start."""
        stored = dict(
            model.objects.filter(
                data_source_id=self.source_id, external_id__in=[r["external_id"] for r in rows]
            ).values_list("external_id", name)
        )
        start = default_start(self.integration)
        for row in rows:
            if not row.get(name):
                row[name] = stored.get(row["external_id"], start).isoformat()

    def _apply_contact(self, records):
        rows = [self.records.contact_row(r) for r in records]
        usable = [r for r in rows if r.get("email") and r.get("client")]
        self.summary.add(self.summary.skipped, Entity.CONTACT, len(rows) - len(usable))
        keys = {r["client"] for r in usable}
        lookups = {"clients": ids_by_external_id(Client.objects, self.source_id, keys)}
        self._write(Entity.CONTACT, usable, lookups)

    def _apply_member(self, records):
        rows = [self.records.technician_row(r) for r in records]
        usable = [r for r in rows if r.get("email")]
        self.summary.add(self.summary.skipped, Entity.MEMBER, len(rows) - len(usable))
        self._default_date(Technician, usable, "hire_date")
        self._write(Entity.MEMBER, usable, {})

    def sla_verdicts(self, records) -> list:
        """The PSA's SLA verdict of each record (rows.SLAVerdict): on the ticket itself,
        except Autotask's ServiceLevelAgreementResults, read for the page at once."""
        if not hasattr(self.client, "sla_results"):
            return [self.records.sla_verdict(r) for r in records]
        results = self.client.sla_results([r["id"] for r in records]) if records else {}
        return [self.records.sla_verdict(results.get(int(r["id"])), r) for r in records]

    def _apply_ticket(self, records):
        rows, gone, kept = [], [], []
        for record in records:
            if self.merged(record) or not self.counted(record):
                gone.append(str(record["id"]))
            else:
                kept.append(record)
        for record, verdict in zip(kept, self.sla_verdicts(kept), strict=True):
            row = self.records.ticket_row(record, self.settings, *self._extra())
            rows.append({**row, **verdict.columns()})
        lookups = importing.ticket_lookups(self.source_id, rows)
        # A technician the product does not keep (no e-mail address, an API member):
        # the ticket is unassigned.
        lookups["unknown_technicians_unassigned"] = True
        self._write(Entity.TICKET, rows, lookups)
        if gone:
            self.summary.deleted += delete_tickets(gone, data_source_id=self.source_id)

    WRITERS = {
        Entity.COMPANY: ("clients", upsert_clients),
        Entity.CONTACT: ("contacts", upsert_contacts),
        Entity.MEMBER: ("technicians", upsert_technicians),
        Entity.TICKET: ("tickets", upsert_tickets),
    }

    def _write(self, entity: str, rows: list[dict], lookups: dict) -> None:
        kind, upsert = self.WRITERS[entity]
        cleaned, problems = [], []
        for number, row in enumerate(rows):
            try:
                cleaned.append((number, columns.clean_row(columns.COLUMNS[kind], row, lookups)))
            except RowError as exc:
                problems += [(row["external_id"], e.column, str(e.reason)) for e in exc.errors]
        if problems:
            raise PageRejected(entity, problems)
        if not cleaned:
            return
        try:
            written = upsert(cleaned, data_source_id=self.source_id)
        except RowsRejected as exc:
            raise PageRejected(
                entity,
                [
                    (rows[number]["external_id"], e.column, str(e.reason))
                    for number, error in exc.problems
                    for e in error.errors
                ],
            ) from None
        self.summary.add(self.summary.written, entity, written.created + written.updated)

    # --- cursors ----------------------------------------------------------------------------
    def cursor(self, entity: str) -> PullCursor:
        stored, _created = PullCursor.objects.get_or_create(
            integration=self.integration, entity=entity
        )
        return stored

    @staticmethod
    def save_cursor(stored: PullCursor, cursor: Cursor) -> None:
        stored.next_page = json.dumps(cursor.as_dict())
        stored.last_id = str(cursor.after_id or "")
        stored.modified_since = (
            datetime.datetime.fromisoformat(cursor.since.replace("Z", "+00:00"))
            if cursor.since
            else None
        )
        if cursor.done:
            stored.completed_at = timezone.now()
        stored.save()

    def pages(self, entity: str, reader, apply) -> None:
        """Apply each page of ``reader(cursor)`` with ``apply(records)`` and store its
        cursor, both in one transaction."""
        stored = self.cursor(entity)
        resume = json.loads(stored.next_page) if stored.next_page else None
        for page in reader(resume):
            with transaction.atomic():
                apply(page.records)
                self.save_cursor(stored, page.cursor)

    # --- the pull ---------------------------------------------------------------------------
    def run(self) -> Summary:
        # In the order they refer to each other: tickets name clients, contacts and
        # technicians.
        client = self.client
        self.pages(Entity.COMPANY, client.companies, self._apply_company)
        self.pages(Entity.CONTACT, client.contacts, self._apply_contact)
        self.pages(Entity.MEMBER, client.technicians, self._apply_member)
        self.pages(Entity.TICKET, client.tickets, self._apply_ticket)
        if hasattr(self.client, "deleted_tickets"):
            self.pages(DELETED, self.client.deleted_tickets, self._apply_deleted)
        if hasattr(self.client, "ticket_ids"):
            self.sweep_ids()
        self.apply_dirty()
        return self.summary

    def sweep_ids(self) -> None:
        """Delete the stored tickets the PSA no longer lists (ConnectWise: a full pass over
        the ids, at most once per SWEEP_EVERY, after the backfill is complete). Only ids
        up to the highest one seen count as missing: a ticket created during the pass
        and stored by an event stays, and a pass that lists no ticket deletes nothing.
        Not resumable: a pass that stops starts again at the next pull."""
        stored = self.cursor(SWEEP)
        now = timezone.now()
        if self.cursor(Entity.TICKET).completed_at is None:
            return
        if stored.completed_at is None:
            # The backfill just read every ticket: the first pass is due a day later.
            stored.completed_at = now
            stored.save(update_fields=["completed_at", "updated_at"])
            return
        if now - stored.completed_at < SWEEP_EVERY:
            return
        seen: set[str] = set()
        highest = 0
        for page in self.client.ticket_ids():
            for record in page.records:
                seen.add(str(record["id"]))
                highest = max(highest, int(record["id"]))
        known = Ticket.objects.filter(data_source_id=self.source_id).values_list(
            "external_id", flat=True
        )
        gone = [
            key
            for key in known.iterator(chunk_size=5000)
            if key not in seen and key.isdigit() and int(key) <= highest
        ]
        for start in range(0, len(gone), DIRTY_CHUNK * 10):
            self.summary.deleted += delete_tickets(
                gone[start : start + DIRTY_CHUNK * 10], data_source_id=self.source_id
            )
        stored.completed_at = now
        stored.last_id = str(highest)
        stored.save(update_fields=["completed_at", "last_id", "updated_at"])

    def _apply_deleted(self, records) -> None:
        # Autotask's DeletedTicketLogs name the ticket in ticketID; Halo lists the tickets.
        ids = [str(r.get("ticketID") or r["id"]) for r in records]
        self.summary.deleted += delete_tickets(ids, data_source_id=self.source_id)

    def apply_dirty(self) -> None:
        """Fetch each record a live event marked, by id, and apply it (a ticket the PSA no
        longer has is deleted); the marks are cleared with the write."""
        while True:
            with transaction.atomic():
                marks = list(
                    DirtyRecord.objects.select_for_update(skip_locked=True)
                    .filter(integration=self.integration)
                    .order_by("marked_at", "pk")[:DIRTY_CHUNK]
                )
                if not marks:
                    return
                # Other entities were read by their pull, which ran before.
                self.apply_tickets([m.external_id for m in marks if m.entity == Entity.TICKET])
                DirtyRecord.objects.filter(pk__in=[m.pk for m in marks]).delete()
                self.summary.dirty += len(marks)

    def apply_tickets(self, external_ids: list[str]) -> int:
        """Fetch these tickets by id and write them with one upsert; those the PSA no
        longer has are deleted with one statement. Returns how many it no longer has."""
        fetched, vanished = [], []
        for external_id in external_ids:
            record = self.client.ticket(external_id)
            if record is None:
                vanished.append(external_id)
            else:
                fetched.append(record)
        if vanished:
            self.summary.deleted += delete_tickets(vanished, data_source_id=self.source_id)
        if fetched:
            self._apply_ticket(fetched)
        return len(vanished)


def pull(integration: Integration, client=None) -> Summary:
    """Pull ``integration`` and record the outcome on it (last_sync_at, last_sync_ok,
    last_pull_ok_at, failing_since, last_error with the PSA's message or every problem
    of a rejected page). Raises
    nothing a PSA or a record can cause."""
    now = timezone.now()
    try:
        puller = Puller(integration, client)
    except crypto.SecretsUnreadable:
        message = crypto.UNREADABLE
        return _failed(integration, message, now, Summary())
    try:
        summary = puller.run()
    except PageRejected as exc:
        return _failed(integration, exc.message(), now, puller.summary)
    except PSAError as exc:
        if isinstance(exc, RateLimited):
            puller.summary.retry_after = exc.retry_after or RATE_LIMIT_PAUSE
        return _failed(integration, exc.text(), now, puller.summary)
    Integration.objects.filter(pk=integration.pk).update(
        last_sync_at=now, last_sync_ok=True, last_pull_ok_at=now, failing_since=None, last_error=""
    )
    logger.info(
        "integrations.pull_done integration=%s written=%s skipped=%s deleted=%s dirty=%s",
        integration.pk,
        summary.written,
        summary.skipped,
        summary.deleted,
        summary.dirty,
    )
    return summary


def _failed(integration, message: str, now, summary: Summary) -> Summary:
    Integration.objects.filter(pk=integration.pk).update(
        last_sync_at=now,
        last_sync_ok=False,
        last_error=message[:5000],
        last_error_at=now,
        # The first failure of a run of them: the alert counts from here.
        failing_since=Coalesce("failing_since", Value(now)),
    )
    logger.warning("integrations.pull_failed integration=%s", integration.pk)
    summary.failed = True
    return summary


def backfill_from(integration: Integration, since: datetime.date | None) -> None:
    """Make the next pull read the tickets changed since ``since`` again, or all of them
    (None: after a mapping changed); a run in progress is replaced."""
    utc = "%Y-%m-%dT%H:%M:%SZ"
    moment = since and datetime.datetime.combine(since, datetime.time(), tzinfo=datetime.UTC)
    cursor = Cursor(
        since=moment.strftime(utc) if moment else None,
        started=timezone.now().astimezone(datetime.UTC).strftime(utc),
    )
    stored, _created = PullCursor.objects.get_or_create(
        integration=integration, entity=Entity.TICKET
    )
    stored.completed_at = None
    Puller.save_cursor(stored, cursor)
