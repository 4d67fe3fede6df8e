"""Write rows of clients, contacts, technicians or tickets by external id within one
data source: ``upsert_tickets`` (and ``upsert_clients``, ``upsert_contacts``,
``upsert_technicians``), the one way tickets get in, for the CSV import, the webhook,
every future connector, the demo data and the benchmark loader. The data source is the
CSV source unless the caller names another; the same external id in two sources is two
records.

Rows are field values (``columns.clean_row`` makes them from a CSV line or a webhook
ticket; a connector or a seeder may build them directly) numbered as their source counts
them (a spreadsheet row, a webhook ticket's index). They are checked and written batch by
batch, inside the caller's transaction:

- A row changes only what it names: a stored record keeps the value of every field the
  row leaves out, checks across fields (``escalated_at`` needs ``escalated``) and derived
  values (durations) use those stored values, and a new record takes the model's
  defaults. Only records whose values change are written.
- The same external id twice: the later row is applied on top of the earlier one.
- At the first bad row writing stops and the rest is only checked; ``RowsRejected``
  lists the problems and the caller's transaction rolls back what was written.
- Tickets are written with ``COPY`` on PostgreSQL (kpis.bulk). Afterwards the rollups of
  the touched clients and days are refreshed, and the threshold check is queued for when
  the transaction commits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisation.models import CSV_SOURCE_ID, Client, Contact, DataSource, Technician

from . import bulk, requesters, rollups, transitions
from .models import Ticket
from .models.tickets import DERIVED_FIELDS, PSA_SLA_FIELDS, derived_values
from .thresholds import check_thresholds
from .ticket_fields import KEEP, RowError

BATCH_SIZE = 2000

# Checks across fields that fail on a stored value the row does not name.
STORED_NOT_ESCALATED = gettext_lazy(
    "is set, but the stored escalated value, which this row leaves unchanged, is false"
)
STORED_LEAVE_DATE = gettext_lazy(
    "the stored leave date, which this row leaves unchanged, is not after the hire date"
)


class RowsRejected(Exception):
    """Nothing may be written: ``problems`` are (row number, RowError) by row number;
    ``cut_short`` when checking stopped at ``max_errors``."""

    def __init__(self, problems: list[tuple[int, RowError]], cut_short: bool = False):
        super().__init__(f"{len(problems)} rows rejected")
        self.problems, self.cut_short = problems, cut_short


@dataclass
class Written:
    """What an upsert did. ``updated``: stored records whose values changed; ``moved``:
    tickets now under another client; ``client_ids``: the clients whose figures changed."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0
    # Tickets whose requester is unknown, with no e-mail to create the contact from.
    without_requester: int = 0
    client_ids: list[int] = field(default_factory=list)


@dataclass
class Pending:
    """What the rows of one external id say, before it is written."""

    # The number of the row that named it last.
    number: int
    # The field values of the columns the rows name; a later row's values win.
    values: dict


def refresh_after(touched: rollups.Touched) -> None:
    """Refresh the rollups of the clients and days a write touched, and queue the
    threshold check for when the transaction commits (a broker outage is logged: the
    periodic check catches up)."""
    if touched:
        touched.refresh()
        queue_threshold_check()


def queue_threshold_check() -> None:
    transaction.on_commit(check_thresholds.delay, robust=True)


