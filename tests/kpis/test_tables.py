"""The reader of uploaded tables (kpis/tables.py): a CSV file and an .xlsx workbook give the
same header and rows of text, recognised by content; bad files are refused by name."""

import contextlib
import datetime
import io
import zipfile

import pytest
from django.utils import translation

from kpis import tables

from .conftest import workbook


def read(binary, sheet="") -> tuple[list[str], list[tuple[int, list[str]]]]:
    with contextlib.closing(tables.open_table(binary, sheet)) as table:
        return table.names, list(table.rows())


def refusal(binary, sheet="") -> str:
    with pytest.raises(tables.ImportRejected) as caught, translation.override("en"):
        read(binary, sheet)
    [message] = caught.value.errors
    return message


def test_a_csv_file_gives_its_header_and_rows_as_text():
    names, rows = read(io.BytesIO(b"a;b\n1;x\n\n2;\n"))
    assert names == ["a", "b"]
    assert rows == [(2, ["1", "x"]), (3, ["2", ""])]


def test_workbook_cells_become_the_text_the_parsers_accept():
    data = workbook(
        (
            "Tickets",
            [
                ["external_id", "opened_at", "day", "count", "share", "flag", "empty", "at"],
                [
                    "T-1",
                    datetime.datetime(2026, 3, 2, 9, 15),
                    datetime.date(2026, 3, 2),
                    42.0,
                    8.5,
                    True,
                    None,
                    datetime.datetime(2026, 3, 2),
                ],
                [17, None, None, 3, 0.25, False, "", "text"],
            ],
        )
    )
    names, rows = read(data)
    assert names == ["external_id", "opened_at", "day", "count", "share", "flag", "empty", "at"]
    assert rows == [
        (2, ["T-1", "2026-03-02T09:15:00", "2026-03-02", "42", "8.5", "true", "", "2026-03-02"]),
        (3, ["17", "", "", "3", "0.25", "false", "", "text"]),
    ]


def test_cell_text_of_each_value_type():
    assert tables.cell_text(None) == ""
    assert tables.cell_text(1e16) == "10000000000000000"
    assert tables.cell_text(-3.0) == "-3"
    assert tables.cell_text(datetime.datetime(2026, 1, 2, 0, 0, 30)) == "2026-01-02T00:00:30"
    assert tables.cell_text(datetime.time(9, 30)) == "09:30:00"


def test_empty_rows_are_skipped_but_rows_keep_their_spreadsheet_numbers():
    data = workbook(("S", [[], ["a", "b", None, None], [], ["1", None], [None, None, None]]))
    names, rows = read(data)
    assert names == ["a", "b"]  # empty cells after the last name are no columns
    assert rows == [(4, ["1"])]


def test_the_first_sheet_is_read_unless_another_is_chosen():
    data = workbook(("Summary", [["a"], ["1"]]), ("Tickets", [["b"], ["2"]]))
    assert read(data) == (["a"], [(2, ["1"])])
    assert read(data, "Tickets") == (["b"], [(2, ["2"])])


def test_a_sheet_the_workbook_lacks_names_its_sheets():
    data = workbook(("Summary", [["a"]]), ("Tickets", [["b"]]))
    with pytest.raises(tables.SheetMissing), translation.override("en"):
        read(data, "Tikets")
    assert refusal(data, "Tikets") == (
        "The workbook has no sheet “Tikets”. Its sheets: “Summary”, “Tickets”."
    )


def test_an_empty_sheet_is_refused_with_its_name():
    assert refusal(workbook(("Leer", []))) == (
        "The sheet “Leer” is empty: it needs a header row and data rows."
    )


def test_a_workbook_is_recognised_by_content_not_by_name():
    data = workbook(("S", [["a"], ["1"]]))
    data.name = "export.csv"
    assert read(data) == (["a"], [(2, ["1"])])


def test_the_row_messages_of_a_workbook_name_the_sheet():
    with (
        contextlib.closing(tables.open_table(workbook(("Tickets", [["a"], ["1"]])))) as table,
        translation.override("en"),
    ):
        assert table.row_message(7, "opened_at", "is required") == (
            "Sheet “Tickets”, row 7, column “opened_at”: is required"
        )
        assert table.row_message(7, None, "bad") == "Sheet “Tickets”, row 7: bad"
    with translation.override("de"):
        assert tables.row_message(7, "opened_at", "x") == "Zeile 7, Spalte „opened_at“: x"


def test_a_damaged_workbook_is_refused():
    data = workbook(("S", [["a"], ["1"]])).getvalue()
    assert refusal(io.BytesIO(data[: len(data) // 2])).startswith(
        "The Excel workbook cannot be read; it may be damaged."
    )


def test_a_workbook_with_a_broken_sheet_is_refused():
    original = zipfile.ZipFile(workbook(("S", [["a"], ["1"]])))
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        for item in original.infolist():
            data = original.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # the XML ends in the middle
            archive.writestr(item, data)
    broken.seek(0)
    assert refusal(broken).startswith("The Excel workbook cannot be read")


def test_a_zip_archive_that_is_no_workbook_is_refused():
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refusal(data).startswith("This is neither a CSV text file nor an Excel workbook")


def test_an_old_xls_and_a_password_protected_workbook_are_told_apart():
    compound = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    assert refusal(io.BytesIO(compound + "Workbook".encode("utf-16-le"))).startswith(
        "This is an old Excel workbook (.xls)."
    )
    encrypted = compound + b"\x00" * (2 * tables.SCAN_BYTES) + tables.ENCRYPTED_PACKAGE
    assert refusal(io.BytesIO(encrypted)).startswith(
        "The Excel workbook is protected by a password."
    )


def test_the_messages_are_german_by_default():
    with pytest.raises(tables.ImportRejected) as caught, translation.override("de"):
        read(workbook(("Leer", [])))
    assert caught.value.errors == [
        "Das Tabellenblatt „Leer“ ist leer: Es braucht eine Kopfzeile und Datenzeilen."
    ]


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_reading(monkeypatch):
    monkeypatch.setattr(tables, "MAX_UNPACKED_BYTES", 1000)
    data = workbook(("S", [["a"] * 50, ["1"] * 50]))
    assert refusal(data).startswith(
        "The Excel workbook unpacks to more than 1000\xa0bytes, too much to import."
    )
