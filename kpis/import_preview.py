"""The preview of an upload as the page shows it: for each of the first rows, every
column's text in the file beside the value the import would store, and the requester the
ticket would get (kpis/requesters.py). Values are written as the page's language writes
them; times in the site's time zone, so a wrong time zone in a mapping shows at once."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from organisation.models import Client, Contact, DataSource, Technician

from . import requesters
from .importing import Preview
from .ticket_fields import KEEP, RowError


@dataclass
class ShownRow:
    number: int
    # (column, the file's text, the value as shown) per column of ``ShownPreview.columns``
    cells: list[tuple[str, str, str]]
    requester: str = ""
    error: str = ""


@dataclass
class ShownPreview:
    # (column name, the file's column name)
    columns: list[tuple[str, str]]
    rows: list[ShownRow]
    unused: list[str]
    more: bool
    # Whether the rows name a requester (a column for it is shown).
    requesters: bool = False
    zone: str = settings.TIME_ZONE
    errors: int = field(default=0)


def _ids(rows: list[dict], field: str) -> set[int]:
    return {row[field] for row in rows if isinstance(row.get(field), int)}


def _names(model, ids) -> dict[int, str]:
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def shown(
    preview: Preview, data_source_id: int, creates_contacts: bool | None = None
) -> ShownPreview:
    """The preview's rows as text for the page (a few queries, whatever the rows)."""
    good = [row.values for row in preview.rows if row.values is not None]
    names = {
        "client_id": _names(Client, _ids(good, "client_id")),
        "technician_id": _names(Technician, _ids(good, "technician_id")),
    }
    users = get_user_model().objects.filter(
        pk__in={pk for v in good for pk in v.get("responsible_staff", ())}
    )
    names["responsible_staff"] = dict(users.values_list("pk", "username"))
    named_requester = preview.kind == "tickets" and any(
        column.name in requesters.COLUMNS for column, _name in preview.columns
    )
    find = None
    if named_requester and good:
        if creates_contacts is None:
            creates_contacts = DataSource.creates_contacts_of(data_source_id)
        find = requesters.Requesters(
            data_source_id, good, creates_contacts, keep_unknown=preview.mapped
        )
    rows = []
    matched: dict[int, int] = {}  # {row number: the stored contact}
    for row in preview.rows:
        cells = []
        for column, _file_name in preview.columns:
            text = str(row.texts.get(column.name) or "")
            value = "" if row.values is None else _value(column, row.values, names)
            cells.append((column.name, text, value))
        shown_row = ShownRow(row.number, cells, error=row.error)
        if find is not None and row.values is not None:
            shown_row.requester, found = _requester(find, row.values)
            if isinstance(found, RowError) and not shown_row.error:
                shown_row.error = preview.message(row.number, found.column, found.reason)
            elif isinstance(found, int):
                matched[row.number] = found
        rows.append(shown_row)
    contacts = _names(Contact, set(matched.values()))
    for shown_row in rows:
        if shown_row.number in matched:
            shown_row.requester = contacts.get(matched[shown_row.number], "")
    return ShownPreview(
        columns=[(column.name, file_name) for column, file_name in preview.columns],
        rows=rows,
        unused=preview.unused,
        more=preview.more,
        requesters=find is not None,
        errors=sum(1 for row in rows if row.error),
    )


def _requester(find: requesters.Requesters, values: dict) -> tuple[str, int | RowError | None]:
    """(who the ticket's requester would be, and the stored contact's id, or the problem
    that would refuse the row)."""
    try:
        found = find.match(values, values["client_id"])
    except RowError as exc:
        return "", exc
    if found is KEEP:
        return _("not linked (unknown id, no e-mail)"), None
    if found is None:
        return "—", None
    if isinstance(found, requesters.NewContact):
        return _("new contact: %(name)s") % {"name": find.new[found]["name"]}, None
    return "", found


def _value(column, values: dict, names: dict) -> str:
    """A cleaned value as the page writes it."""
    value = values.get(column.field_name)
    if value is KEEP:
        return _("unknown: a new ticket is unassigned, a stored one keeps its own")
    if column.field_name in names and value:
        if isinstance(value, list):
            return ", ".join(names[column.field_name].get(pk, "?") for pk in value)
        return names[column.field_name].get(value, "?")
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return formats.number_format(value, use_l10n=True)
    if column.model_field.choices and not column.model_field.is_relation:
        return str(dict(column.model_field.choices).get(value, value))
    return str(value)
