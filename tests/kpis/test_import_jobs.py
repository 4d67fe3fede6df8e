"""Uploads are imported by a task: the page stores the file and shows the job's progress,
then the same result or errors as an import in the request did; a job is imported once,
a lost one is queued again or failed by the sweep, and the stored file is deleted."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from kpis import import_jobs, tasks, upsert
from kpis.models import ImportChunk, ImportJob, Ticket
from organisation.models import Client
from tests.helpers import with_form_token

from .conftest import confirm_upload, upload

HEADER = "external_id,client,priority,opened_at,source,escalated\n"
GOOD = HEADER + "T-1,C-1,high,2026-02-01T09:00:00+01:00,client,false\n"
BAD = HEADER + "T-1,C-1,urgent,2026-02-01T09:00:00+01:00,client,false\n"


@pytest.fixture
def acme(db):
    return Client.objects.create(
        external_id="C-1", name="Acme", contract_start=datetime.date(2026, 1, 1)
    )


def _store(kind="tickets", text=GOOD, user=None, language="en") -> ImportJob:
    """A stored upload whose preview was confirmed: queued."""
    job = import_jobs.create(kind, io.BytesIO(text.encode()), f"{kind}.csv", user, language)
    assert import_jobs.confirm(job)
    job.refresh_from_db()
    return job


def test_the_upload_page_imports_in_a_task_and_shows_the_result(manager_client, manager, acme):
    response = upload(manager_client, "tickets", GOOD, follow=False)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.state, job.kind, job.file_name, job.uploaded_by) == (
        "done",
        "tickets",
        "tickets.csv",
        manager,
    )
    assert Ticket.objects.count() == 1
    page = manager_client.get(response["Location"])
    body = page.content.decode()
    assert 'data-testid="import-result"' in body
    assert "1 Zeile importiert: 1 neu, 0 aktualisiert, 0 unverändert." in body
    assert "data-refresh-seconds" not in body  # finished: no more polling
    assert not ImportChunk.objects.exists()  # the stored file is gone


def test_a_double_click_on_import_stores_and_imports_the_file_once(
    manager_client, acme, django_capture_on_commit_callbacks
):
    data = with_form_token({"kind": "tickets"})
    responses = []
    for _ in range(2):
        file = io.BytesIO(GOOD.encode())
        file.name = "tickets.csv"
        responses.append(manager_client.post(reverse("kpis:import"), {**data, "file": file}))
    job = ImportJob.objects.get()
    assert [r.status_code for r in responses] == [302, 302]
    assert {r["Location"] for r in responses} == {job.get_absolute_url()}
    # A double click on "Import the file" imports it once, too.
    confirmed = []
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True) as queued:
            confirmed.append(manager_client.post(job.get_absolute_url(), {"action": "import"}))
        confirmed.append(len(queued))
    job.refresh_from_db()
    # The first queues the import (which queues the threshold check); the second nothing.
    assert [c if isinstance(c, int) else c.status_code for c in confirmed] == [302, 2, 302, 0]
    assert job.state == "done" and Ticket.objects.count() == 1


def test_the_task_is_queued_only_when_the_upload_is_stored(manager_client, acme):
    file = io.BytesIO(GOOD.encode())
    file.name = "tickets.csv"
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks() as callbacks:
        manager_client.post(
            reverse("kpis:import"), with_form_token({"kind": "tickets", "file": file})
        )
    job = ImportJob.objects.get()
    assert job.state == "preview" and job.chunks.exists() and not callbacks
    with TestCase.captureOnCommitCallbacks() as callbacks:
        manager_client.post(job.get_absolute_url(), {"action": "import"})
    job.refresh_from_db()
    assert job.state == "queued" and len(callbacks) == 1
    page = manager_client.get(job.get_absolute_url()).content.decode()
    assert 'data-refresh-seconds="2"' in page and "js/import_progress.js" in page
    callbacks[0]()
    job.refresh_from_db()
    assert job.state == "done"


def test_rejected_rows_are_listed_on_the_job_page(manager_client, acme):
    response = upload(manager_client, "tickets", BAD)
    job = response.context["job"]
    assert job.state == "failed"
    assert response.context["errors"] == [
        "Zeile 2, Spalte „priority“: muss einer dieser Werte sein: critical, high, low, "
        "medium, nicht 'urgent'"
    ]
    body = response.content.decode()
    assert 'data-testid="import-errors"' in body and "Es wurde nichts importiert." in body
    assert f"{reverse('kpis:import')}?kind=tickets" in body
    assert not Ticket.objects.exists() and not ImportChunk.objects.exists()
    form = manager_client.get(f"{reverse('kpis:import')}?kind=tickets").context["form"]
    assert form["kind"].value() == "tickets"


def test_a_bad_header_is_refused_at_once_and_nothing_is_stored(manager_client, acme):
    response = upload(manager_client, "tickets", "external_id,kunde,eskalirt\nT-1,C-1,ja\n")
    assert response.status_code == 200
    assert response.context["errors"][0].startswith("Unbekannte Spalte „eskalirt“")
    assert response.context["form"]["kind"].value() == "tickets"
    assert not ImportJob.objects.exists()


def test_the_errors_are_in_the_uploaders_language(manager_client, acme, settings):
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = upload(manager_client, "tickets", BAD)
    assert response.context["job"].language == "en"
    assert response.context["errors"][0].startswith("Row 2, column “priority”")


def test_every_manager_sees_every_upload(client, acme, manager):
    from tests.helpers import make_user

    job = _store(user=manager)
    colleague = make_user("colleague", "manager")
    client.force_login(colleague)
    page = client.get(reverse("kpis:import"))
    assert job.get_absolute_url() in page.content.decode()
    assert client.get(job.get_absolute_url()).status_code == 200


def test_a_job_is_imported_once_however_often_its_task_runs(acme):
    job = _store()
    assert tasks.run_import.apply(args=[job.pk]).get() == "done"
    Ticket.objects.all().delete()
    assert tasks.run_import.apply(args=[job.pk]).get() == ""
    assert not Ticket.objects.exists()


def test_the_progress_page_shows_the_rows_read_so_far(manager_client, acme, monkeypatch):
    monkeypatch.setattr(upsert, "BATCH_SIZE", 2)
    rows = "".join(f"T-{i},C-1,high,2026-02-01T09:00:00+01:00,client,false\n" for i in range(5))
    job = _store(text=HEADER + rows)
    seen = []

    def looking(*args, **kwargs):
        page = manager_client.get(job.get_absolute_url())
        seen.append((page.context["progress"], "data-refresh-seconds" in page.content.decode()))
        return real(*args, **kwargs)

    real = upsert.TicketUpsert.write
    monkeypatch.setattr(upsert.TicketUpsert, "write", looking)
    import_jobs.run(job.pk)
    assert [progress["rows"] for progress, _refresh in seen] == [0, 2, 4]
    assert all(refresh for _progress, refresh in seen)
    assert 0 < seen[-1][0]["percent"] < 100
    job.refresh_from_db()
    assert job.state == "done" and job.result["rows"] == 5


def test_an_unexpected_error_fails_the_job_and_stores_nothing(acme, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise KeyError("T-1 secret cell")

    monkeypatch.setattr(upsert.TicketUpsert, "write", broken)
    job = _store()
    assert import_jobs.run(job.pk) == "failed"
    job.refresh_from_db()
    assert job.errors == [
        "The import stopped unexpectedly (KeyError); nothing was imported. Please upload the "
        "file again; if it happens again, tell your administrator."
    ]
    assert not Ticket.objects.exists() and not job.chunks.exists()
    assert "secret" not in caplog.text


def test_the_sweep_queues_again_what_the_broker_lost(acme, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.run_import, "delay", lambda job_id: queued.append(job_id))
    fresh, lost = _store(), _store()
    # Uploaded long ago but confirmed just now: not lost (the grace runs from the queueing).
    ImportJob.objects.filter(pk=fresh.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    ImportJob.objects.filter(pk=lost.pk).update(
        queued_at=timezone.now() - import_jobs.QUEUED_GRACE - datetime.timedelta(seconds=1)
    )
    assert tasks.sweep_imports.apply().get()["queued"] == 1
    assert queued == [lost.pk] and fresh.pk not in queued


def test_the_job_page_says_when_a_job_waits_for_long(manager_client, acme):
    job = _store()
    assert "Hintergrundprozess" not in manager_client.get(job.get_absolute_url()).content.decode()
    ImportJob.objects.filter(pk=job.pk).update(
        queued_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    body = manager_client.get(job.get_absolute_url()).content.decode()
    assert "Hintergrundprozess" in body


def test_the_sweep_fails_a_job_whose_worker_died(acme):
    job = _store(language="de")
    ImportJob.objects.filter(pk=job.pk).update(
        state="running", started_at=timezone.now() - import_jobs.RUNNING_TIMEOUT * 2
    )
    assert import_jobs.sweep()["failed"] == 1
    job.refresh_from_db()
    assert job.state == "failed" and not job.chunks.exists()
    assert job.errors == [
        "Der Import wurde unterbrochen (der Hintergrundprozess wurde beendet); es wurde "
        "nichts importiert. Bitte laden Sie die Datei erneut hoch."
    ]


def test_an_import_given_up_by_the_sweep_while_it_ran_is_rolled_back(acme, monkeypatch):
    """The import and its "done" commit together: when the sweep has failed the job in
    the meantime (another connection), marking it done finds it no longer running and
    its rows are not stored."""
    job = _store()
    real = import_jobs._finish

    def after_the_sweep(job_id, state, **values):
        if state == "done":
            return False  # the conditional UPDATE found the job failed
        return real(job_id, state, **values)

    monkeypatch.setattr(import_jobs, "_finish", after_the_sweep)
    import_jobs.run(job.pk)
    assert not Ticket.objects.exists()
    assert job.chunks.exists()  # the sweep's own _finish deletes them


def test_the_sweep_forgets_old_finished_jobs(acme):
    old, recent = _store(), _store()
    import_jobs.run(old.pk)
    ImportJob.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - import_jobs.KEEP_FINISHED - datetime.timedelta(days=1)
    )
    assert import_jobs.sweep()["deleted"] == 1
    assert list(ImportJob.objects.values_list("pk", flat=True)) == [recent.pk]


def test_hostile_file_and_column_names_stay_inert_on_the_pages(manager_client, acme):
    script = "<script>alert(1)</script>"
    text = HEADER.strip() + f",{script}\nT-1,C-1,high,2026-02-01T09:00:00+01:00,client,false,x\n"
    response = upload(manager_client, "tickets", text, name=f"{script}.csv")
    assert response.context["job"].state == "done"
    body = response.content.decode()
    assert script not in body and "„&lt;script&gt;alert(1)&lt;/script&gt;“" in body
    assert script not in manager_client.get(reverse("kpis:import")).content.decode()


@pytest.mark.django_db
def test_the_stored_file_reads_across_chunk_borders(monkeypatch):
    monkeypatch.setattr(import_jobs, "CHUNK_BYTES", 100)
    data = bytes(range(256)) * 3
    job = import_jobs.create("tickets", io.BytesIO(data), "x.csv", None, "de")
    assert job.chunks.count() == 8
    binary = io.BufferedReader(import_jobs.StoredFile(job.pk, job.size), 64)
    assert binary.read(150) == data[:150]
    binary.seek(0)
    assert binary.read() == data
    binary.seek(700)
    assert binary.read(500) == data[700:]


def test_an_upload_imports_and_its_page_shows_while_the_cache_is_down(
    manager_client, acme, cache_down, django_capture_on_commit_callbacks
):
    """Progress lives in the cache; without it the import still runs and the page shows."""
    file = io.BytesIO(GOOD.encode())
    file.name = "tickets.csv"
    response = manager_client.post(
        reverse("kpis:import"), with_form_token({"kind": "tickets", "file": file})
    )
    assert manager_client.get(response["Location"]).status_code == 200  # the preview
    confirm_upload(manager_client, response["Location"])
    job = ImportJob.objects.get()
    assert job.state == "done" and Ticket.objects.count() == 1
    assert manager_client.get(response["Location"]).status_code == 200
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING)
    assert manager_client.get(response["Location"]).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_queued_uploads_queued_in_the_csv_source():
    """Uploads from before the preview were queued on upload: the sweep's clock for them
    is their upload time, and they import into the CSV source as they would have."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from organisation.models import CSV_SOURCE_ID

    before = [("kpis", "0011_ticket_source_requester_title")]
    after = [("kpis", "0012_column_mappings")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        job = old.get_model("kpis", "ImportJob").objects.create(
            kind="tickets", file_name="t.csv", size=1, state="queued"
        )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps
        job = new.get_model("kpis", "ImportJob").objects.get(pk=job.pk)
        assert job.queued_at == job.created_at
        assert (job.data_source_id, job.mapping_id, job.mapping_settings) == (
            CSV_SOURCE_ID,
            None,
            {},
        )
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
