"""An uploaded table, CSV or Excel (.xlsx), read as a header and rows of text.

``open_table(binary, sheet)`` recognises the file by its content, not its name: an .xlsx
workbook is a zip archive holding the Office Open XML parts; anything else is read as CSV
text. Both give the header's names and then (row number as in a spreadsheet, cells as
text) for every row, so the import reads both through the same columns and parsers
(``kpis.ticket_fields``) and checks them alike. ``Table.row_message`` says where a
problem lies: "Row 7, column “opened_at”: …", in a workbook also the sheet's name.

Workbooks are read with openpyxl in read-only mode, streaming a sheet's rows from the zip
archive; only its shared strings (text cells, each distinct text once) are held in
memory. Cell values become the text the parsers accept: dates "2026-03-02", date-times
"2026-03-02T09:15:00", whole numbers without ".0", booleans "true"/"false".
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import decimal
import io
import zipfile
from collections.abc import Iterator

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .columns import quoted

SNIFF_BYTES = 8192
# A header longer than this has no line break where it should: reading on would load a
# whole file without line breaks into memory.
MAX_HEADER_CHARS = 10_000
ZIP = b"PK\x03\x04"
# The Compound File Binary format: an .xls workbook, or a password-protected .xlsx (Excel
# encrypts the OOXML package into a stream of this name).
COMPOUND_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
# Files managers upload by mistake, recognised by their first bytes.
OTHER_BINARY = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"\x1f\x8b",  # gzip
)
SCAN_BYTES = 1024 * 1024
# A workbook is a zip archive: a sheet of tickets unpacks to about 8 times its packed
# size (a 50 MB upload to some 400 MB of XML, streamed). Far more hints at a "zip bomb";
# the shared strings, which are read whole, are part of this bound.
MAX_UNPACKED_BYTES = 2 * 1024**3


class ImportRejected(Exception):
    """The file was not imported; ``errors`` are display-ready messages."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class SheetMissing(ImportRejected):
    """The chosen sheet is not in the workbook (the upload form names its sheets)."""


def row_message(row_number: int, column: str | None, reason: str) -> str:
    if column:
        return _("Row %(row)d, column “%(column)s”: %(reason)s") % {
            "row": row_number,
            "column": column,
            "reason": reason,
        }
    return _("Row %(row)d: %(reason)s") % {"row": row_number, "reason": reason}


class Table:
    """A CSV file's header and rows; ``WorkbookTable`` reads a sheet of a workbook."""

    def __init__(self, binary):
        binary.seek(0)
        self._text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        self._row_number = 1
        try:
            header_line = self._text.readline(MAX_HEADER_CHARS + 1)
        except UnicodeDecodeError:
            self.close()
            raise ImportRejected([self._not_utf8()]) from None
        if len(header_line) > MAX_HEADER_CHARS:  # no line break: not a CSV header
            self.close()
            raise ImportRejected(
                [
                    _("Row 1: the header row is longer than %(n)d characters.")
                    % {"n": MAX_HEADER_CHARS}
                ]
            )
        if not header_line.strip():
            self.close()
            raise ImportRejected([_("The file is empty: it needs a header row and data rows.")])
        self._delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
        self.names: list[str] = next(csv.reader([header_line], delimiter=self._delimiter))

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of every row after the header; empty lines are skipped."""
        try:
            for cells in csv.reader(self._text, delimiter=self._delimiter):
                if not cells:  # an empty line is not counted, as before
                    continue
                self._row_number += 1
                yield self._row_number, cells
        except UnicodeDecodeError:
            raise ImportRejected([self._not_utf8()]) from None
        except csv.Error as exc:
            raise ImportRejected(
                [
                    row_message(
                        self._row_number + 1,
                        None,
                        _(
                            "the file cannot be read as CSV (%(problem)s); a cell may be too "
                            "large or a quote unclosed."
                        )
                        % {"problem": exc},
                    )
                ]
            ) from None

    def _not_utf8(self) -> str:
        return _(
            "Row %(row)d: the file is not UTF-8 encoded (perhaps Windows-1252 or "
            "Latin-1). In Excel choose “Save as” > “CSV UTF-8 (comma delimited)”."
        ) % {"row": self._row_number + 1}

    def row_message(self, row_number: int, column: str | None, reason: str) -> str:
        return row_message(row_number, column, reason)

    def no_rows_message(self) -> str:
        return _("The file has a header row but no data rows.")

    def close(self) -> None:
        # The caller closes the file itself.
        with contextlib.suppress(ValueError):
            self._text.detach()


class WorkbookTable(Table):
    """A sheet of an .xlsx workbook: the chosen one, or the first."""

    def __init__(self, binary, sheet: str = ""):
        import openpyxl  # only a workbook upload pays for loading it

        binary.seek(0)
        try:
            self._book = openpyxl.load_workbook(binary, read_only=True, data_only=True)
        except Exception:  # zipfile, XML and openpyxl errors alike: a damaged file
            raise ImportRejected([_damaged()]) from None
        titles = [worksheet.title for worksheet in self._book.worksheets]
        if sheet and sheet not in titles:
            self.close()
            raise SheetMissing(
                [
                    _("The workbook has no sheet “%(sheet)s”. Its sheets: %(sheets)s.")
                    % {"sheet": sheet, "sheets": quoted(titles)}
                ]
            )
        if not titles:
            self.close()
            raise ImportRejected([_damaged()])
        self.sheet = sheet or titles[0]
        worksheet = self._book[self.sheet]
        # The stored dimensions may be wrong (some exporters write none or too small a
        # range): read every row there is, however long.
        worksheet.reset_dimensions()
        self._rows = enumerate(worksheet.iter_rows(values_only=True), start=1)
        for _number, values in self._rows_read():
            if any(value is not None and str(value).strip() for value in values):
                self.names = _trimmed([cell_text(value) for value in values])
                return
        self.close()
        raise ImportRejected(
            [
                _("The sheet “%(sheet)s” is empty: it needs a header row and data rows.")
                % {"sheet": self.sheet}
            ]
        )

    def _rows_read(self):
        while True:
            try:
                item = next(self._rows, None)
            except Exception:  # a damaged sheet, found only while reading it
                raise ImportRejected([_damaged()]) from None
            if item is None:
                return
            yield item

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        for number, values in self._rows_read():
            # Most cells hold text: only the others go through cell_text.
            cells = [value if type(value) is str else cell_text(value) for value in values]
            if cells := _trimmed(cells):
                yield number, cells

    def row_message(self, row_number: int, column: str | None, reason: str) -> str:
        if column:
            return _("Sheet “%(sheet)s”, row %(row)d, column “%(column)s”: %(reason)s") % {
                "sheet": self.sheet,
                "row": row_number,
                "column": column,
                "reason": reason,
            }
        return _("Sheet “%(sheet)s”, row %(row)d: %(reason)s") % {
            "sheet": self.sheet,
            "row": row_number,
            "reason": reason,
        }

    def no_rows_message(self) -> str:
        return _("The sheet “%(sheet)s” has a header row but no data rows.") % {"sheet": self.sheet}

    def close(self) -> None:
        self._book.close()


class TypedNumber(str):
    """The text of a workbook cell that holds a number (not text that looks like one): a
    column mapping's decimal separator does not apply to it."""

    __slots__ = ()


