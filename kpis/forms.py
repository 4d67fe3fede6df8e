"""The upload form of the import (CSV or Excel) and the column mapping form."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from core.one_time_forms import OneTimeFormMixin
from core.periods import time_zone_choices
from organisation.models import DataSource

from . import columns, mappings
from .models import ColumnMapping, ImportJob

# Columns whose cell may be a list of which the first entry counts (ConnectWise's
# resource_list names every assigned member).
SPLIT_COLUMNS = ("technician", "technician_email")


class ImportForm(OneTimeFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What the file contains"), choices=ImportJob.Kind.choices)
    mapping = forms.ModelChoiceField(
        label=_("Column mapping"),
        queryset=ColumnMapping.objects.select_related("data_source"),
        required=False,
        empty_label=_("None: the file has this product's column names"),
        help_text=_(
            "For a PSA's export with its own column names. The records go to the mapping's "
            "data source; without a mapping, to the CSV source."
        ),
    )
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

    def clean(self):
        data = super().clean()
        mapping, kind = data.get("mapping"), data.get("kind")
        if mapping and kind and mapping.kind != kind:
            self.add_error(
                "mapping",
                _("This mapping reads files of %(kind)s; choose one for %(chosen)s.")
                % {
                    "kind": mapping.get_kind_display(),
                    "chosen": ImportJob.Kind(kind).label,
                },
            )
        return data

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(size)s.") % {"size": filesizeformat(limit)}
            )
        return upload


class MappingForm(forms.ModelForm):
    """A column mapping: its settings, then for every column of its kind the file
    columns that fill it and, for yes/no and choice columns, the values that mean each
    (kpis/mappings.py). Lists are separated by "|"."""

    time_zone = forms.ChoiceField(label=_("Time zone of the timestamps"), choices=time_zone_choices)

    class Meta:
        model = ColumnMapping
        fields = [
            "name",
            "date_order",
            "decimal_separator",
            "time_zone",
            "creates_contacts",
            "unknown_technicians_unassigned",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].help_text = ColumnMapping._meta.get_field("time_zone").help_text
        if self.instance.kind != ImportJob.Kind.TICKETS:
            del self.fields["creates_contacts"]
            del self.fields["unknown_technicians_unassigned"]
        self.rows = []  # (column, [bound fields]) for the template
        for column in columns.COLUMNS[self.instance.kind]:
            rule = mappings.Rule.from_json(self.instance.rules.get(column.name, {}))
            names = [self._add(f"col__{column.name}", _("File columns"), rule.columns)]
            kind = mappings.value_kind(column)
            if kind == "boolean":
                names.append(
                    self._add(
                        f"val__{column.name}__true",
                        _("Values meaning yes"),
                        rule.values.get("true", ()),
                    )
                )
            elif kind == "choice":
                for value, label in column.model_field.choices:
                    names.append(
                        self._add(
                            f"val__{column.name}__{value}",
                            _("Values meaning “%(value)s”") % {"value": label},
                            rule.values.get(str(value), ()),
                        )
                    )
                other = f"other__{column.name}"
                self.fields[other] = forms.ChoiceField(
                    label=_("Any other value"),
                    required=False,
                    choices=[("", _("refuses the file")), *column.model_field.choices],
                    initial=rule.other,
                )
                names.append(other)
            elif column.name in SPLIT_COLUMNS:
                self.fields[f"split__{column.name}"] = forms.CharField(
                    label=_("A list separated by (first entry used)"),
                    required=False,
                    max_length=3,
                    strip=False,
                    initial=rule.split,
                )
                names.append(f"split__{column.name}")
            self.rows.append((column, [self[name] for name in names]))

    def _add(self, name: str, label, values) -> str:
        self.fields[name] = forms.CharField(
            label=label,
            required=False,
            max_length=1000,
            initial=" | ".join(values),
        )
        return name

    def clean(self):
        data = super().clean()
        _check_name_free(self, self.instance.data_source_id, data.get("name"), self.instance.pk)
        rules = {}
        for column in columns.COLUMNS[self.instance.kind]:
            names = mappings.split_list(data.get(f"col__{column.name}", ""))
            prefix = f"val__{column.name}__"
            values = {
                key[len(prefix) :]: mappings.split_list(text)
                for key, text in data.items()
                if key.startswith(prefix) and mappings.split_list(text or "")
            }
            rule = mappings.Rule(
                columns=tuple(names),
                values={key: tuple(v) for key, v in values.items()},
                other=data.get(f"other__{column.name}") or "",
                split=data.get(f"split__{column.name}") or "",
            )
            if column.required and not names:
                self.add_error(
                    f"col__{column.name}",
                    _("Required: name the file column (or columns) for “%(column)s”.")
                    % {"column": column.name},
                )
            if (values or rule.other) and not names:
                self.add_error(
                    f"col__{column.name}", _("Name the file column these values are in.")
                )
            if names:
                rules[column.name] = rule.to_json()
        self.instance.rules = rules
        return data


class NewMappingForm(OneTimeFormMixin, forms.Form):
    """A blank mapping: in an existing data source of PSA export files, or a new one."""

    data_source = forms.ModelChoiceField(
        label=_("Data source"),
        queryset=DataSource.objects.filter(kind=DataSource.Kind.FILE),
        required=False,
        empty_label=_("A new data source"),
        help_text=_(
            "The PSA whose exports it reads. External ids are unique per data source: give "
            "each PSA its own."
        ),
    )
    new_source = forms.CharField(
        label=_("Name of the new data source"),
        required=False,
        max_length=100,
        help_text=_("e.g. ConnectWise Manage"),
    )
    name = forms.CharField(label=_("Name of the mapping"), max_length=100)
    kind = forms.ChoiceField(label=_("What the files contain"), choices=ImportJob.Kind.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Create and edit")))

    def clean(self):
        data = super().clean()
        source, new_source = data.get("data_source"), (data.get("new_source") or "").strip()
        if source is None and not new_source:
            self.add_error("new_source", _("Name the new data source, or choose one."))
        if source is None and DataSource.objects.filter(name__iexact=new_source).exists():
            # Two sources of one name could not be told apart, and a file imported into
            # the wrong one would count its tickets twice.
            self.add_error(
                "new_source",
                _(
                    "A data source of this name exists; choose it, or give the new one another name."
                ),
            )
        if source is not None:
            _check_name_free(self, source.pk, data.get("name"))
        return data


def _check_name_free(form, source_id: int, name: str | None, pk: int | None = None) -> None:
    """A mapping's name is unique in its data source: the upload form lists them by name."""
    same_name = ColumnMapping.objects.filter(data_source_id=source_id, name=name).exclude(pk=pk)
    if same_name.exists():
        form.add_error("name", _("This data source has a mapping of this name."))
