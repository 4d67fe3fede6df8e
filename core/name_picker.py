"""A searchable choice of one record by its name, for lists too long for a <select>.

The page shows a text box. With JavaScript (static/js/name_picker.js) typing asks a JSON
endpoint for up to 20 matching names and a chosen one fills a hidden input with its id.
Without JavaScript the typed name is resolved here: an exact name (any case), else a
name it is the unique start of. The field knows no app: the queryset (rows with ``pk``
and ``name``) and the endpoint's URL name are handed in.

Two inputs: ``<name>`` carries the id (links keep ``?client=12``), ``<name>_name`` the
text. When the text was sent it decides: empty means none chosen, a name that is not the
chosen record's is resolved again (the hidden id may be stale without JavaScript).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django import forms
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

NAME_SUFFIX = "_name"
MAX_NAME = 200


@dataclass(frozen=True)
class Picked:
    """What the two inputs sent: the id, the text, and whether the text was sent."""

    pk: str
    name: str
    typed: bool


def _with_class(classes: str, wanted: str) -> str:
    return classes if wanted in classes.split() else f"{classes} {wanted}".strip()


class NamePickerWidget(forms.Widget):
    def __init__(self, search_url: str, placeholder: str = "", attrs=None):
        super().__init__(attrs)
        self.search_url = search_url
        self.placeholder = placeholder

    def value_from_datadict(self, data, files, name):
        text_name = name + NAME_SUFFIX
        return Picked(
            str(data.get(name) or "").strip(),
            str(data.get(text_name) or "").strip()[:MAX_NAME],
            text_name in data,
        )

    def value_omitted_from_data(self, data, files, name):
        return name not in data and name + NAME_SUFFIX not in data

    def render(self, name, value, attrs=None, renderer=None):
        pk, text = value or ("", "")
        attrs = self.build_attrs(self.attrs, attrs)
        box_id = attrs.get("id", f"id_{name}")
        list_id = f"{box_id}_options"
        text_attrs = {
            **attrs,
            "type": "search",
            "name": name + NAME_SUFFIX,
            "value": text,
            "class": _with_class(attrs.get("class", ""), "form-control"),
            "autocomplete": "off",
            "placeholder": str(self.placeholder),
            "role": "combobox",
            "aria-autocomplete": "list",
            "aria-expanded": "false",
            "aria-controls": list_id,
            "maxlength": MAX_NAME,
        }
        # flatatt escapes every attribute; the id and the URL are escaped here.
        return mark_safe(  # noqa: S308
            f'<div class="name-picker position-relative" data-name-picker '
            f'data-search-url="{escape(reverse(self.search_url))}">'
            f'<input type="hidden" name="{escape(name)}" value="{escape(str(pk))}" '
            f"data-name-picker-id>"
            f"<input{flatatt(text_attrs)}>"
            f'<ul class="name-picker-options list-group position-absolute w-100 shadow-sm" '
            f'id="{escape(list_id)}" role="listbox" hidden></ul></div>'
        )


class NamePickerField(forms.Field):
    """One record of ``queryset`` chosen by name (optional unless ``required``); cleans to
    the record or None. At most two queries: the id, else the exact name and the start."""

    default_error_messages = {
        "unknown": _("Nothing is called “%(name)s”."),
        "ambiguous": _("Several names start with “%(name)s”: choose one or type more of it."),
    }

    def __init__(self, *, queryset, search_url: str, placeholder="", **kwargs):
        kwargs.setdefault("widget", NamePickerWidget(search_url, placeholder))
        super().__init__(**kwargs)
        self.queryset = queryset
        self.chosen = None

    def prepare_value(self, value):
        """(id, text) for the two inputs: the record chosen, else the text as typed."""
        if isinstance(value, Picked):
            if self.chosen is not None:
                return (self.chosen.pk, value.name if value.typed else self.chosen.name)
            return ("" if value.typed else value.pk, value.name)
        if value is not None and hasattr(value, "pk"):
            return (value.pk, value.name)
        return ("", "")

    def clean(self, value):
        self.chosen = None
        if not isinstance(value, Picked):
            value = Picked("", "", False)
        record = self._resolve(value)
        if record is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        self.chosen = record
        return record

    def _resolve(self, value: Picked):
        if value.typed and not value.name:
            return None  # the box emptied: none chosen, whatever id was left
        if value.pk.isdigit():
            record = self.queryset.filter(pk=int(value.pk)).first()
            same_name = record is not None and value.name.casefold() == record.name.casefold()
            if record is not None and (not value.typed or same_name):
                return record
        if value.name:
            return self._by_name(value.name)
        if value.pk:  # a link to a record since deleted, or no id at all
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"name": value.pk}
            )
        return None

    def _by_name(self, name: str):
        for lookup in ("name__iexact", "name__istartswith"):
            found = list(self.queryset.filter(**{lookup: name}).order_by("name")[:2])
            if len(found) == 1:
                return found[0]
            if found:
                raise forms.ValidationError(
                    self.error_messages["ambiguous"], code="ambiguous", params={"name": name}
                )
        raise forms.ValidationError(
            self.error_messages["unknown"], code="unknown", params={"name": name}
        )
