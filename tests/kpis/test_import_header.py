"""The header row: German aliases of every column, unknown columns that look like a
misspelt column refuse the file, other unknown columns are listed as not imported; the
webhook reads a ticket's keys the same way."""

import datetime
import io

import pytest
from django.utils import translation

from kpis import columns, importing
from kpis.models import Ticket
from organisation.models import Client

from .conftest import send_tickets

ROW = "T-1,C-1,high,2026-02-01T09:00:00+01:00,client"


@pytest.fixture
def acme(db):
    return Client.objects.create(
        external_id="C-1", name="Acme", contract_start=datetime.date(2026, 1, 1)
    )


def _import(kind: str, text: str) -> importing.ImportResult:
    return importing.import_csv(kind, io.BytesIO(text.encode()))


def _refused(kind: str, text: str) -> list[str]:
    with pytest.raises(importing.ImportRejected) as exc:
        _import(kind, text)
    return exc.value.errors


ALIASES = [
    (kind, column.name, alias)
    for kind, kind_columns in columns.COLUMNS.items()
    for column in kind_columns
    for alias in column.aliases
]


@pytest.mark.parametrize(("kind", "column", "alias"), ALIASES)
def test_every_alias_reads_as_its_column(kind, column, alias):
    header = columns.read_header(kind, [alias], check_required=False)
    assert header.columns == [column] and not header.problems


def test_no_alias_names_two_columns():
    for kind in columns.COLUMNS:
        names = [
            name for column in columns.COLUMNS[kind] for name in (column.name, *column.aliases)
        ]
        assert len(names) == len(set(names)), kind


def test_a_ticket_file_with_german_column_names_imports_like_the_english_one(acme):
    text = (
        "Ticketnummer;Kunde;Priorität;Geöffnet am;Erste Antwort am;Gelöst am;Eskaliert;"
        "Eskaliert am;Quelle;Proaktiv;Automatisch behoben;Techniker\n"
        "T-1;C-1;P2;01.02.2026 09:00;01.02.2026 09:10;01.02.2026 11:00;ja;01.02.2026 09:30;"
        "monitoring;nein;ja;\n"
    )
    result = _import("tickets", text)
    assert (result.created, result.ignored_columns) == (1, [])
    ticket = Ticket.objects.get()
    assert ticket.escalated and ticket.auto_remediated and not ticket.proactive
    assert ticket.first_response_seconds == 600 and ticket.resolution_seconds == 7200


def test_client_and_technician_files_with_german_column_names(db):
    _import(
        "clients",
        "Kundennummer;Firma;Vertragsbeginn;Branche;Aktiv;Eskalationsschwelle\n"
        "C-1;Acme;01.01.2026;Industrie;nein;7,5\n",
    )
    client = Client.objects.get()
    assert (client.segment, client.is_active, str(client.escalation_threshold)) == (
        "Industrie",
        False,
        "7.50",
    )
    result = _import(
        "technicians",
        "Personalnummer;Name;E-Mail;Rolle;Eintrittsdatum;Austrittsdatum;Sprache\n"
        "T-1;Tina;tina@example.com;Level 1;01.01.2024;;en\n",
    )
    assert result.created == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "eskalirt",
            "Unknown column “eskalirt”: probably “eskaliert” (another name for “escalated”). "
            "Correct the name or remove the column.",
        ),
        (
            "Escalatd",
            "Unknown column “Escalatd”: probably “escalated”. Correct the name or remove the "
            "column.",
        ),
        (
            "proactiv",
            "Unknown column “proactiv”: probably “proactive”. Correct the name or remove the "
            "column.",
        ),
    ],
)
def test_a_column_close_to_a_known_one_refuses_the_file_naming_it(acme, name, message):
    errors = _refused("tickets", f"external_id,client,priority,opened_at,source,{name}\n{ROW},ja\n")
    assert errors == [message]
    assert not Ticket.objects.exists()


def test_every_problem_of_the_header_is_named(acme):
    errors = _refused("tickets", "external_id,kunde,priority,opend_at,source,eskalirt\nx\n")
    assert [error.split(":")[0] for error in errors] == [
        "Unknown column “opend_at”",
        "Unknown column “eskalirt”",
        "Required column missing",
    ]


def test_the_refusal_speaks_german_on_a_german_page(acme):
    with translation.override("de"):
        errors = _refused(
            "tickets", f"external_id,client,priority,opened_at,source,eskalirt\n{ROW},ja\n"
        )
    assert errors == [
        "Unbekannte Spalte „eskalirt“: vermutlich „eskaliert“ (anderer Name für „escalated“). "
        "Korrigieren Sie den Namen oder entfernen Sie die Spalte."
    ]


def test_other_unknown_columns_are_imported_without_and_listed(acme):
    text = f"external_id,client,priority,opened_at,source,Bemerkung,Bearbeiter Team,\n{ROW},x,y,\n"
    result = _import("tickets", text)
    assert result.created == 1
    assert result.ignored_columns == ["Bemerkung", "Bearbeiter Team", ""]
    assert result.lines()[-1] == (
        "Not imported, as no such columns exist: “Bemerkung”, “Bearbeiter Team”, "
        "a column without a name."
    )
    with translation.override("de"):
        result.ignored_columns = ["Bemerkung"]
        assert result.lines()[-1] == "Nicht importiert, da es diese Spalte nicht gibt: „Bemerkung“."


def test_a_column_named_twice_refuses_the_file(acme):
    text = f"external_id,client,priority,opened_at,source,escalated,Eskaliert\n{ROW},ja,ja\n"
    assert _refused("tickets", text) == [
        "The column “escalated” is named more than once (“escalated”, “Eskaliert”); keep one "
        "of them."
    ]


TICKET = {
    "external_id": "T-1",
    "kunde": "C-1",
    "priority": "high",
    "geöffnet_am": "2026-02-01T09:00:00+01:00",
    "source": "client",
}


def test_the_webhook_reads_aliases_and_lists_unknown_fields(acme, client, webhook_token):
    response = send_tickets(
        client, webhook_token, {**TICKET, "Eskaliert": True, "notes": "Drucker"}
    )
    assert response.status_code == 200
    assert response.json()["ignored_fields"] == ["notes"]
    assert Ticket.objects.get().escalated


def test_the_webhook_refuses_a_misspelt_field(acme, client, webhook_token):
    response = send_tickets(
        client, webhook_token, {"tickets": [TICKET, {**TICKET, "escalatd": True}]}
    )
    assert response.status_code == 400
    assert response.json()["fields"] == [
        {
            "index": 1,
            "field": "escalatd",
            "message": "Unbekannte Spalte „escalatd“: vermutlich „escalated“. Korrigieren Sie "
            "den Namen oder entfernen Sie die Spalte.",
        }
    ]
    assert not Ticket.objects.exists()


def test_the_documentation_lists_every_column_with_its_german_names():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "import.md").read_text()
    for kind_columns in columns.COLUMNS.values():
        for column in kind_columns:
            also = ", ".join(f"`{alias}`" for alias in column.aliases)
            required = "yes" if column.required else "no"
            row = f"| `{column.name}` | {also} | {required} |".replace("|  |", "| |")
            assert row in text, row