def cell_text(value) -> str:
    """A workbook cell's value as the text a CSV file would hold for it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return TypedNumber(int(value))
    if isinstance(value, int | float | decimal.Decimal):
        return TypedNumber(value)
    if isinstance(value, datetime.datetime):
        # Excel stores a date as a date-time at midnight.
        if value.time() == datetime.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _trimmed(cells: list[str]) -> list[str]:
    """Without the empty cells at the end (Excel keeps formatted but empty cells)."""
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def _damaged() -> str:
    return _(
        "The Excel workbook cannot be read; it may be damaged. Open it in Excel and save it "
        "again as “Excel workbook (.xlsx)” or as “CSV UTF-8 (comma delimited)”."
    )


def open_table(binary, sheet: str = "") -> Table:
    """The table in ``binary`` (a seekable binary file): a sheet of an .xlsx workbook
    (``sheet``, or the first) or a CSV file. Raises ImportRejected for any other file.
    The caller closes the table (``contextlib.closing``)."""
    binary.seek(0)
    head = binary.read(SNIFF_BYTES)
    binary.seek(0)
    if head.startswith(ZIP):
        if _is_workbook(binary):
            return WorkbookTable(binary, sheet)
        raise ImportRejected([_not_a_table()])
    if head.startswith(COMPOUND_FILE):
        if _contains(binary, ENCRYPTED_PACKAGE):
            raise ImportRejected(
                [
                    _(
                        "The Excel workbook is protected by a password. Remove the password "
                        "(“File” > “Info” > “Protect workbook”) and upload it again."
                    )
                ]
            )
        raise ImportRejected(
            [
                _(
                    "This is an old Excel workbook (.xls). In Excel choose “Save as” > “Excel "
                    "workbook (.xlsx)” or “CSV UTF-8 (comma delimited)”."
                )
            ]
        )
    # Text files hold no NUL byte.
    if head.startswith(OTHER_BINARY) or b"\x00" in head:
        raise ImportRejected([_not_a_table()])
    return Table(binary)


def _not_a_table() -> str:
    return _(
        "This is neither a CSV text file nor an Excel workbook (.xlsx) (perhaps an archive, "
        "a PDF or an image). In Excel choose “Save as” > “CSV UTF-8 (comma delimited)” or "
        "“Excel workbook (.xlsx)”."
    )


def _is_workbook(binary) -> bool:
    """Whether the zip archive holds a spreadsheet's Office Open XML parts; raises
    ImportRejected for one that unpacks to more than MAX_UNPACKED_BYTES."""
    try:
        with zipfile.ZipFile(binary) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise ImportRejected([_damaged()]) from None
    finally:
        binary.seek(0)
    names = {part.filename for part in parts}
    if not ("[Content_Types].xml" in names and "xl/workbook.xml" in names):
        return False
    # The sizes are the archive's own word, but a part never unpacks to more than its
    # stated size (zipfile stops there), so they bound what reading can cost.
    if sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
        raise ImportRejected(
            [
                _(
                    "The Excel workbook unpacks to more than %(size)s, too much to import. "
                    "Save it as “CSV UTF-8 (comma delimited)” or split it into smaller files."
                )
                % {"size": filesizeformat(MAX_UNPACKED_BYTES)}
            ]
        )
    return True


def _contains(binary, marker: bytes) -> bool:
    """Whether ``marker`` occurs in the file, read a megabyte at a time."""
    binary.seek(0)
    tail = b""
    try:
        while block := binary.read(SCAN_BYTES):
            if marker in tail + block:
                return True
            tail = block[-len(marker) :]
        return False
    finally:
        binary.seek(0)
