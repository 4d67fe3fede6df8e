"""CSV import of clients, technicians and tickets (see docs/import.md).

``import_csv(kind, binary)`` reads the file once, streaming, in one transaction:
every row is validated and the valid rows are upserted by external id in batches. At
the first bad row writing stops, the rest of the file is still checked (up to MAX_ERRORS
problems are reported), and the transaction is rolled back: nothing is written if any
row is bad. Memory stays flat whatever the file size: rows are parsed one at a time
through ``csv.DictReader`` over a text wrapper and written in batches of BATCH_SIZE.

A row changes only what it names (``Upsert``, shared with the webhook): a stored record
keeps the value of every optional column the file leaves out, checks across columns
(``escalated_at`` needs ``escalated``) and derived values (durations) use those stored
values, and a new record takes the model's defaults. Only records whose values change
are written; the result counts new, updated and unchanged rows and tickets moved to
another client.

Decisions:
- Encoding: UTF-8, with or without byte order mark (Excel's "CSV UTF-8"). Anything else
  (e.g. Windows-1252 from "CSV (Trennzeichen-getrennt)") is rejected with a message
  that names the row and says how to save the file as UTF-8; guessing a code page could
  silently garble names.
- Delimiter: comma or semicolon (German Excel), detected from the header line.
- Header names: columns or their German aliases (``kpis.columns``); an unknown name close
  to one refuses the file, other unknown names are ignored and listed in the result.
- The same external id twice in one file: the later row wins.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from organisation.models import Client, Technician

from . import bulk, columns, rollups, ticket_fields
from .models import Ticket
from .ticket_fields import RowError

logger = logging.getLogger("kpis.importing")

BATCH_SIZE = 2000
MAX_ERRORS = 20
# A header longer than this has no line break where it should: reading on would load a
# whole file without line breaks into memory.
MAX_HEADER_CHARS = 10_000
KINDS = ("clients", "technicians", "tickets")


class ImportRejected(Exception):
    """The file was not imported; ``errors`` are display-ready messages."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    # Stored records whose values the file changed; the others are unchanged.
    updated: int = 0
    unchanged: int = 0
    # Tickets now under another client than before.
    moved: int = 0
    # Unknown header names, as written in the file.
    ignored_columns: list[str] = field(default_factory=list)
    client_ids: list[int] = field(default_factory=list)

    COUNTS = ("rows", "created", "updated", "unchanged", "moved")

    def counts(self) -> dict:
        """The figures as JSON-ready values (an import job stores them)."""
        data = {name: getattr(self, name) for name in self.COUNTS}
        data["ignored_columns"] = list(self.ignored_columns)
        return data

    @classmethod
    def from_counts(cls, kind: str, data: dict) -> ImportResult:
        return cls(
            kind=kind,
            ignored_columns=list(data.get("ignored_columns", [])),
            **{name: int(data.get(name, 0)) for name in cls.COUNTS},
        )

    def lines(self) -> list[str]:
        """The result in sentences, in the active language."""
        lines = [
            ngettext(
                "%(rows)d row imported: %(created)d new, %(updated)d updated, "
                "%(unchanged)d unchanged.",
                "%(rows)d rows imported: %(created)d new, %(updated)d updated, "
                "%(unchanged)d unchanged.",
                self.rows,
            )
            % {
                "rows": self.rows,
                "created": self.created,
                "updated": self.updated,
                "unchanged": self.unchanged,
            }
        ]
        if self.moved:
            lines.append(
                ngettext(
                    "%(n)d ticket moved to another client.",
                    "%(n)d tickets moved to another client.",
                    self.moved,
                )
                % {"n": self.moved}
            )
        if self.ignored_columns:
            names = ", ".join(
                columns.quoted([name]) if name else _("a column without a name")
                for name in self.ignored_columns
            )
            lines.append(
                ngettext(
                    "Not imported, as no such column exists: %(columns)s.",
                    "Not imported, as no such columns exist: %(columns)s.",
                    len(self.ignored_columns),
                )
                % {"columns": names}
            )
        return lines

    def message(self) -> str:
        return " ".join(self.lines())


