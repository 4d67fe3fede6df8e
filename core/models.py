"""The core's models: abstract bases the apps build on (one-row settings, German and
English text) and the core's own table, the one-time tokens of forms that create
something (core/one_time_forms.py)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language


class SingletonModel(models.Model):
    """Settings of the organisation, one row (primary key 1), edited in the back office.

    ``load()`` reads that row, or gives the defaults unsaved when nobody has saved it yet:
    reading never writes. ``save()`` always writes row 1."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls):
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class Bilingual(models.Model):
    """Text fields exist as ``<name>_de`` and ``<name>_en``. German is the product's
    language and the text as published; English may be empty."""

    class Meta:
        abstract = True

    def localized(self, field: str, language: str | None = None) -> str:
        """The text of ``field`` in ``language`` (the active language by default); the
        German text where that is empty or the language is neither, else the English."""
        language = (language or get_language() or "de")[:2]
        value = getattr(self, f"{field}_{language}", "") if language in ("de", "en") else ""
        return value or getattr(self, f"{field}_de", "") or getattr(self, f"{field}_en", "")


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
