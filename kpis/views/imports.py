"""The manager-area upload (CSV or .xlsx), the preview of each upload before it is
imported, and its progress page (kpis/import_jobs.py).

Managers share the organisation's data (every client, every ticket), so every manager
sees every upload, not only their own."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.roles import manager_required
from core.one_time_forms import one_time_form

from .. import columns, import_jobs, import_preview, importing, mappings, tables
from ..forms import ImportForm
from ..models import ColumnMapping, ImportJob
from ..tasks import run_import

RECENT_JOBS = 10
# The PSA exports the ready-made mappings read (static/examples/, copies of docs/examples/).
PSA_EXAMPLES = [
    "examples/connectwise-clients.csv",
    "examples/connectwise-contacts.csv",
    "examples/connectwise-report-writer-tickets.csv",
    "examples/autotask-clients.csv",
    "examples/autotask-livereport-tickets.csv",
    "examples/halopsa-clients.csv",
    "examples/halopsa-ticket-report.csv",
    "examples/technicians.csv",
]
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
            mapping = form.cleaned_data["mapping"]
            try:
                with importing.open_upload(upload) as binary:
                    # A binary file or a bad header is refused here, before it is stored.
                    importing.check_file(
                        kind, binary, sheet, mappings.Mapping.of(mapping) if mapping else None
                    )
                    job = import_jobs.create(
                        kind, binary, upload.name, request.user, get_language(), sheet, mapping
                    )
            except tables.SheetMissing as exc:
                form.add_error("sheet", exc.errors)
            except importing.ImportRejected as exc:
                errors = exc.errors
            else:
                return redirect(job)  # to the preview
    else:
        initial = {}
        if (kind := request.GET.get("kind")) in importing.KINDS:
            initial["kind"] = kind
        chosen = request.GET.get("mapping", "")
        if chosen.isascii() and chosen.isdigit():
            mapping = ColumnMapping.objects.filter(pk=int(chosen)).first()
            if mapping is not None:  # its kind with it
                initial.update(mapping=mapping.pk, kind=mapping.kind)
        form = ImportForm(initial=initial)
    jobs = ImportJob.objects.select_related("uploaded_by", "data_source")[:RECENT_JOBS]
    return render(
        request,
        "kpis/import.html",
        {
            "form": form,
            "errors": errors,
            # Each kind's columns under its translated name, in the form's order, with its
            # example file (static/examples/, copies of docs/import-*.csv).
            "columns": [
                (kind, label, columns.COLUMNS[kind], f"examples/import-{kind}.csv")
                for kind, label in ImportJob.Kind.choices
            ],
            "psa_examples": PSA_EXAMPLES,
            "jobs": jobs,
        },
    )


def get_import_job(pk: int) -> ImportJob:
    """An upload for a manager page (managers see every upload)."""
    return get_object_or_404(ImportJob.objects.select_related("uploaded_by", "data_source"), pk=pk)


@manager_required
def import_job(request, pk: int):
    job = get_import_job(pk)
    if request.method == "POST":
        return _decide(request, job)
    preview, errors = None, []
    if job.state == ImportJob.State.PREVIEW:
        try:
            preview = import_preview.shown(
                import_jobs.preview(job),
                job.data_source_id,
                job.mapping_settings.get("creates_contacts"),
            )
        except importing.ImportRejected as exc:
            errors = exc.errors
    elif job.state == ImportJob.State.FAILED:
        errors = job.errors
    result = None
    if job.state == ImportJob.State.DONE:
        result = importing.ImportResult.from_counts(job.kind, job.result).lines()
    running = job.state == ImportJob.State.RUNNING
    return render(
        request,
        "kpis/import_job.html",
        {
            "job": job,
            "mapping_name": job.mapping_settings.get("name", ""),
            "preview": preview,
            "progress": import_jobs.progress(job) if running else None,
            "result": result,
            "errors": errors,
            "refresh": REFRESH_SECONDS if job.state in REFRESHING else None,
            # Still queued after the grace time: the worker or the broker is down.
            "waiting": import_jobs.waiting(job),
        },
    )


REFRESHING = (ImportJob.State.QUEUED, ImportJob.State.RUNNING)


def _decide(request, job: ImportJob):
    """The manager's answer to a preview: import the file, or discard it."""
    if request.POST.get("action") == "discard":
        # Only while it awaits confirmation: a colleague may have confirmed it meanwhile.
        discarded, _counts = ImportJob.objects.filter(
            pk=job.pk, state=ImportJob.State.PREVIEW
        ).delete()
        if discarded:
            messages.info(request, _("The file was discarded; nothing was imported."))
            return redirect(f"{reverse('kpis:import')}?kind={job.kind}")
        return redirect(job)
    if import_jobs.confirm(job):
        # A broker outage leaves the job queued: the sweep queues it again.
        transaction.on_commit(partial(run_import.delay, job.pk), robust=True)
    return redirect(job)
