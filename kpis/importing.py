"""File import of clients, contacts, technicians and tickets, CSV or .xlsx (see
docs/import.md).

``import_csv(kind, binary)`` reads the file once, streaming, in one transaction, with
the importer of its kind (``ClientImporter``, ``ContactImporter``, ``TechnicianImporter``,
``TicketImporter``) into one data source (the CSV source unless named): every row is read through the kind's columns (``kpis.columns``,
each with its parser) and written by external id through ``kpis.upsert`` in batches. At
the first bad row writing stops, the rest of the file is still checked (up to MAX_ERRORS
problems are reported), and the transaction is rolled back: nothing is written if any
row is bad. Memory stays flat whatever the file size: rows are read one at a time
(``kpis.tables``: a CSV file or a workbook's sheet, as text) and written in batches.

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
import dataclasses
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from organisation.models import CSV_SOURCE_ID, Client, Technician, ids_by_external_id

from . import columns, tables
from .mappings import Mapping
from .tables import ImportRejected
from .ticket_fields import RowError, RowErrors, storable
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


@dataclass
class ImportResult(Written):
    """What an import did (the counts of ``Written``) and what it left out."""

    kind: str = ""
    # Unknown header names, as written in the file.
    ignored_columns: list[str] = field(default_factory=list)

    COUNTS = ("rows", "created", "updated", "unchanged", "moved", "without_requester")

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
        if self.without_requester:
            lines.append(
                ngettext(
                    "%(n)d ticket has no requester: its contact is not known by that id and "
                    "the file has no e-mail column to create it. Import the contacts with "
                    "their ids, then this file again, to link them.",
                    "%(n)d tickets have no requester: their contacts are not known by those "
                    "ids and the file has no e-mail column to create them. Import the "
                    "contacts with their ids, then this file again, to link them.",
                    self.without_requester,
                )
                % {"n": self.without_requester}
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


class TableHeader:
    """How the rows of a table become {column: text}: by the product's column names
    (``kpis.columns.read_header``) or by a column mapping (``kpis.mappings``). Raises
    ImportRejected for a header that cannot be read."""

    def __init__(self, table: tables.Table, kind: str, mapping: Mapping | None = None):
        self.width = len(table.names)
        if mapping is None:
            header = columns.read_header(kind, table.names)
            problems = header.messages
            # Ignored columns are left out of the rows.
            self.indexes = {column: index for index, column in enumerate(header.columns) if column}
            self.file_names: dict[str, str] = {}
            self.ignored = header.ignored
            self.unused: list[str] = []
        else:
            header = mapping.read_header(table.names)
            problems = header.problems
            self.indexes, self.file_names = header.indexes, header.file_names
            # A PSA's export has many columns a mapping does not use: not worth a remark.
            self.ignored = []
            self.unused = header.unused
        if problems:
            raise ImportRejected(problems)

    def row(self, cells: list[str]) -> dict:
        """{column: text} of a row's cells; missing cells at the end are empty."""
        count = len(cells)
        return {
            column: cells[index] if index < count else "" for column, index in self.indexes.items()
        }

    def file_column(self, column: str | None) -> str | None:
        """The file's name of a column, for messages."""
        return self.file_names.get(column, column) if column else column

    def message(self, table: tables.Table, number: int, column: str | None, reason: str) -> str:
        """A problem of a row, naming the file's column (and, in a workbook, the sheet)."""
        return table.row_message(number, self.file_column(column), reason)


def _rows(table: tables.Table, header: TableHeader):
    """(row number as in a spreadsheet, {column: text}) for every data row of ``table``;
    raises ImportRejected for problems with the file as a whole."""
    any_rows = False
    for row_number, cells in table.rows():
        any_rows = True
        if len(cells) > header.width:
            raise ImportRejected(
                [
                    table.row_message(
                        row_number, None, _("has more cells than the header has columns")
                    )
                ]
            )
        if not any(value.strip() for value in cells):
            continue  # blank line, e.g. at the end of an Excel export
        yield row_number, header.row(cells)
    if not any_rows:
        raise ImportRejected([table.no_rows_message()])


