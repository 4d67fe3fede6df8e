"""The upload form of the import (CSV or Excel)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from core.one_time_forms import OneTimeFormMixin

from .models import ImportJob


class ImportForm(OneTimeFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What the file contains"), choices=ImportJob.Kind.choices)
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_(
            "CSV (UTF-8, separated by comma or semicolon) or Excel workbook (.xlsx), with a "
            "header row. See the column list below."
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    # Sheet names are at most 31 characters in Excel.
    sheet = forms.CharField(
        label=_("Sheet"),
        required=False,
        max_length=31,
        help_text=_("Excel only: the sheet to import. Empty: the first sheet."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Import")))
        self.helper.attrs = {"enctype": "multipart/form-data"}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(size)s.") % {"size": filesizeformat(limit)}
            )
        return upload
