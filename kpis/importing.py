"""CSV import of clients, contacts, technicians and tickets (see docs/import.md).

``import_csv(kind, binary)`` reads the file once, streaming, in one transaction, with
the importer of its kind (``ClientImporter``, ``ContactImporter``, ``TechnicianImporter``,
``TicketImporter``) into one data source (the CSV source unless named): every row is read through the kind's columns (``kpis.columns``,
each with its parser) and written by external id through ``kpis.upsert`` in batches. At
the first bad row writing stops, the rest of the file is still checked (up to MAX_ERRORS
problems are reported), and the transaction is rolled back: nothing is written if any
row is bad. Memory stays flat whatever the file size: rows are parsed one at a time
through ``csv.DictReader`` over a text wrapper and written in batches.

A row changes only what it names (``kpis.upsert``, shared with the webhook): a stored
record keeps the value of every optional column the file leaves out. Only records whose
values change are written; the result counts new, updated and unchanged rows and
tickets moved to another client.

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
import contextlib
import csv
import dataclasses
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

from organisation.models import CSV_SOURCE_ID, Client, Technician, ids_by_external_id

from . import columns
from .ticket_fields import RowError
from .upsert import (
    RowsRejected,
    Written,
    upsert_clients,
    upsert_contacts,
    upsert_technicians,
    upsert_tickets,
)

logger = logging.getLogger("kpis.importing")

MAX_ERRORS = 20
# A header longer than this has no line break where it should: reading on would load a
# whole file without line breaks into memory.
MAX_HEADER_CHARS = 10_000


class ImportRejected(Exception):
    """The file was not imported; ``errors`` are display-ready messages."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class ImportResult(Written):
    """What an import did (the counts of ``Written``) and what it left out."""

    kind: str = ""
    # Unknown header names, as written in the file.
    ignored_columns: list[str] = field(default_factory=list)

    COUNTS = ("rows", "created", "updated", "unchanged", "moved")

    def counts(self) -> dict:
        """The figures as JSON-ready values (an import job stores them)."""
        data = {name: getattr(self, name) for name in self.COUNTS}
        data["ignored_columns"] = list(self.ignored_columns)
        return data

    @classmethod
    def from_written(cls, kind: str, written: Written, ignored_columns: list[str]):
        return cls(kind=kind, ignored_columns=ignored_columns, **dataclasses.asdict(written))

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


# --- Importers ------------------------------------------------------------------------


class Importer:
    """Reads the rows of one kind through its columns and writes them with its upsert
    into one data source."""

    kind: str
    # The kind's columns (kpis.columns), each with its parser.
    kind_columns: list[columns.Column]
    # (numbered rows, data_source_id=, max_errors=, progress=) -> Written (kpis.upsert)
    upsert: Callable

    def __init__(self, data_source_id: int = CSV_SOURCE_ID):
        self.data_source_id = data_source_id

    def write(self, rows, **options) -> Written:
        return self.upsert(rows, data_source_id=self.data_source_id, **options)

    def lookups(self) -> dict:
        """What the columns' parsers look up (external ids -> ids), read once."""
        return {}

    def rows(self, binary, ignored: list[str]):
        """(row number, field values or the RowError of a bad cell) for every data row."""
        lookups = self.lookups()
        with contextlib.closing(_rows(binary, self.kind, ignored)) as rows:
            for number, row in rows:
                try:
                    yield number, columns.clean_row(self.kind_columns, row, lookups)
                except RowError as exc:
                    yield number, exc


class ClientImporter(Importer):
    kind = "clients"
    kind_columns = columns.CLIENT_COLUMNS
    upsert = staticmethod(upsert_clients)

    def lookups(self) -> dict:
        # Responsible staff by sign-in name or e-mail, compared without case.
        users = get_user_model().objects.filter(is_active=True)
        staff = {}
        for pk, username, email in users.annotate(
            u=Lower("username"), e=Lower("email")
        ).values_list("pk", "u", "e"):
            staff[username] = pk
            if email:
                staff.setdefault(email, pk)
        return {"staff": staff}


class ContactImporter(Importer):
    kind = "contacts"
    kind_columns = columns.CONTACT_COLUMNS
    upsert = staticmethod(upsert_contacts)

    def lookups(self) -> dict:
        return {"clients": ids_by_external_id(Client.objects, self.data_source_id)}


class TechnicianImporter(Importer):
    kind = "technicians"
    kind_columns = columns.TECHNICIAN_COLUMNS
    upsert = staticmethod(upsert_technicians)


class TicketImporter(Importer):
    kind = "tickets"
    kind_columns = columns.TICKET_COLUMNS
    upsert = staticmethod(upsert_tickets)

    def lookups(self) -> dict:
        return {
            "clients": ids_by_external_id(Client.objects, self.data_source_id),
            "technicians": ids_by_external_id(Technician.objects, self.data_source_id),
            "technician_emails": Technician.objects.ids_by_email(),
        }


IMPORTERS = {
    importer.kind: importer
    for importer in (ClientImporter, ContactImporter, TechnicianImporter, TicketImporter)
}
KINDS = tuple(IMPORTERS)


def _log_rejected(kind: str, exc: ImportRejected, started: float) -> None:
    # Counts only: cells may hold client data.
    logger.info(
        "kpis.import_rejected kind=%s problems=%s seconds=%.3f",
        kind,
        len(exc.errors),
        time.monotonic() - started,
    )


def import_csv(
    kind: str,
    binary,
    progress: Callable[[int], None] | None = None,
    data_source_id: int = CSV_SOURCE_ID,
) -> ImportResult:
    """Validate then upsert a whole CSV file of ``kind`` (clients, contacts, technicians,
    tickets) into the data source ``data_source_id``.

    ``binary`` is a seekable binary file. Raises ImportRejected (nothing written) if any
    row is bad. After the write, rollups of the touched clients and days are refreshed
    and the threshold check is queued once the transaction commits. ``progress`` is
    called with the number of rows read so far after each batch."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    started = time.monotonic()
    try:
        _reject_binary(binary)
        result = _write(kind, binary, progress, data_source_id)
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


def _write(kind: str, binary, progress, data_source_id: int) -> ImportResult:
    """Check and upsert every row in one transaction. A bad row or a database error rolls
    the whole file back and raises ImportRejected."""
    try:
        return _write_all(kind, binary, progress, data_source_id)
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


def _write_all(kind: str, binary, progress, data_source_id: int) -> ImportResult:
    importer = IMPORTERS[kind](data_source_id)
    ignored: list[str] = []
    try:
        # Closed before the caller closes the file, also when a bad row stops the import.
        with transaction.atomic(), contextlib.closing(importer.rows(binary, ignored)) as rows:
            written = importer.write(rows, max_errors=MAX_ERRORS, progress=progress)
    except RowsRejected as exc:  # rolled back what earlier batches wrote
        errors = [
            row_message(number, error.column, error.reason)
            for number, error in exc.problems[:MAX_ERRORS]
        ]
        if exc.cut_short or len(exc.problems) > MAX_ERRORS:
            errors.append(_("… further rows not checked."))
        raise ImportRejected(errors) from None
    return ImportResult.from_written(kind, written, ignored)


def open_upload(uploaded_file):
    """A binary, seekable file object for an uploaded file (kept on disk when large)."""
    handle = uploaded_file.open("rb")
    if isinstance(handle, codecs.StreamReader):  # pragma: no cover - defensive
        return handle.stream
    return handle