class Upsert:
    """Rows of one model applied to its stored records batch by batch."""

    model: type
    # The stored fields a row is compared with.
    fields: tuple[str, ...]
    # Those a new record takes from the model's defaults when its row leaves them out.
    defaulted: tuple[str, ...] = ()
    # Fields filled from other tables than the model's own (not compared, not written).
    related: frozenset[str] = frozenset()

    def __init__(self, data_source_id: int = CSV_SOURCE_ID):
        self.written = Written()
        self.data_source_id = data_source_id

    @functools.cached_property
    def defaults(self) -> dict:
        return {name: self.model._meta.get_field(name).get_default() for name in self.defaulted}

    def key(self, values: dict) -> str:
        """What identifies the row's record within the data source."""
        return values["external_id"]

    def complete(self, values: dict, stored: dict | None) -> dict:
        """The record's field values after the row; raises RowError for a check across
        fields."""
        full = dict(stored or self.defaults)
        full.update(
            (key, value)
            for key, value in values.items()
            if key not in self.related and value is not KEEP
        )
        # Every record, new or stored, is written into the upsert's source: a kind whose
        # compared fields leave the source out must not fall back to the field's default.
        full["data_source_id"] = self.data_source_id
        return full

    def _stored(self, pending: dict[str, Pending]) -> tuple[dict[str, dict], dict[str, int]]:
        """({key: stored field values}, {key: pk}) in one query."""
        stored, pks = {}, {}
        records = self.model.objects.filter(
            data_source_id=self.data_source_id, external_id__in=list(pending)
        )
        for pk, *values in records.values_list("pk", *self.fields):
            record = dict(zip(self.fields, values, strict=True))
            stored[record["external_id"]] = record
            pks[record["external_id"]] = pk
        return stored, pks

    def batch(self, pending: dict[str, Pending], write: bool = True) -> list[tuple[int, RowError]]:
        """Check the batch against the stored records and, if every row passes and
        ``write`` is set, write it. Returns the failed rows as (number, RowError)."""
        stored, pks = self._stored(pending)
        changes, problems = [], []
        for key, row in pending.items():
            old = stored.get(key)
            try:
                full = self.complete(row.values, old)
                self.check_others(full, pks.get(key))
            except RowError as exc:
                problems.append((row.number, exc))
                continue
            changed = old is None or any(full[name] != old[name] for name in self.fields)
            extra = self.related_change(key, row.values, old, pks.get(key))
            if old is None:
                self.written.created += 1
            elif changed or extra:
                self.written.updated += 1
            else:
                self.written.unchanged += 1
            if changed:
                changes.append((full, old, frozenset(row.values), pks.get(key)))
        if write and not problems:
            self.write(changes)
        return problems

    def check_others(self, full: dict, pk: int | None) -> None:
        """Raise RowError when the record would clash with another one (``pk``: the
        stored record's, or None for a new one)."""

    def related_change(self, key: str, values: dict, old: dict | None, pk: int | None) -> bool:
        """Note what the row changes in other tables; whether it changes anything."""
        return False

    def write(self, changes: list[tuple[dict, dict | None, frozenset]]) -> None:
        """Write new records whole and stored ones in the fields their rows name (and the
        derived ones); ``changes`` holds (field values, stored values or None, the names
        the rows give, the stored record's pk or None)."""
        groups: dict[frozenset, list[dict]] = {}
        for full, _old, named, _pk in changes:
            groups.setdefault(named, []).append(full)
        for named, records in groups.items():
            self.write_group(self.update_fields(named), records)

    def update_fields(self, named: frozenset) -> list[str]:
        return sorted(named - {"external_id"} - self.related)

    def write_group(self, update_fields: list[str], records: list[dict]) -> None:
        self.model.objects.bulk_create(
            [self.model(**record) for record in records],
            update_conflicts=True,
            unique_fields=["data_source", "external_id"],
            update_fields=update_fields,
            batch_size=BATCH_SIZE,
        )

    def finish(self) -> Written:
        return self.written


