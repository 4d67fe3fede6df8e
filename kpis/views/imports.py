"""The manager-area upload (CSV or .xlsx) and the progress page of each upload (kpis/import_jobs.py).

Managers share the organisation's data (every client, every ticket), so every manager
sees every upload, not only their own."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language

from accounts.roles import manager_required
from core.one_time_forms import one_time_form

from .. import columns, import_jobs, importing, tables
from ..forms import ImportForm
from ..models import ImportJob
from ..tasks import run_import

RECENT_JOBS = 10
# Seconds between reloads of the progress page while the job is queued or running.
REFRESH_SECONDS = 2


# A double click on "Import" stores and imports the file once (core/one_time_forms.py).
@manager_required
@one_time_form
def import_upload(request):
    errors: list[str] = []
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            kind, upload = form.cleaned_data["kind"], form.cleaned_data["file"]
            sheet = form.cleaned_data["sheet"].strip()
            try:
                with importing.open_upload(upload) as binary:
                    # A binary file or a bad header is refused here, before it is stored.
                    importing.check_file(kind, binary, sheet)
                    job = import_jobs.create(
                        kind, binary, upload.name, request.user, get_language(), sheet
                    )
            except tables.SheetMissing as exc:
                form.add_error("sheet", exc.errors)
            except importing.ImportRejected as exc:
                errors = exc.errors
            else:
                # A broker outage leaves the job queued: the sweep queues it again.
                transaction.on_commit(partial(run_import.delay, job.pk), robust=True)
                return redirect(job)
    else:
        kind = request.GET.get("kind")
        form = ImportForm(initial={"kind": kind} if kind in importing.KINDS else None)
    jobs = ImportJob.objects.select_related("uploaded_by")[:RECENT_JOBS]
    return render(
        request,
        "kpis/import.html",
        {
            "form": form,
            "errors": errors,
            # Each kind's columns under its translated name, in the form's order.
            "columns": [(label, columns.COLUMNS[kind]) for kind, label in ImportJob.Kind.choices],
            "jobs": jobs,
        },
    )


def get_import_job(pk: int) -> ImportJob:
    """An upload for a manager page (managers see every upload)."""
    return get_object_or_404(ImportJob.objects.select_related("uploaded_by"), pk=pk)


@manager_required
def import_job(request, pk: int):
    job = get_import_job(pk)
    running = job.state == ImportJob.State.RUNNING
    result = None
    if job.state == ImportJob.State.DONE:
        result = importing.ImportResult.from_counts(job.kind, job.result).lines()
    return render(
        request,
        "kpis/import_job.html",
        {
            "job": job,
            "progress": import_jobs.progress(job) if running else None,
            "result": result,
            "errors": job.errors if job.state == ImportJob.State.FAILED else [],
            "refresh": REFRESH_SECONDS if not job.finished else None,
            # Still queued after the grace time: the worker or the broker is down.
            "waiting": job.state == ImportJob.State.QUEUED
            and job.created_at < timezone.now() - import_jobs.QUEUED_GRACE,
        },
    )
