"""A database error in the middle of an import rolls the whole file back: no ticket,
client or rollup of it is stored, no threshold check is queued, and the manager (page)
or operator (command) is told so, instead of a 500 or a half-imported file."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import translation

from kpis import importing, rollups, upsert
from kpis.models import Ticket, TicketDailyRollup
from organisation.models import Client, Technician

HEADER = "external_id,client,priority,opened_at,source,escalated\n"
DB_MESSAGE = (
    "The database could not store the file ({error}); nothing was imported. Please try "
    "again; if it happens again, tell your administrator."
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def stored(db):
    """A client with tickets and rollups from an earlier import."""
    acme = Client.objects.create(
        external_id="C-1", name="Acme", contract_start=datetime.date(2025, 1, 1)
    )
    importing.import_csv(
        "tickets",
        io.BytesIO(
            (
                HEADER
                + "OLD-1,C-1,high,2025-03-01T09:00:00+01:00,client,true\n"
                + "OLD-2,C-1,low,2025-03-02T09:00:00+01:00,monitoring,false\n"
            ).encode()
        ),
    )
    return acme


def snapshot() -> dict:
    return {
        "clients": list(Client.objects.order_by("pk").values()),
        "technicians": list(Technician.objects.order_by("pk").values()),
        "tickets": list(Ticket.objects.order_by("pk").values()),
        "rollups": list(TicketDailyRollup.objects.order_by("pk").values()),
    }


def _file(rows: int, boom_at: int | None = None) -> bytes:
    """``rows`` tickets (OLD-1 updated first, so an update is rolled back too); the row
    ``boom_at`` gets the id the trigger refuses."""
    lines = ["OLD-1,C-1,critical,2025-03-05T09:00:00+01:00,client,false"]
    for i in range(1, rows):
        key = "T-BOOM" if i == boom_at else f"N-{i}"
        lines.append(f"{key},C-1,low,2025-03-{1 + i % 28:02d}T10:00:00+01:00,client,true")
    return (HEADER + "\n".join(lines) + "\n").encode()


@pytest.fixture
def refusing_trigger(db):
    """A real database error: a trigger refuses the ticket T-BOOM (dropped with the test's
    transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN "
                "IF NEW.external_id = 'T-BOOM' THEN "
                "RAISE EXCEPTION 'refused' USING ERRCODE = 'check_violation'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_boom BEFORE INSERT ON kpis_ticket "
                "FOR EACH ROW EXECUTE FUNCTION refuse_boom()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER refuse_boom BEFORE INSERT ON kpis_ticket "
                "WHEN NEW.external_id = 'T-BOOM' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )


@pytest.fixture
def queued(monkeypatch):
    """Threshold checks queued by the import."""
    calls = []
    from kpis import tasks

    monkeypatch.setattr(tasks.check_thresholds, "delay", lambda *a, **k: calls.append(a))
    return calls


def test_an_integrity_error_in_the_second_batch_rolls_back_the_whole_file(
    stored, refusing_trigger, monkeypatch, queued, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(upsert, "BATCH_SIZE", 5)
    before = snapshot()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(importing.ImportRejected) as exc,
    ):
        importing.import_csv("tickets", io.BytesIO(_file(12, boom_at=7)))
    assert exc.value.errors == [DB_MESSAGE.format(error="IntegrityError")]
    assert snapshot() == before  # the first batch (and the update of OLD-1) is gone too
    assert callbacks == [] and queued == []


def test_an_error_after_the_first_batch_rolls_back(stored, monkeypatch, queued):
    monkeypatch.setattr(upsert, "BATCH_SIZE", 4)
    real = upsert.TicketUpsert.write
    calls = {"n": 0}

    def failing_after_first(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(upsert.TicketUpsert, "write", failing_after_first)
    before = snapshot()
    with pytest.raises(importing.ImportRejected) as exc:
        importing.import_csv("tickets", io.BytesIO(_file(10)))
    assert calls["n"] == 2
    assert exc.value.errors == [DB_MESSAGE.format(error="OperationalError")]
    assert snapshot() == before
    assert queued == []


def test_an_error_while_refreshing_the_rollups_rolls_back_the_tickets(stored, monkeypatch):
    def broken_refresh(self):
        raise OperationalError("disk full")

    monkeypatch.setattr(rollups.Touched, "refresh", broken_refresh)
    before = snapshot()
    with pytest.raises(importing.ImportRejected):
        importing.import_csv("tickets", io.BytesIO(_file(3)))
    assert snapshot() == before


def test_a_client_file_is_rolled_back_with_its_staff_links(db, manager, monkeypatch):
    monkeypatch.setattr(upsert, "BATCH_SIZE", 2)
    monkeypatch.setattr(
        upsert.ClientUpsert,
        "_write_staff",
        staticmethod(lambda staff: (_ for _ in ()).throw(OperationalError("lock timeout"))),
    )
    text = "external_id,name,contract_start,responsible_staff\n" + "".join(
        f"C-{i},Kunde {i},2025-01-01,manager\n" for i in range(5)
    )
    with pytest.raises(importing.ImportRejected):
        importing.import_csv("clients", io.BytesIO(text.encode()))
    assert not Client.objects.exists()
    assert not Client.responsible_staff.through.objects.exists()


def test_the_page_shows_the_error_and_stores_nothing(
    manager_client, settings, stored, refusing_trigger, monkeypatch, queued
):
    from kpis.models import ImportChunk, ImportJob
    from tests.kpis.conftest import upload

    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    monkeypatch.setattr(upsert, "BATCH_SIZE", 5)
    before = snapshot()
    response = upload(manager_client, "tickets", _file(12, boom_at=9))
    assert response.status_code == 200
    assert response.context["errors"] == [DB_MESSAGE.format(error="IntegrityError")]
    body = response.content.decode()
    assert 'data-testid="import-errors"' in body and "Nothing was imported." in body
    assert f"{reverse('kpis:import')}?kind=tickets" in body  # upload again, same kind
    assert snapshot() == before
    assert queued == []
    assert ImportJob.objects.get().state == "failed"
    assert not ImportChunk.objects.exists()


def test_the_command_exits_with_the_error(stored, refusing_trigger, monkeypatch, tmp_path):
    monkeypatch.setattr(upsert, "BATCH_SIZE", 5)
    path = tmp_path / "tickets.csv"
    path.write_bytes(_file(12, boom_at=6))
    before = snapshot()
    with pytest.raises(CommandError) as exc:
        call_command("import_csv", "tickets", str(path))
    assert "Nothing imported" in str(exc.value) and "IntegrityError" in str(exc.value)
    assert snapshot() == before


def test_the_command_exits_non_zero(stored, refusing_trigger, monkeypatch, tmp_path, capsys):
    """From the shell: status 1 and the message on stderr."""
    from django.core.management import ManagementUtility

    monkeypatch.setattr(upsert, "BATCH_SIZE", 5)
    path = tmp_path / "tickets.csv"
    path.write_bytes(_file(8, boom_at=6))
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "import_csv", "tickets", str(path)]).execute()
    assert exit_info.value.code == 1
    assert "nothing was imported" in capsys.readouterr().err