def check_file(kind: str, binary, sheet: str = "", mapping: Mapping | None = None) -> None:
    """Refuse a file that cannot be imported whatever its rows say (not a CSV file or a
    workbook, a bad header, no data rows, a sheet the workbook lacks) without reading past
    its first row; raises ImportRejected. The upload page runs this before it stores
    the file for the preview and the import task."""
    started = time.monotonic()
    try:
        with contextlib.closing(tables.open_table(binary, sheet)) as table:
            rows = _rows(table, TableHeader(table, kind, mapping))
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

    def __init__(self, data_source_id: int = CSV_SOURCE_ID, mapping: Mapping | None = None):
        self.data_source_id = data_source_id
        self.mapping = mapping

    def write(self, rows, **options) -> Written:
        return self.upsert(rows, data_source_id=self.data_source_id, **options)

    def lookups(self) -> dict:
        """What the columns' parsers look up (external ids -> ids), read once."""
        return {}

    def known(self, lookups: dict) -> dict[str, Callable[[str], bool]]:
        """{column: whether a value names a known record}, for a mapping's list cells."""
        return {}

    def rows(self, table: tables.Table, header: TableHeader):
        """(row number, field values or the RowError of a bad cell) for every data row."""
        read = self.reader(table)
        with contextlib.closing(_rows(table, header)) as rows:
            for number, row in rows:
                yield number, read(row)

    def reader(self, table: tables.Table) -> Callable[[dict], dict | RowError]:
        """A function from a row's {column: text} to its field values, or the RowError
        of its first bad cell: through the mapping, then the columns' parsers."""
        lookups = self.lookups()
        translate = self.mapping.translate if self.mapping else None
        known = self.known(lookups)

        def read(row: dict) -> dict | RowError:
            # Every problem of the row: the cells the mapping cannot read, then the
            # parsers' findings in the other cells.
            unreadable: list[RowError] = []
            if translate:
                translated = {}
                for column, text in row.items():
                    try:
                        translated[column] = translate(column, text, known.get(column))
                    except RowError as exc:
                        unreadable.append(exc)
                row = translated
            reported = frozenset(error.column for error in unreadable)
            try:
                values = columns.clean_row(self.kind_columns, row, lookups, reported)
            except RowError as exc:
                return RowErrors.of(_in_column_order(self.kind_columns, unreadable + exc.errors))
            return RowErrors.of(unreadable) if unreadable else values

        return read


def _in_column_order(kind_columns, errors: list[RowError]) -> list[RowError]:
    order = {column.name: index for index, column in enumerate(kind_columns)}
    return sorted(errors, key=lambda error: order.get(error.column, len(order)))


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

    def write(self, rows, **options) -> Written:
        if self.mapping is not None:  # the mapping decides, not the data source
            options["creates_contacts"] = self.mapping.creates_contacts
            options["keep_unknown_requesters"] = True
        return super().write(rows, **options)

    def known(self, lookups: dict) -> dict[str, Callable[[str], bool]]:
        return {
            "technician": lookups["technicians"].__contains__,
            "technician_email": lambda address: address.lower() in lookups["technician_emails"],
        }

    def lookups(self) -> dict:
        lookups = ticket_lookups(self.data_source_id)
        lookups["unknown_technicians_unassigned"] = bool(
            self.mapping and self.mapping.unknown_technicians_unassigned
        )
        return lookups


