"""CSV import: good files, idempotence, all-or-nothing, encodings, delimiters, limits."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.periods import Period
from kpis import columns, importing, metrics, upsert
from kpis.models import Ticket, TicketDailyRollup
from kpis.rollups import _aggregates, sla_targets
from organisation.models import Client, Contact, Technician

DOCS = Path(__file__).resolve().parents[2] / "docs"
HEADER = "external_id,client,priority,opened_at,source,escalated\n"


def _file(text: str, encoding="utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def _import(kind, text, encoding="utf-8"):
    return importing.import_csv(kind, _file(text, encoding))


def _first_problem(text) -> str:
    """The first problem of a refused ticket file."""
    with pytest.raises(importing.ImportRejected) as exc:
        _import("tickets", text)
    return exc.value.errors[0]


def _docs(kind):
    with open(DOCS / f"import-{kind}.csv", "rb") as handle:
        return importing.import_csv(kind, handle)


def _snapshot():
    return sorted(Ticket.objects.values_list(*upsert.TicketUpsert.fields))


@pytest.fixture
def acme(db):
    return Client.objects.create(
        external_id="C-1", name="Acme", contract_start=datetime.date(2026, 1, 1)
    )


def test_the_documented_example_files_import(db):
    assert _docs("clients").created == 3
    assert _docs("contacts").created == 4
    assert _docs("technicians").created == 3
    result = _docs("tickets")
    assert result.rows == 5 and result.created == 5
    requesters = dict(Ticket.objects.values_list("external_id", "requester__email"))
    assert requesters == {
        "PSA-40001": "petra.albers@albers.example",  # by external id
        "PSA-40002": "tom.berger@albers.example",  # by e-mail
        "PSA-40003": "lena.neumann@neumann.example",
        "PSA-40004": None,
        "PSA-40005": "kasse@morgenrot.example",  # created
    }
    assert Contact.objects.get(email="kasse@morgenrot.example").name == "Kasse Morgenrot"
    assert Ticket.objects.get(external_id="PSA-40001").title == "Drucker druckt nicht"
    albers = Client.objects.get(external_id="PSA-C100")
    assert Client.objects.get(external_id="PSA-C101").escalation_threshold == 8
    assert Technician.objects.get(external_id="PSA-T11").hire_date == datetime.date(2023, 6, 1)
    escalated = Ticket.objects.get(external_id="PSA-40002")
    assert escalated.escalated and escalated.client == albers
    assert escalated.first_response_seconds == 11 * 60
    assert Ticket.objects.get(external_id="PSA-40005").priority == "high"  # "P2"


def test_the_same_file_twice_changes_nothing(db):
    _docs("clients"), _docs("contacts"), _docs("technicians"), _docs("tickets")
    before = _snapshot()
    rollups_before = list(TicketDailyRollup.objects.order_by("client_id", "day").values())
    second = _docs("tickets")
    assert (second.created, second.updated, second.unchanged) == (0, 0, 5)
    assert _snapshot() == before
    after = list(TicketDailyRollup.objects.order_by("client_id", "day").values())
    assert [{k: v for k, v in r.items() if k != "id"} for r in after] == [
        {k: v for k, v in r.items() if k != "id"} for r in rollups_before
    ]


def test_an_update_changes_the_row_and_keeps_omitted_optional_columns(acme):
    acme.escalation_threshold = 7
    acme.save()
    _import("clients", "external_id,name,contract_start\nC-1,Acme Renamed,2026-01-01\n")
    acme.refresh_from_db()
    assert acme.name == "Acme Renamed"
    assert acme.escalation_threshold == 7


def test_one_bad_row_rejects_the_whole_file_naming_row_and_column(acme):
    text = HEADER + (
        "T-1,C-1,high,2026-02-01T09:00:00+01:00,client,false\n"
        "T-2,C-1,urgent,2026-02-01T10:00:00+01:00,client,false\n"
        "T-3,C-1,low,2026-02-01T11:00:00+01:00,client,false\n"
    )
    with pytest.raises(importing.ImportRejected) as exc:
        _import("tickets", text)
    assert Ticket.objects.count() == 0
    [message] = exc.value.errors
    assert "Row 3" in message and "priority" in message and "urgent" in message


def test_every_bad_row_is_listed(acme):
    text = HEADER + (
        "T-1,C-9,high,2026-02-01T09:00:00+01:00,client,false\n"
        "T-2,C-1,high,yesterday,client,false\n"
        "T-3,C-1,high,2026-02-01T09:00:00+01:00,phone,false\n"
    )
    with pytest.raises(importing.ImportRejected) as exc:
        _import("tickets", text)
    errors = exc.value.errors
    assert len(errors) == 3
    assert "Row 2" in errors[0] and "client" in errors[0]
    assert "Row 3" in errors[1] and "opened_at" in errors[1]
    assert "Row 4" in errors[2] and "source" in errors[2]


def test_consistency_of_timestamps_is_checked(acme):
    text = (
        "external_id,client,priority,opened_at,resolved_at,source,escalated_at\n"
        "T-1,C-1,high,2026-02-01T09:00:00+01:00,2026-02-01T08:00:00+01:00,client,\n"
    )
    assert "resolved_at" in _first_problem(text)
    text = (
        "external_id,client,priority,opened_at,source,escalated_at\n"
        "T-1,C-1,high,2026-02-01T09:00:00+01:00,client,2026-02-01T10:00:00+01:00\n"
    )
    with pytest.raises(importing.ImportRejected) as exc:
        _import("tickets", text)
    assert "escalated_at" in exc.value.errors[0]


def test_utf8_with_byte_order_mark_is_read(db):
    text = "external_id,name,contract_start\nC-7,Bäckerei Müller,2026-01-01\n"
    _import("clients", "\ufeff" + text)
    assert Client.objects.get(external_id="C-7").name == "Bäckerei Müller"


def test_windows_1252_is_rejected_with_a_clear_message(db):
    text = "external_id,name,contract_start\nC-7,Bäckerei Müller,2026-01-01\n"
    with pytest.raises(importing.ImportRejected) as exc:
        _import("clients", text, encoding="cp1252")
    assert "UTF-8" in exc.value.errors[0] and "Row 2" in exc.value.errors[0]
    assert not Client.objects.exists()


def test_semicolons_as_german_excel_writes_them(db):
    text = "external_id;name;contract_start;escalation_threshold\nC-8;Weber, Koch & Partner;01.02.2026;8,5\n"
    _import("clients", text)
    client = Client.objects.get(external_id="C-8")
    assert client.name == "Weber, Koch & Partner"
    assert client.contract_start == datetime.date(2026, 2, 1)
    assert str(client.escalation_threshold) == "8.50"


def test_a_huge_cell_is_rejected_with_its_row(db):
    text = (
        "external_id,name,contract_start\nC-1,Fine,2026-01-01\nC-2,"
        + "x" * 200_000
        + ",2026-01-01\n"
    )
    with pytest.raises(importing.ImportRejected) as exc:
        _import("clients", text)
    assert "Row 3" in exc.value.errors[0]
    assert not Client.objects.exists()


def test_a_long_cell_within_the_csv_limit_is_rejected_by_its_column(db):
    text = "external_id,name,contract_start\nC-2," + "x" * 300 + ",2026-01-01\n"
    with pytest.raises(importing.ImportRejected) as exc:
        _import("clients", text)
    assert "name" in exc.value.errors[0] and "200" in exc.value.errors[0]


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff"])
def test_an_empty_file_is_rejected(db, text):
    with pytest.raises(importing.ImportRejected) as exc:
        _import("clients", text)
    assert "empty" in exc.value.errors[0]


def test_a_header_without_rows_is_rejected(db):
    with pytest.raises(importing.ImportRejected) as exc:
        _import("clients", "external_id,name,contract_start\n")
    assert "no data rows" in exc.value.errors[0]


def test_a_missing_required_column_is_named(db):
    with pytest.raises(importing.ImportRejected) as exc:
        _import("clients", "external_id,name\nC-1,Acme\n")
    assert "contract_start" in exc.value.errors[0]


def test_import_refreshes_the_rollups_of_the_touched_days(acme):
    text = HEADER + (
        "T-1,C-1,high,2026-02-01T09:00:00+01:00,client,true\n"
        "T-2,C-1,high,2026-02-01T23:30:00+01:00,monitoring,false\n"
        "T-3,C-1,low,2026-02-02T00:30:00+01:00,client,false\n"
    )
    _import("tickets", text)
    rows = {r.day: r for r in TicketDailyRollup.objects.filter(client=acme)}
    assert rows[datetime.date(2026, 2, 1)].tickets == 2
    assert rows[datetime.date(2026, 2, 1)].escalated == 1
    assert rows[datetime.date(2026, 2, 2)].tickets == 1
    # moving a ticket to another day moves it in the rollups too
    _import("tickets", HEADER + "T-3,C-1,low,2026-02-05T10:00:00+01:00,client,false\n")
    rows = {r.day: r.tickets for r in TicketDailyRollup.objects.filter(client=acme)}
    assert rows == {datetime.date(2026, 2, 1): 2, datetime.date(2026, 2, 5): 1}


def test_changing_a_contract_start_relabels_onboarding_days(acme):
    _import("tickets", HEADER + "T-1,C-1,high,2026-05-01T09:00:00+02:00,client,true\n")
    assert not TicketDailyRollup.objects.get().onboarding
    _import("clients", "external_id,name,contract_start\nC-1,Acme,2026-04-01\n")
    assert TicketDailyRollup.objects.get().onboarding


def test_responsible_staff_by_sign_in_name_or_email(db, manager, staff_user):
    text = "external_id,name,contract_start,responsible_staff\nC-1,Acme,2026-01-01,manager|STAFF@example.com\n"
    _import("clients", text)
    assert set(Client.objects.get().responsible_staff.all()) == {manager, staff_user}
    with pytest.raises(importing.ImportRejected) as exc:
        _import(
            "clients",
            "external_id,name,contract_start,responsible_staff\nC-1,Acme,2026-01-01,nobody\n",
        )
    assert "responsible_staff" in exc.value.errors[0]


def test_batches_write_many_rows(acme, monkeypatch):
    monkeypatch.setattr(upsert, "BATCH_SIZE", 7)
    lines = [
        f"T-{i},C-1,low,2026-03-{1 + i % 28:02d}T10:00:00+01:00,client,{'true' if i % 10 == 0 else 'false'}"
        for i in range(60)
    ]
    result = _import("tickets", HEADER + "\n".join(lines) + "\n")
    assert result.created == 60
    direct = Ticket.objects.filter(client=acme).aggregate(**_aggregates(sla_targets()))
    totals = metrics.totals(Period(datetime.date(2026, 3, 1), datetime.date(2026, 4, 1)))
    assert totals["tickets"] == direct["tickets"] == 60
    assert totals["escalated"] == direct["escalated"] == 6


def test_the_management_command(acme, capsys):
    path = DOCS / "import-clients.csv"
    call_command("import_csv", "clients", str(path))
    assert "3 rows imported" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_csv", "clients", "/nonexistent.csv")


def test_the_management_command_reads_with_a_column_mapping(db, capsys, time_machine):
    from kpis.mapping_presets import PRESETS, create_mapping

    time_machine.move_to(datetime.datetime(2026, 10, 20, 12, tzinfo=datetime.UTC))
    examples = DOCS / "examples"
    call_command("import_csv", "technicians", str(examples / "technicians.csv"))
    call_command("import_csv", "clients", str(examples / "halopsa-clients.csv"))
    mapping = create_mapping(PRESETS["halopsa"])
    with pytest.raises(CommandError, match="reads tickets, not clients"):
        call_command(
            "import_csv", "clients", str(examples / "halopsa-clients.csv"), mapping=mapping.pk
        )
    with pytest.raises(CommandError, match="No column mapping with id 999"):
        call_command(
            "import_csv", "tickets", str(examples / "halopsa-ticket-report.csv"), mapping=999
        )
    capsys.readouterr()
    call_command(
        "import_csv", "tickets", str(examples / "halopsa-ticket-report.csv"), mapping=mapping.pk
    )
    assert "5 rows imported: 5 new" in capsys.readouterr().out
    assert set(Ticket.objects.values_list("data_source_id", flat=True)) == {mapping.data_source_id}


def test_the_management_command_reports_bad_rows(db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("external_id,name,contract_start\nC-1,Acme,someday\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Row 2, column “contract_start”"):
        call_command("import_csv", "clients", str(bad))


def test_bad_rows_after_written_batches_reject_the_whole_file(acme, monkeypatch):
    """One pass: batches before the first bad row are written, then rolled back; the
    rows after it are still checked and listed."""
    monkeypatch.setattr(upsert, "BATCH_SIZE", 5)
    _import("tickets", HEADER + "OLD-1,C-1,high,2026-02-01T09:00:00+01:00,client,false\n")
    before, rollups_before = _snapshot(), list(TicketDailyRollup.objects.values())
    lines = [
        f"T-{i},C-1,low,2026-03-{1 + i % 28:02d}T10:00:00+01:00,client,false" for i in range(30)
    ]
    lines[0] = "OLD-1,C-1,low,2026-03-05T10:00:00+01:00,monitoring,true"  # an update
    lines[17] = "T-17,C-1,urgent,2026-03-02T10:00:00+01:00,client,false"
    lines[25] = "T-25,C-9,low,2026-03-02T10:00:00+01:00,client,false"
    with pytest.raises(importing.ImportRejected) as exc:
        _import("tickets", HEADER + "\n".join(lines) + "\n")
    assert [e.split(",")[0] for e in exc.value.errors] == ["Row 19", "Row 27"]
    assert _snapshot() == before
    assert list(TicketDailyRollup.objects.values()) == rollups_before


def test_each_row_is_parsed_once(acme, monkeypatch):
    calls = []
    real = columns.clean_row

    def counting(kind_columns, row, lookups, *rest):
        calls.append(row["external_id"])
        return real(kind_columns, row, lookups, *rest)

    monkeypatch.setattr(columns, "clean_row", counting)
    lines = [f"T-{i},C-1,low,2026-03-0{1 + i % 9}T10:00:00+01:00,client,false" for i in range(12)]
    assert _import("tickets", HEADER + "\n".join(lines) + "\n").created == 12
    assert len(calls) == 12


def test_an_import_updates_and_inserts_in_one_upsert_keeping_the_later_duplicate(acme, monkeypatch):
    """The upsert (COPY into a staging table on PostgreSQL) across batches, with the same
    ticket twice in one batch and again in a later one."""
    monkeypatch.setattr(upsert, "BATCH_SIZE", 3)
    _import("tickets", HEADER + "T-1,C-1,high,2026-02-01T09:00:00+01:00,client,false\n")
    text = HEADER + (
        "T-1,C-1,low,2026-02-02T09:00:00+01:00,client,false\n"
        "T-2,C-1,low,2026-02-02T09:00:00+01:00,client,false\n"
        "T-1,C-1,critical,2026-02-03T23:30:00+01:00,monitoring,true\n"
        "T-3,C-1,low,2026-02-02T09:00:00+01:00,self_service,false\n"
        "T-2,C-1,medium,2026-02-04T09:00:00+01:00,automation,false\n"
    )
    result = _import("tickets", text)
    # T-1 twice in the first batch is one update; T-2 again in the second is another.
    assert (result.rows, result.created, result.updated) == (5, 2, 2)
    stored = {t.external_id: t for t in Ticket.objects.all()}
    assert stored["T-1"].priority == "critical" and stored["T-1"].escalated
    assert stored["T-1"].opened_on == datetime.date(2026, 2, 3)
    assert stored["T-1"].opened_at == datetime.datetime(2026, 2, 3, 22, 30, tzinfo=datetime.UTC)
    assert stored["T-2"].source == "automation" and stored["T-2"].opened_on.day == 4
    days = dict(TicketDailyRollup.objects.values_list("day", "tickets"))
    assert days == {
        datetime.date(2026, 2, 2): 1,
        datetime.date(2026, 2, 3): 1,
        datetime.date(2026, 2, 4): 1,
    }


def test_a_file_may_carry_the_psas_sla_verdict_and_a_later_file_without_it_keeps_it(acme):
    text = (
        "external_id,client,priority,opened_at,source,sla_erfüllt_psa,psa_resolution_minutes,"
        "psa_waiting_minutes\n"
        "T-1,C-1,high,2026-02-01T09:00:00+01:00,client,ja,200,\n"
        "T-2,C-1,high,2026-02-01T09:00:00+01:00,client,,,15\n"
    )
    _import("tickets", text)
    stored = dict(Ticket.objects.values_list("external_id", "psa_sla_met"))
    assert stored == {"T-1": True, "T-2": None}
    assert Ticket.objects.get(external_id="T-1").psa_resolution_minutes == 200
    assert Ticket.objects.get(external_id="T-2").psa_waiting_minutes == 15
    rollup = TicketDailyRollup.objects.get(client=acme)
    assert (rollup.tickets, rollup.psa_known, rollup.psa_met) == (2, 1, 1)
    _import("tickets", HEADER + "T-1,C-1,high,2026-02-01T09:00:00+01:00,client,true\n")
    assert Ticket.objects.get(external_id="T-1").psa_sla_met is True


def test_psa_minutes_must_be_whole_minutes(acme):
    text = (
        "external_id,client,priority,opened_at,source,psa_response_minutes\n"
        "T-1,C-1,high,2026-02-01T09:00:00+01:00,client,-5\n"
    )
    problem = _first_problem(text)
    assert "psa_response_minutes" in problem and "-5" in problem


def test_psa_minutes_in_other_digits_are_a_row_problem_not_a_crash(acme):
    """ "²" is a digit to Python's str.isdigit but not a number int() reads."""
    text = (
        "external_id,client,priority,opened_at,source,psa_response_minutes\n"
        "T-1,C-1,high,2026-02-01T09:00:00+01:00,client,²\n"
    )
    problem = _first_problem(text)
    assert "psa_response_minutes" in problem and "²" in problem