def row_message(row_number: int, column: str | None, reason: str) -> str:
    if column:
        return _("Row %(row)d, column “%(column)s”: %(reason)s") % {
            "row": row_number,
            "column": column,
            "reason": reason,
        }
    return _("Row %(row)d: %(reason)s") % {"row": row_number, "reason": reason}


# --- Reading ---------------------------------------------------------------------------

SNIFF_BYTES = 8192
# Files managers upload by mistake, recognised by their first bytes.
BINARY_SIGNATURES = (
    b"PK\x03\x04",  # .xlsx, .zip
    b"\xd0\xcf\x11\xe0",  # .xls
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"\x1f\x8b",  # gzip
)


def _reject_binary(binary) -> None:
    """Raise ImportRejected for a workbook, archive, image or other binary file, judged by
    its first bytes (text files hold no NUL byte)."""
    binary.seek(0)
    head = binary.read(SNIFF_BYTES)
    binary.seek(0)
    if head.startswith(BINARY_SIGNATURES) or b"\x00" in head:
        raise ImportRejected(
            [
                _(
                    "This is not a CSV text file (perhaps an Excel workbook, an archive or "
                    "an image). In Excel choose “Save as” > “CSV UTF-8 (comma delimited)”."
                )
            ]
        )


def _detect_delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _rows(binary, kind: str, ignored: list[str] | None = None) -> Iterator[tuple[int, dict]]:
    """(row number as in a spreadsheet, {column: text}) for every data row; raises
    ImportRejected for problems with the file as a whole. Unknown header names that are
    ignored are appended to ``ignored``."""
    binary.seek(0)
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
    row_number = 1
    try:
        header_line = text.readline(MAX_HEADER_CHARS + 1)
        if len(header_line) > MAX_HEADER_CHARS:  # no line break: not a CSV header
            raise ImportRejected(
                [
                    _("Row 1: the header row is longer than %(n)d characters.")
                    % {"n": MAX_HEADER_CHARS}
                ]
            )
        if not header_line.strip():
            raise ImportRejected([_("The file is empty: it needs a header row and data rows.")])
        delimiter = _detect_delimiter(header_line)
        names = next(csv.reader([header_line], delimiter=delimiter))
        header = columns.read_header(kind, names)
        if header.problems:
            raise ImportRejected(header.messages)
        if ignored is not None:
            ignored.extend(header.ignored)
        # Ignored columns get names no column has, so they cannot shadow one.
        fieldnames = [
            column or f"\x00ignored-{index}" for index, column in enumerate(header.columns)
        ]
        reader = csv.DictReader(text, fieldnames=fieldnames, delimiter=delimiter, restval=None)
        for row in reader:
            row_number += 1
            if None in row:  # more cells than columns
                raise RowError("", _("has more cells than the header has columns"))
            if not any((value or "").strip() for value in row.values()):
                continue  # blank line, e.g. at the end of an Excel export
            yield row_number, row
    except UnicodeDecodeError:
        raise ImportRejected(
            [
                _(
                    "Row %(row)d: the file is not UTF-8 encoded (perhaps Windows-1252 or "
                    "Latin-1). In Excel choose “Save as” > “CSV UTF-8 (comma delimited)”."
                )
                % {"row": row_number + 1}
            ]
        ) from None
    except csv.Error as exc:
        raise ImportRejected(
            [
                row_message(
                    row_number + 1,
                    None,
                    _(
                        "the file cannot be read as CSV (%(problem)s); a cell may be too large "
                        "or a quote unclosed."
                    )
                    % {"problem": exc},
                )
            ]
        ) from None
    except RowError as exc:
        raise ImportRejected([row_message(row_number, exc.column, exc.reason)]) from None
    finally:
        text.detach()
    if row_number == 1:
        raise ImportRejected([_("The file has a header row but no data rows.")])


def check_file(kind: str, binary) -> None:
    """Refuse a file that cannot be imported whatever its rows say (a binary file, a bad
    header, no data rows) without reading past its first row; raises ImportRejected.
    The upload page runs this before it stores the file for the import task."""
    started = time.monotonic()
    try:
        _reject_binary(binary)
        rows = _rows(binary, kind)
        try:
            next(rows, None)
        finally:
            rows.close()
    except ImportRejected as exc:
        _log_rejected(kind, exc, started)
        raise


