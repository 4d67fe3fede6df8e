"""The core's own table: the one-time tokens of forms that create something
(core/one_time_forms.py)."""

from django.db import models
from django.utils import timezone


class SubmittedForm(models.Model):
    """A form token that has been used, and where its first submission led."""

    token = models.CharField(max_length=64, unique=True)
    location = models.CharField(max_length=2000, blank=True)
    # one_time_forms.forget_old: tokens older than a day.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "msp_maturity_submittedform"  # its name before the move to the core

    def __str__(self):
        return f"form submitted at {self.created_at:%Y-%m-%d %H:%M}"
