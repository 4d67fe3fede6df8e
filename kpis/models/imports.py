"""Uploaded files waiting for, or done with, their import (kpis/import_jobs.py), and the
column mappings they are read with (kpis/mappings.py).

The upload page stores the file and shows a preview; once confirmed, a task the task imports it and records the
result here, so the manager can leave the progress page and come back. The file's bytes
are stored in the database, in ImportChunk rows of up to a megabyte: every web and worker
container reaches the database, whereas a file on one container's disk would need a
volume shared by all of them, and chunks let both sides stream a 50 MB file instead of
holding it whole. The chunks are deleted once the job has finished.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.periods import time_zone_names
from organisation.models import CSV_SOURCE_ID


class ImportJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        # Stored and shown as a preview; imported once the manager confirms.
        PREVIEW = "preview", _("Awaiting confirmation")
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
    # How the file is read: the mapping chosen on upload (None: the product's own column
    # names) and a copy of its settings taken then, so that the import reads the file as
    # the preview did even if the mapping is changed or deleted meanwhile.
    mapping = models.ForeignKey(
        "ColumnMapping",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("column mapping"),
    )
    mapping_settings = models.JSONField(default=dict, blank=True)
    # Where its records belong: the mapping's data source, else the CSV source.
    data_source = models.ForeignKey(
        "organisation.DataSource",
        on_delete=models.PROTECT,
        default=CSV_SOURCE_ID,
        related_name="+",
        verbose_name=_("data source"),
    )
    # The workbook's sheet to import (an .xlsx upload); empty: the first.
    sheet = models.CharField(_("sheet"), max_length=31, blank=True, default="")
    # The uploader's language: the task writes the error messages in it.
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    # When it was confirmed and queued (the sweep's clock for a lost queue message).
    queued_at = models.DateTimeField(null=True, blank=True)
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


class ColumnMapping(models.Model):
    """How a PSA's export is read (kpis/mappings.py): which file column fills each field,
    the date order, decimal separator and time zone of its cells, and the values that
    mean "escalated", "proactive" or each priority. A mapping belongs to a data source:
    what it imports gets that source's external ids."""

    class DateOrder(models.TextChoices):
        DMY = "dmy", _("Day, month, year (31.12.2026 or 31/12/2026)")
        MDY = "mdy", _("Month, day, year (12/31/2026)")
        YMD = "ymd", _("Year, month, day (2026-12-31 or 2026/12/31)")

    class DecimalSeparator(models.TextChoices):
        COMMA = ",", _("Comma (8,5)")
        POINT = ".", _("Point (8.5)")

    data_source = models.ForeignKey(
        "organisation.DataSource",
        on_delete=models.CASCADE,
        related_name="column_mappings",
        verbose_name=_("data source"),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("what the file contains"), max_length=20, choices=ImportJob.Kind.choices
    )
    date_order = models.CharField(
        _("date order"),
        max_length=3,
        choices=DateOrder.choices,
        default=DateOrder.DMY,
        help_text=_("How dates written as text are read; ISO dates (2026-12-31) always work."),
    )
    decimal_separator = models.CharField(
        _("decimal separator"),
        max_length=1,
        choices=DecimalSeparator.choices,
        default=DecimalSeparator.COMMA,
    )
    time_zone = models.CharField(
        _("time zone of the timestamps"),
        max_length=64,
        default=settings.TIME_ZONE,
        help_text=_("Timestamps without an offset are read in this zone."),
    )
    creates_contacts = models.BooleanField(
        _("creates contacts"),
        default=True,
        help_text=_(
            "A ticket whose requester is not yet a contact creates the contact (needs the "
            "requester's e-mail)."
        ),
    )
    unknown_technicians_unassigned = models.BooleanField(
        _("unknown technicians: import unassigned"),
        default=False,
        help_text=_(
            "A ticket whose technician is not known here (an RMM's integration user, a "
            "colleague not imported) is imported unassigned instead of refusing the file."
        ),
    )
    # {field: {"columns": [file column, …], "values": {value: [text, …]}, "other": value,
    # "split": separator}}: see kpis/mappings.py.
    rules = models.JSONField(_("columns and values"), default=dict, blank=True)
    # The ready-made mapping it was made from (kpis/mapping_presets.py), if any.
    preset = models.CharField(max_length=40, blank=True, default="", editable=False)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["data_source__name", "name"]
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [
            models.UniqueConstraint(fields=["data_source", "name"], name="mapping_unique_name")
        ]

    def __str__(self):
        return f"{self.name} ({self.data_source})"

    def get_absolute_url(self):
        return reverse("kpis:mapping_edit", args=[self.pk])

    def clean(self):
        """What the managers' form guarantees, also for an edit in the back office."""
        errors = {}
        if self.time_zone not in time_zone_names():
            errors["time_zone"] = _("Not a time zone, e.g. Europe/Berlin or UTC.")
        rules = self.rules
        if not isinstance(rules, dict) or not all(
            isinstance(rule, dict) and isinstance(rule.get("columns", []), list)
            for rule in rules.values()
        ):
            errors["rules"] = _(
                'Write {"field": {"columns": ["file column", …], "values": {…}}, …}.'
            )
        if errors:
            raise ValidationError(errors)