def ticket_lookups(data_source_id: int, rows: list[dict] | None = None) -> dict:
    """The clients and technicians ticket rows of ``data_source_id`` may name (the
    parsers' lookups): all of them, or only those ``rows`` name (the webhook's few)."""

    def keys(column: str):
        if rows is None:
            return None
        # Keys no column can hold (NUL, lone surrogates) cannot match and would break the
        # query; the row check names them.
        found = {str(row.get(column) or "").strip() for row in rows} - {""}
        return {key for key in found if storable(key)}

    addresses = keys("technician_email")
    return {
        "clients": ids_by_external_id(Client.objects, data_source_id, keys("client")),
        "technicians": ids_by_external_id(Technician.objects, data_source_id, keys("technician")),
        "technician_emails": Technician.objects.ids_by_email(
            None if addresses is None else {key.lower() for key in addresses}
        ),
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
    sheet: str = "",
    data_source_id: int = CSV_SOURCE_ID,
    mapping: Mapping | None = None,
) -> ImportResult:
    """Validate then upsert a whole file of ``kind`` (clients, contacts, technicians,
    tickets) into the data source ``data_source_id``: CSV, or an .xlsx workbook's sheet
    ``sheet`` (the first when empty), in the product's column names or read through
    ``mapping`` (kpis.mappings).

    ``binary`` is a seekable binary file. Raises ImportRejected (nothing written) if any
    row is bad. After the write, rollups of the touched clients and days are refreshed
    and the threshold check is queued once the transaction commits. ``progress`` is
    called with the number of rows read so far after each batch."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    started = time.monotonic()
    try:
        with contextlib.closing(tables.open_table(binary, sheet)) as table:
            importer = IMPORTERS[kind](data_source_id, mapping)
            result = _write(importer, table, progress)
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


def _write(importer: Importer, table: tables.Table, progress) -> ImportResult:
    """Check and upsert every row in one transaction. A bad row or a database error rolls
    the whole file back and raises ImportRejected."""
    try:
        return _write_all(importer, table, progress)
    except DatabaseError as exc:
        # The message may quote cell values; the log names only the kind of error.
        logger.error("kpis.import_failed kind=%s error=%s", importer.kind, type(exc).__name__)
        raise ImportRejected(
            [
                _(
                    "The database could not store the file (%(error)s); nothing was imported. "
                    "Please try again; if it happens again, tell your administrator."
                )
                % {"error": type(exc).__name__}
            ]
        ) from None


def _write_all(importer: Importer, table: tables.Table, progress) -> ImportResult:
    header = TableHeader(table, importer.kind, importer.mapping)
    try:
        # Closed before the caller closes the file, also when a bad row stops the import.
        with transaction.atomic(), contextlib.closing(importer.rows(table, header)) as rows:
            written = importer.write(rows, max_errors=MAX_ERRORS, progress=progress)
    except RowsRejected as exc:  # rolled back what earlier batches wrote
        errors = [
            header.message(table, number, error.column, error.reason)
            for number, error in exc.problems[:MAX_ERRORS]
        ]
        if exc.cut_short or len(exc.problems) > MAX_ERRORS:
            errors.append(_("… further rows not checked."))
        raise ImportRejected(errors) from None
    return ImportResult.from_written(importer.kind, written, header.ignored)


def open_upload(uploaded_file):
    """A binary, seekable file object for an uploaded file (kept on disk when large)."""
    handle = uploaded_file.open("rb")
    if isinstance(handle, codecs.StreamReader):  # pragma: no cover - defensive
        return handle.stream
    return handle


# --- Preview ------------------------------------------------------------------------

PREVIEW_ROWS = 10


@dataclass
class PreviewRow:
    number: int
    # {column: the file's text}
    texts: dict
    # {field: value} as the import would store them, or None when the row is bad.
    values: dict | None
    # Why the row would refuse the file, display-ready; "" when it is fine.
    error: str = ""


@dataclass
class Preview:
    """The first rows of a file as the import would read them (nothing is stored)."""

    kind: str
    # (column, the file's column name) of every column the file fills, in column order.
    columns: list[tuple[columns.Column, str]]
    # File columns the mapping does not use, or unknown names without a mapping.
    unused: list[str]
    rows: list[PreviewRow]
    # Whether the file has rows after those previewed.
    more: bool
    # (row number, column, reason) -> the message as the import words it (the file's
    # column name; in a workbook, the sheet).
    message: Callable[[int, str | None, str], str]
    # Read through a column mapping (kpis.requesters keeps unknown requesters then).
    mapped: bool = False


def preview(
    kind: str,
    binary,
    sheet: str = "",
    mapping: Mapping | None = None,
    data_source_id: int = CSV_SOURCE_ID,
    limit: int = PREVIEW_ROWS,
) -> Preview:
    """The first ``limit`` data rows of a file read as ``import_csv`` reads them, each
    with its values or the reason it would refuse the file; raises ImportRejected for a
    file that cannot be imported at all. Checks that need the stored records or all the
    rows (a requester to be created, an answer before the stored opening) come with the
    import, which still refuses the whole file for any bad row."""
    importer = IMPORTERS[kind](data_source_id, mapping)
    with contextlib.closing(tables.open_table(binary, sheet)) as table:
        header = TableHeader(table, kind, mapping)
        read = importer.reader(table)
        rows: list[PreviewRow] = []
        more = False
        with contextlib.closing(_rows(table, header)) as numbered:
            for number, texts in numbered:
                if len(rows) == limit:
                    more = True
                    break
                values = read(texts)
                if isinstance(values, RowError):
                    error = " ".join(
                        header.message(table, number, e.column, e.reason) for e in values.errors
                    )
                    rows.append(PreviewRow(number, texts, None, error))
                else:
                    rows.append(PreviewRow(number, texts, values))
    shown = [
        (column, header.file_names.get(column.name, column.name))
        for column in importer.kind_columns
        if column.name in header.indexes
    ]
    unused = header.unused if mapping is not None else header.ignored
    message = functools.partial(header.message, table)
    return Preview(kind, shown, unused, rows, more, message, mapped=mapping is not None)