class TicketUpsert(Upsert):
    model = Ticket
    fields = (
        "data_source_id",
        "external_id",
        "title",
        "client_id",
        "requester_id",
        "priority",
        "opened_at",
        "opened_on",
        "first_response_at",
        "resolved_at",
        "first_response_seconds",
        "resolution_seconds",
        "escalated",
        "escalated_at",
        "source",
        "proactive",
        "auto_remediated",
        "technician_id",
        *PSA_SLA_FIELDS,
    )
    defaulted = (
        "first_response_at",
        "resolved_at",
        "escalated",
        "escalated_at",
        "proactive",
        "auto_remediated",
        "technician_id",
        "title",
        "requester_id",
        *PSA_SLA_FIELDS,
    )
    # The requester is found from these (kpis.requesters); the technician's e-mail
    # only finds the technician (kpis.ticket_fields.technician).
    related = requesters.COLUMNS | {"technician_email"}

    def __init__(
        self,
        check: bool = True,
        data_source_id: int = CSV_SOURCE_ID,
        creates_contacts: bool | None = None,
        keep_unknown_requesters: bool = False,
    ):
        super().__init__(data_source_id)
        self.touched = rollups.Touched()
        # Stored tickets this upsert took from open to resolved (kpis.transitions).
        self.resolved: set[int] = set()
        self.check = check
        self.requesters: requesters.Requesters | None = None
        self.keep_unknown_requesters = keep_unknown_requesters
        if creates_contacts is not None:  # a column mapping's setting
            self.creates_contacts = creates_contacts

    @functools.cached_property
    def creates_contacts(self) -> bool:
        """Whether unknown requesters are created (the data source's setting unless the
        caller gives one): read once, not per batch."""
        return DataSource.creates_contacts_of(self.data_source_id)

    def batch(self, pending, write=True):
        self.requesters = requesters.Requesters(
            self.data_source_id,
            [row.values for row in pending.values()],
            self.creates_contacts,
            self.keep_unknown_requesters,
        )
        return super().batch(pending, write)

    def complete(self, values: dict, stored: dict | None) -> dict:
        """Checks across fields and the derived values use the stored value of each field
        the row leaves out."""
        full = super().complete(values, stored)
        if "requester_external_id" in values or "requester_email" in values:
            found = self.requesters.match(values, full["client_id"])
            if found is KEEP:  # unknown, and no e-mail to create it from: counted
                self.written.without_requester += 1
            else:
                full["requester_id"] = found
        opened_at = full["opened_at"]
        moved_in_time = stored is not None and stored["opened_at"] != opened_at
        for column in ("first_response_at", "resolved_at", "escalated_at"):
            moment = full[column]
            if moment is None or moment >= opened_at:
                continue
            if column in values:
                raise RowError(column, _("lies before opened_at"))
            if moved_in_time:  # the row's new opened_at against the stored value
                raise RowError(
                    column,
                    _("the stored value, which this row leaves unchanged, lies before opened_at"),
                )
        # Judged when the row names either field (a stored mismatch it does not touch is
        # not the row's doing).
        touches_escalation = "escalated" in values or "escalated_at" in values
        if touches_escalation and full["escalated_at"] is not None and not full["escalated"]:
            if "escalated_at" not in values:
                raise RowError(
                    "escalated",
                    _(
                        "is false, but the stored escalated_at, which this row leaves "
                        "unchanged, is set; add an empty escalated_at column to clear it"
                    ),
                )
            if "escalated" in values or stored is None:
                raise RowError("escalated_at", _("is set, but escalated is false"))
            raise RowError("escalated_at", STORED_NOT_ESCALATED)
        full.update(derived_values(opened_at, full["first_response_at"], full["resolved_at"]))
        return full

    def write(self, changes) -> None:
        created = self.requesters.create()
        for full, old, _named, pk in changes:
            if isinstance(full["requester_id"], requesters.NewContact):
                full["requester_id"] = created[full["requester_id"]]
            if transitions.became_resolved(old, full):
                self.resolved.add(pk)
            # The old client and day of a changed ticket: their rollups change too.
            if old is not None:
                self.touched.add(old["client_id"], old["opened_on"])
                if full["client_id"] != old["client_id"]:
                    self.written.moved += 1
            self.touched.add(full["client_id"], full["opened_on"])
        super().write(changes)

    def update_fields(self, named: frozenset) -> list[str]:
        # The derived fields follow opened_at, which every row names; the requester
        # follows its columns.
        fields = set(super().update_fields(named)) | set(DERIVED_FIELDS)
        if named & requesters.COLUMNS:
            fields.add("requester_id")
        return sorted(fields)

    def write_group(self, update_fields: list[str], records: list[dict]) -> None:
        rows = [tuple(record[name] for name in self.fields) for record in records]
        bulk.upsert(
            Ticket, self.fields, rows, ("data_source_id", "external_id"), update_fields, BATCH_SIZE
        )

    def finish(self) -> Written:
        self.written.client_ids = self.touched.client_ids
        if self.resolved:
            transitions.tickets_resolved.send(sender=Ticket, ticket_ids=sorted(self.resolved))
        if self.check:
            refresh_after(self.touched)
        else:
            self.touched.refresh()
        return self.written


