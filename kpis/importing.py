"""CSV import of clients, technicians and tickets (see docs/import.md).

``import_csv(kind, binary_file)`` reads the file once, streaming, in one transaction:
every row is validated and the valid rows are upserted by external id with
``bulk_create(update_conflicts=True)`` in batches. At the first bad row writing stops,
the rest of the file is still checked (up to MAX_ERRORS problems are reported), and the
transaction is rolled back: nothing is written if any row is bad. (Each row is parsed
once; validating the whole file before writing parsed every row twice.) Memory stays
flat whatever the file size: rows are parsed one at a time through ``csv.DictReader``
over a text wrapper and written in batches of BATCH_SIZE.

Decisions:
- Encoding: UTF-8, with or without byte order mark (Excel's "CSV UTF-8"). Anything else
  (e.g. Windows-1252 from "CSV (Trennzeichen-getrennt)") is rejected with a message
  that names the row and says how to save the file as UTF-8; guessing a code page could
  silently garble names.
- Delimiter: comma or semicolon (German Excel), detected from the header line.
- Optional columns that are missing from the file keep their stored values on update.
- The same external id twice in one file: the later row wins.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import bulk, rollups, ticket_fields
from .models import Client, Technician, Ticket
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
    updated: int = 0
    client_ids: list[int] = field(default_factory=list)

    def message(self) -> str:
        return ngettext(
            "%(rows)d row imported (%(created)d new, %(updated)d updated).",
            "%(rows)d rows imported (%(created)d new, %(updated)d updated).",
            self.rows,
        ) % {"rows": self.rows, "created": self.created, "updated": self.updated}


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


def _rows(binary, kind: str) -> Iterator[tuple[int, dict]]:
    """(row number as in a spreadsheet, {column: text}) for every data row; raises
    ImportRejected for problems with the file as a whole."""
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
        header = next(csv.reader([header_line], delimiter=delimiter))
        header = [name.strip().lower() for name in header]
        required = [c.name for c in ticket_fields.COLUMNS[kind] if c.required]
        missing = [name for name in required if name not in header]
        if missing:
            raise ImportRejected(
                [
                    _("Required column missing: %(columns)s. The header row reads: %(header)s.")
                    % {"columns": ", ".join(missing), "header": ", ".join(header)[:300]}
                ]
            )
        reader = csv.DictReader(text, fieldnames=header, delimiter=delimiter, restval=None)
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
        raise ImportRejected([row_message(row_number, None, exc.reason)]) from None
    finally:
        text.detach()
    if row_number == 1:
        raise ImportRejected([_("The file has a header row but no data rows.")])


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


def validate(kind: str, binary) -> int:
    """Every row checked without writing anything; returns the number of data rows or
    raises ImportRejected listing up to MAX_ERRORS problems. (import_csv checks while it
    writes; this is for a check alone.)"""
    lookups = _lookups(kind)
    errors = []
    count = 0
    for row_number, row in _rows(binary, kind):
        count += 1
        try:
            _clean(kind, row, lookups)
        except RowError as exc:
            errors.append(row_message(row_number, exc.column, exc.reason))
            if len(errors) >= MAX_ERRORS:
                errors.append(_("… further rows not checked."))
                break
    if errors:
        raise ImportRejected(errors)
    return count


# --- Writing ---------------------------------------------------------------------------

MODEL = {"clients": Client, "technicians": Technician, "tickets": Ticket}


def _write_batch(kind: str, batch: dict[str, dict], result: ImportResult, touched) -> None:
    model = MODEL[kind]
    existing = dict(
        model.objects.filter(external_id__in=list(batch)).values_list("external_id", "pk")
    )
    if kind == "tickets":
        # Old client and day of updated tickets: their rollups change too.
        for client_id, day in Ticket.objects.filter(external_id__in=list(existing)).values_list(
            "client_id", "opened_on"
        ):
            touched.add(client_id, day)
        for values in batch.values():
            touched.add(values["client_id"], values["opened_on"])
    staff = {
        key: values.pop("responsible_staff")
        for key, values in batch.items()
        if "responsible_staff" in values
    }
    fields = set()
    for values in batch.values():
        fields.update(values)
    update_fields = sorted(fields - {"external_id"})
    if kind == "tickets":
        # Every ticket row has the same fields (clean_ticket_row); COPY on PostgreSQL.
        names = ["external_id", *update_fields]
        rows = [tuple(values[name] for name in names) for values in batch.values()]
        bulk.upsert(Ticket, names, rows, "external_id", update_fields, BATCH_SIZE)
    else:
        model.objects.bulk_create(
            [model(**values) for values in batch.values()],
            update_conflicts=True,
            unique_fields=["external_id"],
            update_fields=update_fields,
            batch_size=BATCH_SIZE,
        )
    result.created += len(batch) - len(existing)
    result.updated += len(existing)
    if kind == "clients":
        _write_staff(staff)


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


def _remember(moved: dict[int, str], regrouped: dict[int, str]) -> None:
    """Keep the segment a client had before the import (a later batch may move it again)."""
    for pk, segment in regrouped.items():
        moved.setdefault(pk, segment)


def _regrouped_clients(batch: dict[str, dict]) -> dict[int, str]:
    """{client id: stored segment} of the batch's clients whose contract start or segment
    the batch changes: their rollups' onboarding flags and segment sums change."""
    stored = Client.objects.filter(external_id__in=list(batch)).values_list(
        "pk", "external_id", "contract_start", "segment"
    )
    return {
        pk: segment
        for pk, key, start, segment in stored
        if batch[key]["contract_start"] != start or batch[key].get("segment", segment) != segment
    }