# --- Lookups ---------------------------------------------------------------------------


def _lookups(kind: str) -> dict:
    if kind == "tickets":
        return {
            "clients": dict(Client.objects.values_list("external_id", "pk")),
            "technicians": dict(Technician.objects.values_list("external_id", "pk")),
        }
    if kind == "clients":
        users = get_user_model().objects.filter(is_active=True)
        staff = {}
        for pk, username, email in users.annotate(
            u=Lower("username"), e=Lower("email")
        ).values_list("pk", "u", "e"):
            staff[username] = pk
            if email:
                staff.setdefault(email, pk)
        return {"staff_lookup": staff}
    return {}


def _clean(kind: str, row: dict, lookups: dict) -> dict:
    if kind == "tickets":
        return ticket_fields.clean_ticket_row(row, lookups["clients"], lookups["technicians"])
    if kind == "clients":
        return ticket_fields.clean_client_row(row, lookups["staff_lookup"])
    return ticket_fields.clean_technician_row(row)


# --- Writing ---------------------------------------------------------------------------

MODEL = {"clients": Client, "technicians": Technician, "tickets": Ticket}
COMPLETE = {
    "clients": ticket_fields.complete_client,
    "technicians": ticket_fields.complete_technician,
    "tickets": ticket_fields.complete_ticket,
}


@dataclass
class Pending:
    """What the rows of one external id say, before it is written."""

    # The row (CSV: as in a spreadsheet; webhook: the ticket's index) that named it last.
    number: int
    # The field values of the columns the rows name; a later row's values win.
    values: dict


def add_row(pending: dict[str, Pending], number: int, values: dict) -> None:
    """Add a cleaned row to the batch ``pending``; a second row of the same external id
    is applied on top of the first, as if they were imported one after the other."""
    key = values["external_id"]
    if key in pending:
        pending[key].values.update(values)
        pending[key].number = number
    else:
        pending[key] = Pending(number, values)


