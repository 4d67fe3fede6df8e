"""Uploaded CSV files waiting for, or done with, their import (kpis/import_jobs.py).

The upload page stores the file and queues a task; the task imports it and records the
result here, so the manager can leave the progress page and come back. The file's bytes
are stored in the database, in ImportChunk rows of up to a megabyte: every web and worker
container reaches the database, whereas a file on one container's disk would need a
volume shared by all of them, and chunks let both sides stream a 50 MB file instead of
holding it whole. The chunks are deleted once the job has finished.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Not imported")

    class Kind(models.TextChoices):
        TICKETS = "tickets", _("Tickets")
        CLIENTS = "clients", _("Clients")
        CONTACTS = "contacts", _("Contacts")
        TECHNICIANS = "technicians", _("Technicians")

    kind = models.CharField(_("what the file contains"), max_length=20, choices=Kind.choices)
    file_name = models.CharField(_("file"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    # The workbook's sheet to import (an .xlsx upload); empty: the first.
    sheet = models.CharField(_("sheet"), max_length=31, blank=True, default="")
    # The uploader's language: the task writes the error messages in it.
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # ImportResult.counts() once imported.
    result = models.JSONField(default=dict, blank=True)
    # The reasons it was not imported, display-ready in ``language``.
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            # The sweep: jobs still queued or running, by age.
            models.Index(fields=["state", "created_at"], name="importjob_state_created"),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.kind})"

    def get_absolute_url(self):
        return reverse("kpis:import_job", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


class ImportChunk(models.Model):
    """Up to CHUNK_BYTES of an uploaded file; ``number`` counts from 0."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["job", "number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="importchunk_one_per_number")
        ]

    def __str__(self):
        return f"{self.job_id}/{self.number}"
