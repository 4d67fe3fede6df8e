"""Uploaded files (CSV or .xlsx) previewed, then imported by a Celery task, with a
progress page (docs/import.md).

An upload of 50 MB holds about 400,000 tickets, some 40 seconds of work: longer than a
web request may take. So the upload page checks the file's header (``importing.
check_file``) and stores the file with the column mapping chosen (``create``); the page
``/kpis/import/jobs/<id>/`` shows the first rows as the import would read them
(``preview``) and, once the manager confirms (``confirm``), queues
``kpis.tasks.run_import`` on commit; the task imports it (``run``) through the same
``importing.import_csv`` as the management command, and the page shows the progress and
then the result or the errors. Without Redis the task runs at once, in the request.

- Once only: ``run`` claims a queued job with a conditional UPDATE (queued -> running),
  so a task delivered twice imports nothing twice, and it marks the job done inside the
  import's own transaction: a job is done exactly when its rows are stored.
- Way forward: ``sweep`` (beat, every 5 minutes) re-queues jobs still queued after
  QUEUED_GRACE (the broker was down when the upload was stored) and fails jobs running
  longer than RUNNING_TIMEOUT (their worker died and the database rolled the import
  back; the manager is told to upload the file again).
- Data minimisation: the stored file is deleted when the job finishes, and finished
  jobs (whose error messages may quote cells) after KEEP_FINISHED; a preview nobody
  confirmed goes after KEEP_PREVIEW.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import logging

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.caches import CACHE_ERRORS
from organisation.models import CSV_SOURCE_ID

from . import importing, mappings
from .models import ColumnMapping, ImportChunk, ImportJob

logger = logging.getLogger("kpis.import_jobs")

CHUNK_BYTES = 1024 * 1024
READ_BUFFER = 64 * 1024
QUEUED_GRACE = datetime.timedelta(minutes=2)
# A 50 MB file imports in about a minute; a job running this long has lost its worker.
RUNNING_TIMEOUT = datetime.timedelta(minutes=30)
KEEP_FINISHED = datetime.timedelta(days=30)
KEEP_PREVIEW = datetime.timedelta(days=1)
# Progress goes through the cache (Redis, shared by web and worker): the job's own row
# changes only in the import's transaction, which the page cannot see until it commits.
PROGRESS_SECONDS = 2 * 3600


def _progress_key(job_id: int) -> str:
    return f"kpis:import-progress:{job_id}"


def create(
    kind: str,
    binary,
    file_name: str,
    user,
    language: str,
    sheet: str = "",
    mapping: ColumnMapping | None = None,
) -> ImportJob:
    """Store the file ``binary`` (read from its start, a chunk at a time) as a job
    awaiting confirmation; ``sheet``: the workbook's sheet to import (empty: the first);
    ``mapping``: how it is read (None: the product's column names), copied onto the job."""
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind,
            file_name=file_name[:255],
            size=0,
            uploaded_by=user,
            language=language,
            sheet=sheet,
            state=ImportJob.State.PREVIEW,
            mapping=mapping,
            mapping_settings=mappings.mapping_settings(mapping) if mapping else {},
            data_source_id=mapping.data_source_id if mapping else CSV_SOURCE_ID,
        )
        binary.seek(0)
        number = size = 0
        while chunk := _read_fully(binary, CHUNK_BYTES):
            ImportChunk.objects.create(job=job, number=number, data=chunk)
            number += 1
            size += len(chunk)
        job.size = size
        job.save(update_fields=["size"])
    return job


def _read_fully(binary, count: int) -> bytes:
    """``count`` bytes, fewer only at the end: every chunk but the last is full."""
    parts, missing = [], count
    while missing:
        part = binary.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


class StoredFile(io.RawIOBase):
    """A job's stored file, read chunk by chunk (one query per megabyte). It seeks, as a
    workbook's zip archive needs: the chunk read last is kept, so reading on within it,
    or seeking back into it, queries nothing."""

    def __init__(self, job_id: int, size: int):
        super().__init__()
        self.job_id, self.size = job_id, size
        self.position = 0
        self._number: int | None = None
        self._data = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer) -> int:
        if self.position >= self.size:
            return 0
        number, offset = divmod(self.position, CHUNK_BYTES)
        if number != self._number:
            data = ImportChunk.objects.filter(job_id=self.job_id, number=number).values_list(
                "data", flat=True
            )
            self._data, self._number = bytes(data.get()), number
        piece = self._data[offset : offset + len(buffer)]
        buffer[: len(piece)] = piece
        self.position += len(piece)
        return len(piece)


def mapping_of(job: ImportJob) -> mappings.Mapping | None:
    """How the job's file is read: the mapping's settings as they were on upload."""
    if not job.mapping_settings:
        return None
    return mappings.Mapping.from_settings(job.kind, job.mapping_settings)


def preview(job: ImportJob) -> importing.Preview:
    """The first rows of a stored file as the import will read them; raises
    ImportRejected (the file was checked on upload, so only if it changed meaning)."""
    binary = io.BufferedReader(StoredFile(job.pk, job.size), READ_BUFFER)
    return importing.preview(job.kind, binary, job.sheet, mapping_of(job), job.data_source_id)