@dataclass
class _Settled:
    """A batch compared with the stored records: what to write, and the counts."""

    # (the complete field values, the stored ones or None, the fields the rows name)
    writes: list[tuple[dict, dict | None, frozenset]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0
    # {client id: stored segment} of clients whose contract start or segment changes.
    regrouped: dict[int, str] = field(default_factory=dict)
    # {external id: user ids} of clients whose responsible staff changes.
    staff: dict[str, list[int]] = field(default_factory=dict)


def _stored_staff(client_ids) -> dict[int, set[int]]:
    staff: dict[int, set[int]] = {}
    through = Client.responsible_staff.through
    for client_id, user_id in through.objects.filter(client_id__in=client_ids).values_list(
        "client_id", "user_id"
    ):
        staff.setdefault(client_id, set()).add(user_id)
    return staff


def _settle(kind: str, pending: dict[str, Pending]) -> tuple[_Settled, list[tuple[int, RowError]]]:
    """Apply each pending row to its stored record (read in one query): the complete
    values, whether anything changes, and the rows that fail a check across columns."""
    fields = ticket_fields.stored_fields(kind)
    stored, pks = {}, {}
    for pk, *values in (
        MODEL[kind].objects.filter(external_id__in=list(pending)).values_list("pk", *fields)
    ):
        record = dict(zip(fields, values, strict=True))
        stored[record["external_id"]] = record
        pks[record["external_id"]] = pk
    staff = {}
    if kind == "clients" and any("responsible_staff" in p.values for p in pending.values()):
        staff = _stored_staff(pks.values())
    complete = COMPLETE[kind]
    settled, problems = _Settled(), []
    for key, row in pending.items():
        old = stored.get(key)
        try:
            full = complete(row.values, old)
        except RowError as exc:
            problems.append((row.number, exc))
            continue
        changed = old is None or any(full[name] != old[name] for name in fields)
        if "responsible_staff" in row.values and (
            old is None or set(row.values["responsible_staff"]) != staff.get(pks[key], set())
        ):
            settled.staff[key] = row.values["responsible_staff"]
        if old is None:
            settled.created += 1
        elif changed or key in settled.staff:
            settled.updated += 1
        else:
            settled.unchanged += 1
        if not changed:
            continue
        settled.writes.append((full, old, frozenset(row.values)))
        if old is None:
            continue
        if kind == "tickets" and full["client_id"] != old["client_id"]:
            settled.moved += 1
        if kind == "clients" and (
            full["contract_start"] != old["contract_start"] or full["segment"] != old["segment"]
        ):
            settled.regrouped[pks[key]] = old["segment"]
    return settled, problems


def _write_batch(kind: str, settled: _Settled, result: ImportResult, touched) -> None:
    """Write the new and changed records of one batch: a new one whole, a stored one in
    the fields its rows name (and the derived ones)."""
    fields = ticket_fields.stored_fields(kind)
    groups: dict[frozenset, list[dict]] = {}
    for full, old, named in settled.writes:
        groups.setdefault(named, []).append(full)
        if kind == "tickets":
            # The old client and day of a changed ticket: their rollups change too.
            if old is not None:
                touched.add(old["client_id"], old["opened_on"])
            touched.add(full["client_id"], full["opened_on"])
    model = MODEL[kind]
    for named, records in groups.items():
        # A ticket's derived fields follow its opened_at, which every row names.
        derived = ticket_fields.DERIVED_TICKET_FIELDS if kind == "tickets" else ()
        update_fields = sorted((named - {"external_id", "responsible_staff"}) | set(derived))
        if kind == "tickets":  # COPY on PostgreSQL
            rows = [tuple(record[name] for name in fields) for record in records]
            bulk.upsert(Ticket, fields, rows, "external_id", update_fields, BATCH_SIZE)
        else:
            model.objects.bulk_create(
                [model(**record) for record in records],
                update_conflicts=True,
                unique_fields=["external_id"],
                update_fields=update_fields,
                batch_size=BATCH_SIZE,
            )
    if settled.staff:
        _write_staff(settled.staff)
    result.created += settled.created
    result.updated += settled.updated
    result.unchanged += settled.unchanged
    result.moved += settled.moved


def _write_staff(staff: dict[str, list[int]]) -> None:
    if not staff:
        return
    through = Client.responsible_staff.through
    ids = dict(Client.objects.filter(external_id__in=list(staff)).values_list("external_id", "pk"))
    wanted = {(ids[key], user_id) for key, users in staff.items() for user_id in users}
    current = set(
        through.objects.filter(client_id__in=ids.values()).values_list("client_id", "user_id")
    )
    for client_id, user_id in current - wanted:
        through.objects.filter(client_id=client_id, user_id=user_id).delete()
    through.objects.bulk_create(
        [through(client_id=c, user_id=u) for c, u in wanted - current], ignore_conflicts=True
    )


class Upsert:
    """Rows of one kind applied to the stored records batch by batch, inside the caller's
    transaction; the CSV import and the webhook both write through this."""

    def __init__(self, kind: str):
        self.kind = kind
        self.result = ImportResult(kind=kind)
        self.touched = rollups.Touched()
        # {client id: segment before the import} of clients whose segment or contract
        # start changes (a later batch may change it again: the first is kept).
        self.regrouped: dict[int, str] = {}

    def batch(self, pending: dict[str, Pending], write: bool = True) -> list[tuple[int, RowError]]:
        """Check the batch against the stored records and, if every row passes and
        ``write`` is set, write it. Returns the failed rows as (number, RowError)."""
        settled, problems = _settle(self.kind, pending)
        if write and not problems:
            for pk, segment in settled.regrouped.items():
                self.regrouped.setdefault(pk, segment)
            _write_batch(self.kind, settled, self.result, self.touched)
        return problems

    def finish(self) -> ImportResult:
        """Refresh the rollups of what was written and, once the transaction commits,
        queue the threshold check."""
        if self.touched:
            self.touched.refresh()
        if self.regrouped:
            rollups.client_changed(self.regrouped, set(self.regrouped.values()))
        self.result.client_ids = self.touched.client_ids or sorted(self.regrouped)
        if self.kind in ("tickets", "clients") and (self.result.created or self.result.updated):
            from .tasks import queue_threshold_check

            queue_threshold_check()
        return self.result


def _log_rejected(kind: str, exc: ImportRejected, started: float) -> None:
    # Counts only: cells may hold client data.
    logger.info(
        "kpis.import_rejected kind=%s problems=%s seconds=%.3f",
        kind,
        len(exc.errors),
        time.monotonic() - started,
    )


def import_csv(kind: str, binary, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Validate then upsert a whole CSV file of ``kind`` (clients, technicians, tickets).

    ``binary`` is a seekable binary file. Raises ImportRejected (nothing written) if any
    row is bad. After the write, rollups of the touched clients and days are refreshed
    and the threshold check is queued once the transaction commits. ``progress`` is
    called with the number of rows read so far after each batch."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    started = time.monotonic()
    try:
        _reject_binary(binary)
        result = _write(kind, binary, progress)
    except ImportRejected as exc:
        _log_rejected(kind, exc, started)
        raise
    logger.info(
        "kpis.import kind=%s rows=%s created=%s updated=%s unchanged=%s moved=%s "
        "ignored_columns=%s seconds=%.3f",
        kind,
        result.rows,
        result.created,
        result.updated,
        result.unchanged,
        result.moved,
        len(result.ignored_columns),
        time.monotonic() - started,
    )
    return result


def _write(kind: str, binary, progress) -> ImportResult:
    """Check and upsert every row in one transaction. A bad row or a database error rolls
    the whole file back and raises ImportRejected."""
    try:
        return _write_all(kind, binary, progress)
    except DatabaseError as exc:
        # The message may quote cell values; the log names only the kind of error.
        logger.error("kpis.import_failed kind=%s error=%s", kind, type(exc).__name__)
        raise ImportRejected(
            [
                _(
                    "The database could not store the file (%(error)s); nothing was imported. "
                    "Please try again; if it happens again, tell your administrator."
                )
                % {"error": type(exc).__name__}
            ]
        ) from None


def _write_all(kind: str, binary, progress) -> ImportResult:
    lookups = _lookups(kind)
    upsert = Upsert(kind)
    ignored: list[str] = []
    problems: list[tuple[int, str]] = []  # (row number, message)
    cut_short = False

    def check(pending) -> None:
        # Once a row is bad nothing more is written; the rest is only checked.
        for number, exc in upsert.batch(pending, write=not problems):
            problems.append((number, row_message(number, exc.column, exc.reason)))

    with transaction.atomic():
        pending: dict[str, Pending] = {}
        for row_number, row in _rows(binary, kind, ignored):
            try:
                values = _clean(kind, row, lookups)
            except RowError as exc:
                problems.append((row_number, row_message(row_number, exc.column, exc.reason)))
                if len(problems) >= MAX_ERRORS:
                    cut_short = True
                    break
                continue
            upsert.result.rows += 1
            add_row(pending, row_number, values)
            if len(pending) >= BATCH_SIZE:
                check(pending)
                pending = {}
                if progress:
                    progress(upsert.result.rows)
                if len(problems) >= MAX_ERRORS:
                    cut_short = True
                    break
        if pending and not cut_short:
            check(pending)
        if problems:
            # Rows failing a check across columns are found with their batch: sort.
            problems.sort(key=lambda problem: problem[0])
            errors = [message for _number, message in problems[:MAX_ERRORS]]
            if cut_short or len(problems) > MAX_ERRORS:
                errors.append(_("… further rows not checked."))
            raise ImportRejected(errors)  # rolls back what earlier batches wrote
        upsert.result.ignored_columns = ignored
        return upsert.finish()


def open_upload(uploaded_file):
    """A binary, seekable file object for an uploaded file (kept on disk when large)."""
    handle = uploaded_file.open("rb")
    if isinstance(handle, codecs.StreamReader):  # pragma: no cover - defensive
        return handle.stream
    return handle