class ClientUpsert(Upsert):
    model = Client
    defaulted = ("segment", "is_active", "escalation_threshold")
    fields = ("external_id", "name", "contract_start", *defaulted)
    related = frozenset({"responsible_staff"})

    def __init__(self, data_source_id: int = CSV_SOURCE_ID):
        super().__init__(data_source_id)
        # {client id: segment before the import} of clients whose segment or contract
        # start changes (a later batch may change it again: the first is kept).
        self.regrouped: dict[int, str] = {}
        # Per batch: {external id: user ids} of clients whose responsible staff changes,
        # and {client id: user ids} stored.
        self._staff_batch: dict[str, list[int]] = {}
        self._stored_staff: dict[int, set[int]] = {}

    def related_change(self, key, values, old, pk) -> bool:
        if "responsible_staff" not in values:
            return False
        wanted = values["responsible_staff"]
        if old is not None and set(wanted) == self._stored_staff.get(pk, set()):
            return False
        self._staff_batch[key] = wanted
        return True

    def batch(self, pending, write=True):
        self._staff_batch, self._stored_staff = {}, {}
        if any("responsible_staff" in p.values for p in pending.values()):
            through = Client.responsible_staff.through
            rows = through.objects.filter(
                client__data_source_id=self.data_source_id, client__external_id__in=list(pending)
            ).values_list("client_id", "user_id")
            for client_id, user_id in rows:
                self._stored_staff.setdefault(client_id, set()).add(user_id)
        problems = super().batch(pending, write)
        if write and not problems:
            self._write_staff(self._staff_batch)
        return problems

    def write(self, changes) -> None:
        for full, old, _named, pk in changes:
            if old is not None and (full["contract_start"], full["segment"]) != (
                old["contract_start"],
                old["segment"],
            ):
                self.regrouped.setdefault(pk, old["segment"])
        super().write(changes)

    def _write_staff(self, staff: dict[str, list[int]]) -> None:
        if not staff:
            return
        through = Client.responsible_staff.through
        ids = dict(
            Client.objects.filter(
                data_source_id=self.data_source_id, external_id__in=list(staff)
            ).values_list("external_id", "pk")
        )
        wanted = {(ids[key], user_id) for key, users in staff.items() for user_id in users}
        current = set(
            through.objects.filter(client_id__in=ids.values()).values_list("client_id", "user_id")
        )
        gone = Q()
        for client_id, user_id in current - wanted:
            gone |= Q(client_id=client_id, user_id=user_id)
        if gone:  # one DELETE for the batch, not one per link
            through.objects.filter(gone).delete()
        through.objects.bulk_create(
            [through(client_id=c, user_id=u) for c, u in wanted - current], ignore_conflicts=True
        )

    def finish(self) -> Written:
        if self.regrouped:
            rollups.client_changed(self.regrouped, set(self.regrouped.values()))
        self.written.client_ids = sorted(self.regrouped)
        if self.written.created or self.written.updated:
            queue_threshold_check()
        return self.written


class TechnicianUpsert(Upsert):
    model = Technician
    defaulted = ("role", "leave_date", "language")
    fields = ("external_id", "name", "email", "hire_date", *defaulted)

    def complete(self, values: dict, stored: dict | None) -> dict:
        """The leave date must follow the hire date, the stored leave date too when the
        row leaves it out."""
        full = super().complete(values, stored)
        if full["leave_date"] and full["leave_date"] <= full["hire_date"]:
            if "leave_date" in values or stored is None:
                raise RowError("leave_date", _("must be after the hire date"))
            raise RowError("leave_date", STORED_LEAVE_DATE)
        return full


class ContactUpsert(Upsert):
    """Contacts by external id, else (a row without one, or an id not yet stored) by
    e-mail within their client, compared without case: a contact entered in the back
    office is found by its address and takes the file's external id."""

    model = Contact
    defaulted = ("external_id", "language", "is_active")
    fields = ("data_source_id", "client_id", "name", "email", *defaulted)

    def key(self, values: dict) -> str:
        if values.get("external_id"):
            return f"id:{values['external_id']}"
        return f"e-mail:{values['client_id']}:{values['email'].lower()}"

    def _stored(self, pending):
        rows = [row.values for row in pending.values()]
        keys = {row["external_id"] for row in rows if row.get("external_id")}
        addresses = {row["email"].lower() for row in rows}
        records = (
            Contact.objects.filter(data_source_id=self.data_source_id)
            .annotate(address=Lower("email"))
            .filter(Q(external_id__in=keys) | Q(address__in=addresses))
        )
        by_key, by_address = {}, {}
        for pk, address, *values in records.values_list("pk", "address", *self.fields):
            record = dict(zip(self.fields, values, strict=True))
            if record["external_id"]:
                by_key[record["external_id"]] = (pk, record)
            by_address[record["client_id"], address] = (pk, record)
        # Every source's contacts with these addresses: one address per client.
        self.taken: dict[tuple[int, str], object] = Contact.objects.ids_by_address(addresses)
        stored, pks = {}, {}
        for key, row in pending.items():
            values = row.values
            found = by_key.get(values.get("external_id") or None) or by_address.get(
                (values["client_id"], values["email"].lower())
            )
            if found:
                pks[key], stored[key] = found
        return stored, pks

    def check_others(self, full: dict, pk: int | None) -> None:
        """One address per client (whatever the source): refused here, by row, rather
        than by the database for the whole file."""
        address = (full["client_id"], full["email"].lower())
        if address in self.taken and self.taken[address] != pk:
            raise RowError("email", _("another contact of this client has this address"))
        self.taken[address] = pk if pk is not None else object()  # a new one: no other

    def update_fields(self, named: frozenset) -> list[str]:
        return sorted(named - self.related)  # a stored contact may take an external id

    def write(self, changes) -> None:
        new = [Contact(**full) for full, old, _named, _pk in changes if old is None]
        Contact.objects.bulk_create(new, batch_size=BATCH_SIZE)
        groups: dict[frozenset, list[Contact]] = {}
        for full, old, named, pk in changes:
            if old is not None:
                groups.setdefault(named, []).append(Contact(pk=pk, **full))
        for named, contacts in groups.items():
            Contact.objects.bulk_update(contacts, self.update_fields(named), batch_size=BATCH_SIZE)