def confirm(job: ImportJob) -> bool:
    """Mark a previewed job as queued (the caller queues the task); False if it was no
    longer awaiting confirmation (confirmed twice, or discarded)."""
    return bool(
        ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.PREVIEW).update(
            state=ImportJob.State.QUEUED, queued_at=timezone.now()
        )
    )


def waiting(job: ImportJob) -> bool:
    """Whether a queued job has waited past the grace time (worker or broker down)."""
    return (
        job.state == ImportJob.State.QUEUED
        and (job.queued_at or job.created_at) < timezone.now() - QUEUED_GRACE
    )


def progress(job: ImportJob) -> dict:
    """{"rows": rows read so far, "percent": of the file's bytes} of a running job."""
    try:
        return cache.get(_progress_key(job.pk)) or {"rows": 0, "percent": 0}
    except CACHE_ERRORS as exc:  # progress is a nicety: the page shows the job without it
        logger.warning("kpis.import_progress_unavailable error=%s", type(exc).__name__)
        return {"rows": 0, "percent": 0}


def _finish(job_id: int, state: str, **values) -> bool:
    """Move a running job to ``state`` and delete its stored file; False if it was no
    longer running (the sweep gave up on it)."""
    finished = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.RUNNING).update(
        state=state, finished_at=timezone.now(), **values
    )
    if finished:
        ImportChunk.objects.filter(job_id=job_id).delete()
    return bool(finished)


class _GivenUp(Exception):
    """The sweep failed the job while it ran: roll its import back."""


def run(job_id: int) -> str:
    """Import a queued job once. Returns its state afterwards, or "" if it was not queued
    (already imported, running or failed)."""
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return ""
    job = ImportJob.objects.get(pk=job_id)
    stored = StoredFile(job.pk, job.size)

    def report(rows: int) -> None:
        percent = min(99, stored.tell() * 100 // max(1, job.size))
        # A lost cache costs the progress display, never the import.
        with contextlib.suppress(*CACHE_ERRORS):
            cache.set(_progress_key(job.pk), {"rows": rows, "percent": percent}, PROGRESS_SECONDS)

    state = ImportJob.State.FAILED
    with translation.override(job.language):
        try:
            with transaction.atomic():
                binary = io.BufferedReader(stored, READ_BUFFER)
                result = importing.import_csv(
                    job.kind,
                    binary,
                    progress=report,
                    sheet=job.sheet,
                    data_source_id=job.data_source_id,
                    mapping=mapping_of(job),
                )
                if not _finish(job.pk, ImportJob.State.DONE, result=result.counts()):
                    raise _GivenUp
            state = ImportJob.State.DONE
        except importing.ImportRejected as exc:
            _finish(job.pk, state, errors=exc.errors)
        except _GivenUp:
            logger.warning("kpis.import_job_given_up job=%s", job.pk)
        except Exception as exc:
            # The type only: an exception's message may quote cells.
            logger.error("kpis.import_job_failed job=%s error=%s", job.pk, type(exc).__name__)
            _finish(job.pk, state, errors=[_unexpected(type(exc).__name__)])
    with contextlib.suppress(*CACHE_ERRORS):
        cache.delete(_progress_key(job.pk))
    return state


def _unexpected(error: str) -> str:
    return _(
        "The import stopped unexpectedly (%(error)s); nothing was imported. Please upload the "
        "file again; if it happens again, tell your administrator."
    ) % {"error": error}


def sweep(now: datetime.datetime | None = None) -> dict:
    """Fail jobs running past RUNNING_TIMEOUT, delete jobs finished more than
    KEEP_FINISHED ago and previews left unconfirmed for KEEP_PREVIEW. Returns {"failed": n, "deleted": n, "queued": [ids of jobs queued
    longer than QUEUED_GRACE, to queue again]}."""
    now = now or timezone.now()
    failed = 0
    stale = ImportJob.objects.filter(
        state=ImportJob.State.RUNNING, started_at__lt=now - RUNNING_TIMEOUT
    ).values_list("pk", "language")
    for pk, language in stale:
        with translation.override(language):
            message = _(
                "The import was interrupted (the worker stopped); nothing was imported. "
                "Please upload the file again."
            )
        failed += _finish(pk, ImportJob.State.FAILED, errors=[message])
    _total, deleted = ImportJob.objects.filter(
        Q(
            state__in=[ImportJob.State.DONE, ImportJob.State.FAILED],
            created_at__lt=now - KEEP_FINISHED,
        )
        | Q(state=ImportJob.State.PREVIEW, created_at__lt=now - KEEP_PREVIEW)
    ).delete()
    queued = list(
        ImportJob.objects.filter(
            state=ImportJob.State.QUEUED, queued_at__lte=now - QUEUED_GRACE
        ).values_list("pk", flat=True)
    )
    return {"failed": failed, "deleted": deleted.get("kpis.ImportJob", 0), "queued": queued}