def import_csv(kind: str, binary) -> ImportResult:
    """Validate then upsert a whole CSV file of ``kind`` (clients, technicians, tickets).

    ``binary`` is a seekable binary file. Raises ImportRejected (nothing written) if any
    row is bad. After the write, rollups of the touched clients and days are refreshed
    and the threshold check is queued once the transaction commits."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    started = time.monotonic()
    try:
        _reject_binary(binary)
        result = _write(kind, binary)
    except ImportRejected as exc:
        # Counts only: cells may hold client data.
        logger.info(
            "kpis.import_rejected kind=%s problems=%s seconds=%.3f",
            kind,
            len(exc.errors),
            time.monotonic() - started,
        )
        raise
    logger.info(
        "kpis.import kind=%s rows=%s created=%s updated=%s seconds=%.3f",
        kind,
        result.rows,
        result.created,
        result.updated,
        time.monotonic() - started,
    )
    return result


def _write(kind: str, binary) -> ImportResult:
    """Check and upsert every row in one transaction. A bad row or a database error rolls
    the whole file back and raises ImportRejected."""
    try:
        return _write_all(kind, binary)
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


def _write_all(kind: str, binary) -> ImportResult:
    lookups = _lookups(kind)
    result = ImportResult(kind=kind)
    touched = rollups.Touched()
    moved_clients: dict[int, str] = {}
    errors: list[str] = []
    with transaction.atomic():
        batch: dict[str, dict] = {}
        for row_number, row in _rows(binary, kind):
            try:
                values = _clean(kind, row, lookups)
            except RowError as exc:
                errors.append(row_message(row_number, exc.column, exc.reason))
                batch = {}  # nothing more is written; the rest is only checked
                if len(errors) >= MAX_ERRORS:
                    errors.append(_("… further rows not checked."))
                    break
                continue
            if errors:
                continue
            batch[values["external_id"]] = values
            result.rows += 1
            if len(batch) >= BATCH_SIZE:
                if kind == "clients":
                    _remember(moved_clients, _regrouped_clients(batch))
                _write_batch(kind, batch, result, touched)
                batch = {}
        if errors:
            raise ImportRejected(errors)  # rolls back what earlier batches wrote
        if batch:
            if kind == "clients":
                _remember(moved_clients, _regrouped_clients(batch))
            _write_batch(kind, batch, result, touched)
        if touched:
            touched.refresh()
        if moved_clients:
            rollups.client_changed(moved_clients, set(moved_clients.values()))
        result.client_ids = touched.client_ids or sorted(moved_clients)
        if kind in ("tickets", "clients"):
            from .tasks import queue_threshold_check

            queue_threshold_check()
    return result


def open_upload(uploaded_file):
    """A binary, seekable file object for an uploaded file (kept on disk when large)."""
    handle = uploaded_file.open("rb")
    if isinstance(handle, codecs.StreamReader):  # pragma: no cover - defensive
        return handle.stream
    return handle