def add_row(pending: dict[str, Pending], number: int, values: dict, key: str) -> None:
    """Add a row to the batch ``pending`` under ``key``; a second row of the same key is
    applied on top of the first, as if they were written one after the other."""
    if key in pending:
        pending[key].values.update(values)
        pending[key].number = number
    else:
        pending[key] = Pending(number, values)


def apply(
    upsert: Upsert,
    rows: Iterable[tuple[int, dict | RowError]],
    *,
    max_errors: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Written:
    """Check and write ``rows`` ((number, field values), or (number, RowError) for a row
    its source could not read) batch by batch, inside the caller's transaction; then
    finish (rollups, threshold check). Raises RowsRejected if any row is bad: the caller's
    transaction must roll back what earlier batches wrote. ``progress`` is called with
    the number of rows read after each batch."""
    problems: list[tuple[int, RowError]] = []
    cut_short = False

    def check(pending) -> None:
        # Once a row is bad nothing more is written; the rest is only checked.
        problems.extend(upsert.batch(pending, write=not problems))

    pending: dict[str, Pending] = {}
    for number, values in rows:
        if isinstance(values, RowError):
            # Each bad cell of the row is a problem of its own, counted against max_errors.
            problems.extend((number, error) for error in values.errors)
            if max_errors and len(problems) >= max_errors:
                cut_short = True
                break
            continue
        upsert.written.rows += 1
        add_row(pending, number, values, upsert.key(values))
        if len(pending) >= BATCH_SIZE:
            check(pending)
            pending = {}
            if progress:
                progress(upsert.written.rows)
            if max_errors and len(problems) >= max_errors:
                cut_short = True
                break
    if pending and not cut_short:
        check(pending)
    if problems:
        # Rows failing a check across fields are found with their batch: sort.
        problems.sort(key=lambda problem: problem[0])
        raise RowsRejected(problems, cut_short)
    return upsert.finish()


def upsert_tickets(
    rows: Iterable[tuple[int, dict | RowError]],
    *,
    check=True,
    data_source_id: int = CSV_SOURCE_ID,
    creates_contacts: bool | None = None,
    keep_unknown_requesters: bool = False,
    **options,
):
    """Write tickets of ``data_source_id`` (see ``apply``; field values as in
    ``TicketUpsert.fields``, the derived ones left out, the requester as
    ``kpis.requesters`` reads it). ``check=False`` queues no threshold check: a seeder
    judges the thresholds itself. ``creates_contacts``: whether unknown requesters are
    created (None: as the data source says); ``keep_unknown_requesters``: a file read
    through a column mapping (kpis.requesters)."""
    upsert = TicketUpsert(
        check=check,
        data_source_id=data_source_id,
        creates_contacts=creates_contacts,
        keep_unknown_requesters=keep_unknown_requesters,
    )
    return apply(upsert, rows, **options)


def delete_tickets(external_ids: Iterable[str], *, data_source_id: int) -> int:
    """Delete the tickets of ``data_source_id`` with these external ids (a PSA deleted
    them) and refresh the rollups they were counted in; returns how many were deleted.
    Tickets have no "deleted" state: a deleted ticket leaves every figure."""
    tickets = Ticket.objects.filter(
        data_source_id=data_source_id, external_id__in=list(external_ids)
    )
    touched = rollups.Touched()
    for client_id, day in tickets.values_list("client_id", "opened_on").order_by().distinct():
        touched.add(client_id, day)
    _total, by_model = tickets.delete()
    refresh_after(touched)
    return by_model.get(Ticket._meta.label, 0)


def upsert_clients(rows, *, data_source_id: int = CSV_SOURCE_ID, **options) -> Written:
    return apply(ClientUpsert(data_source_id), rows, **options)


def upsert_contacts(rows, *, data_source_id: int = CSV_SOURCE_ID, **options) -> Written:
    return apply(ContactUpsert(data_source_id), rows, **options)


def upsert_technicians(rows, *, data_source_id: int = CSV_SOURCE_ID, **options) -> Written:
    return apply(TechnicianUpsert(data_source_id), rows, **options)
