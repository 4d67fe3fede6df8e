"""Importing .xlsx workbooks: every kind through the same columns and checks as CSV, errors
naming sheet, row and column, nothing stored from a bad file, the chosen sheet through the
upload page and the import task (the workbook read from its stored chunks)."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import translation

from kpis import import_jobs, importing
from kpis.models import ImportChunk, ImportJob, Ticket, TicketDailyRollup
from organisation.models import Client, Technician
from tests.helpers import with_form_token

from .conftest import confirm_upload, upload, workbook

TICKET_HEADER = ["external_id", "client", "priority", "opened_at", "source", "escalated"]


@pytest.fixture
def acme(db):
    return Client.objects.create(
        external_id="C-1", name="Acme", contract_start=datetime.date(2026, 1, 1)
    )


def test_clients_import_from_a_workbook(db):
    data = workbook(
        (
            "Kunden",
            [
                ["Kundennummer", "Firma", "Vertragsbeginn", "Schwellenwert", "Aktiv"],
                [100, "Druckerei Albers GmbH", datetime.datetime(2025, 3, 1), 8.5, True],
                ["PSA-C101", "Kanzlei Neumann", "15.09.2025", None, False],
            ],
        )
    )
    result = importing.import_csv("clients", data)
    assert (result.rows, result.created) == (2, 2)
    albers = Client.objects.get(external_id="100")
    assert albers.contract_start == datetime.date(2025, 3, 1)
    assert str(albers.escalation_threshold) == "8.50"
    assert not Client.objects.get(external_id="PSA-C101").is_active


def test_technicians_import_from_a_workbook(db):
    data = workbook(
        (
            "Team",
            [
                ["external_id", "name", "email", "hire_date", "leave_date", "language"],
                ["T-1", "Jana Hoffmann", "jana@msp.example", datetime.date(2024, 2, 1), None, "de"],
                [2, "Kai Peters", "kai@msp.example", datetime.datetime(2023, 1, 15), "", "en"],
            ],
        )
    )
    assert importing.import_csv("technicians", data).created == 2
    kai = Technician.objects.get(external_id="2")
    assert (kai.hire_date, kai.leave_date, kai.language) == (datetime.date(2023, 1, 15), None, "en")


def test_tickets_import_from_a_workbook_with_excel_dates_and_numbers(acme):
    opened = datetime.datetime(2026, 2, 1, 9, 0)
    data = workbook(
        (
            "Tickets",
            [
                TICKET_HEADER + ["resolved_at", "Bemerkung"],
                [40001, "C-1", 2, opened, "client", False, opened.replace(hour=11), "x"],
                ["T-2", "C-1", "low", "2026-02-02 10:00", "monitoring", True, None, None],
            ],
        )
    )
    result = importing.import_csv("tickets", data)
    assert (result.rows, result.created, result.ignored_columns) == (2, 2, ["Bemerkung"])
    first = Ticket.objects.get(external_id="40001")
    assert first.priority == "high"  # the number 2 read as "2", a priority alias
    assert first.opened_at == datetime.datetime(2026, 2, 1, 8, 0, tzinfo=datetime.UTC)
    assert first.resolved_at - first.opened_at == datetime.timedelta(hours=2)
    assert Ticket.objects.get(external_id="T-2").escalated
    assert TicketDailyRollup.objects.filter(client=acme).count() == 2


def test_a_bad_cell_names_sheet_row_and_column_and_nothing_is_stored(acme):
    data = workbook(
        ("Summary", [["nothing here"]]),
        (
            "Tickets",
            [
                TICKET_HEADER,
                ["T-1", "C-1", "high", datetime.datetime(2026, 2, 1, 9), "client", False],
                [],
                ["T-2", "C-1", "urgent", datetime.datetime(2026, 2, 1, 9), "client", False],
            ],
        ),
    )
    with pytest.raises(importing.ImportRejected) as caught, translation.override("de"):
        importing.import_csv("tickets", data, sheet="Tickets")
    [error] = caught.value.errors
    assert error.startswith("Tabellenblatt „Tickets“, Zeile 4, Spalte „priority“: ")
    assert not Ticket.objects.exists() and not TicketDailyRollup.objects.exists()


def test_a_header_without_rows_names_the_sheet(acme):
    with pytest.raises(importing.ImportRejected) as caught, translation.override("en"):
        importing.import_csv("tickets", workbook(("Export", [TICKET_HEADER, [None]])))
    assert caught.value.errors == ["The sheet “Export” has a header row but no data rows."]


def test_more_cells_than_names_are_refused_with_the_row(acme):
    data = workbook(
        ("S", [["external_id", "name", "contract_start"], ["C-9", "Neu", "2026-01-01", "?"]])
    )
    with pytest.raises(importing.ImportRejected) as caught, translation.override("en"):
        importing.import_csv("clients", data)
    assert caught.value.errors == ["Sheet “S”, row 2: has more cells than the header has columns"]


def _ticket_workbook(*sheets_before: str) -> bytes:
    rows = [TICKET_HEADER, ["T-1", "C-1", "high", datetime.datetime(2026, 2, 1, 9), "client", 0]]
    return workbook(*[(name, [["x"]]) for name in sheets_before], ("Tickets", rows)).getvalue()


def test_the_upload_page_imports_the_chosen_sheet_in_the_task(manager_client, acme):
    page = upload(manager_client, "tickets", _ticket_workbook("Summary"), name="export.xlsx")
    assert page.status_code == 200
    # Without a sheet the first ("Summary") is read: a header without the columns.
    assert ImportJob.objects.count() == 0 and page.context["errors"]
    file = io.BytesIO(_ticket_workbook("Summary"))
    file.name = "export.xlsx"
    data = with_form_token({"kind": "tickets", "file": file, "sheet": "Tickets"})
    response = manager_client.post(reverse("kpis:import"), data)
    job = ImportJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    preview = manager_client.get(job.get_absolute_url()).content.decode()
    assert "Tabellenblatt „Tickets“" in preview and 'data-testid="import-preview"' in preview
    confirm_upload(manager_client, job.get_absolute_url())
    job.refresh_from_db()
    assert (job.state, job.sheet) == ("done", "Tickets")
    assert Ticket.objects.filter(external_id="T-1").exists()
    assert not ImportChunk.objects.exists()


def test_a_sheet_the_workbook_lacks_is_a_form_error_listing_its_sheets(manager_client, acme):
    file = io.BytesIO(_ticket_workbook("Summary"))
    file.name = "export.xlsx"
    response = manager_client.post(
        reverse("kpis:import"), with_form_token({"kind": "tickets", "file": file, "sheet": "X"})
    )
    assert response.status_code == 200
    assert response.context["form"].errors["sheet"] == [
        "Die Arbeitsmappe hat kein Tabellenblatt „X“. Ihre Tabellenblätter: „Summary“, „Tickets“."
    ]
    assert not ImportJob.objects.exists() and not Ticket.objects.exists()


def test_the_import_page_names_the_accepted_file_types(manager_client):
    body = manager_client.get(reverse("kpis:import")).content.decode()
    assert "CSV- oder Excel-Datei" in body
    assert 'accept=".csv,.xlsx,' in body
    assert "Tabellenblatt" in body


def test_a_stored_workbook_is_read_from_its_chunks(acme, monkeypatch):
    # Chunks far smaller than the workbook: the zip archive is read across them by seeking.
    monkeypatch.setattr(import_jobs, "CHUNK_BYTES", 1024)
    rows = [TICKET_HEADER] + [
        [
            f"T-{n}",
            "C-1",
            "low",
            datetime.datetime(2026, 2, 1, 9) + datetime.timedelta(minutes=n),
            "client",
            n % 5 == 0,
        ]
        for n in range(600)
    ]
    data = workbook(("Tickets", rows))
    job = import_jobs.create("tickets", data, "t.xlsx", None, "en")
    assert ImportChunk.objects.filter(job=job).count() > 3
    assert import_jobs.confirm(job)
    assert import_jobs.run(job.pk) == "done"
    assert Ticket.objects.count() == 600 and Ticket.objects.filter(escalated=True).count() == 120
