"""Parsing and validating one row of clients, technicians or tickets.

The CSV import and the webhook share these functions, so a value accepted by one is
accepted by the other. Each ``clean_*_row`` takes a mapping of column -> text (or, for
the webhook, JSON values) and returns the field values of the columns the row names, or
raises ``RowError`` naming the column and the reason; ``complete_*`` applies them to the
stored record (see "Rows" below). The columns themselves are listed in ``kpis.columns``.
"""

from __future__ import annotations

import datetime
import functools
import re
import zoneinfo
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from core.form_fields import EARLIEST_DATE, LATEST_DATE
from core.single_line import one_line
from organisation.models import Client, Technician

from .models import Priority, Source, Ticket

TRUE_WORDS = {"1", "true", "yes", "y", "ja", "j", "x", "wahr"}
FALSE_WORDS = {"0", "false", "no", "n", "nein", "falsch", ""}
# A PSA may call priorities P1..P4 or 1..4.
PRIORITY_ALIASES = {
    "p1": Priority.CRITICAL,
    "1": Priority.CRITICAL,
    "p2": Priority.HIGH,
    "2": Priority.HIGH,
    "p3": Priority.MEDIUM,
    "3": Priority.MEDIUM,
    "p4": Priority.LOW,
    "4": Priority.LOW,
}
SOURCE_ALIASES = {"self-service": Source.SELF_SERVICE, "selfservice": Source.SELF_SERVICE}
PRIORITY_VALUES = frozenset(str(v) for v in Priority.values)
SOURCE_VALUES = frozenset(str(v) for v in Source.values)
# Timestamps more than this far in the future are typing errors.
FUTURE_TOLERANCE = datetime.timedelta(days=1)
# Dates outside the product's calendar (1900 to 2199, as in every form) are typing
# errors; near year 1 or 9999 converting time zones or adding 90 days would overflow.
EARLIEST_YEAR, LATEST_YEAR = EARLIEST_DATE.year, LATEST_DATE.year
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class RowError(ValueError):
    def __init__(self, column: str, reason: str):
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = str(reason)


# --- Values ----------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _cell(row, column: str) -> str:
    """The stripped text of a cell; raises RowError for characters no database column can
    hold: NUL (PostgreSQL refuses it) and lone surrogates (JSON "\\ud800" escapes, not
    encodable as UTF-8)."""
    value = _text(row.get(column))
    # Most cells are ASCII: only NUL can be unstorable there (isascii is a fast check).
    if ("\x00" in value) if value.isascii() else UNSTORABLE.search(value):
        raise RowError(column, _("contains a NUL byte or an invalid character"))
    # Every column is one line: a line break (Alt+Enter in Excel) becomes a space.
    return one_line(value)


def storable(value: str) -> bool:
    """Whether ``value`` can be used in a database query (see ``_cell``)."""
    return not UNSTORABLE.search(value)


def required_text(row, column: str, max_length: int) -> str:
    value = _cell(row, column)
    if not value:
        raise RowError(column, _("is required"))
    if len(value) > max_length:
        raise RowError(column, _("is longer than %(n)d characters") % {"n": max_length})
    return value


def optional_text(row, column: str, max_length: int) -> str:
    value = _cell(row, column)
    if len(value) > max_length:
        raise RowError(column, _("is longer than %(n)d characters") % {"n": max_length})
    return value


def parse_bool(row, column: str, default: bool) -> bool:
    raw = row.get(column)
    if isinstance(raw, bool):
        return raw
    value = _cell(row, column).lower()
    if value == "":
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise RowError(column, _("must be true or false, not %(value)r") % {"value": value[:40]})


def parse_date(row, column: str, required: bool) -> datetime.date | None:
    value = _cell(row, column)
    if not value:
        if required:
            raise RowError(column, _("is required"))
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            parsed = datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        _check_year(column, parsed)
        return parsed
    raise RowError(
        column, _("is not a date (YYYY-MM-DD or DD.MM.YYYY): %(value)r") % {"value": value[:40]}
    )


def _check_year(column: str, moment: datetime.date) -> None:
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise RowError(
            column,
            _("lies outside the years %(first)d to %(last)d")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR},
        )


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def parse_datetime(row, column: str, required: bool) -> datetime.datetime | None:
    value = _cell(row, column)
    if not value:
        if required:
            raise RowError(column, _("is required"))
        return None
    parsed = None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        for fmt in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M"):
            try:
                parsed = datetime.datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        raise RowError(
            column,
            _("is not a date and time (ISO 8601, e.g. 2026-03-02T09:15:00+01:00): %(value)r")
            % {"value": value[:40]},
        )
    _check_year(column, parsed)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_zone())
    if parsed > timezone.now() + FUTURE_TOLERANCE:
        raise RowError(column, _("lies in the future"))
    return parsed


def parse_percent(row, column: str) -> Decimal | None:
    value = _cell(row, column).rstrip("%").strip().replace(",", ".")
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RowError(column, _("is not a number: %(value)r") % {"value": value[:40]}) from None
    # NaN cannot be compared; 0.001 would be stored as 0.00.
    if not number.is_finite() or not Decimal("0.01") <= number <= Decimal("100"):
        raise RowError(column, _("must be above 0 and at most 100"))
    return number.quantize(Decimal("0.01"))


def choice(row, column: str, choices, aliases: dict | None = None) -> str:
    """The value of a choice column; ``choices`` as (value, label) pairs or a frozenset of
    the values (computed once: TextChoices.choices builds a new list on every access)."""
    value = _cell(row, column).lower()
    if not value:
        raise RowError(column, _("is required"))
    allowed = choices if isinstance(choices, frozenset) else {str(v) for v, _label in choices}
    if value in allowed:
        return value
    if aliases and value in aliases:
        return str(aliases[value])
    raise RowError(
        column,
        _("must be one of %(allowed)s, not %(value)r")
        % {"allowed": ", ".join(sorted(allowed)), "value": value[:40]},
    )


# --- Derived values --------------------------------------------------------------------


def _seconds(start: datetime.datetime, end: datetime.datetime | None) -> int | None:
    if end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def derived_values(opened_at, first_response_at, resolved_at) -> dict:
    """opened_on (the local day of opening) and the durations in whole seconds."""
    return {
        "opened_on": timezone.localtime(opened_at, _zone()).date(),
        "first_response_seconds": _seconds(opened_at, first_response_at),
        "resolution_seconds": _seconds(opened_at, resolved_at),
    }


# --- Rows ------------------------------------------------------------------------------
#
# A row (a CSV line, a webhook ticket) carries the columns it names. ``clean_*_row``
# checks each of them on its own and returns their field values; ``complete_*`` applies
# them to the stored record (or, for a new one, to the model's defaults), checks what
# depends on several columns and derives the computed fields. Both use the stored value
# of every column the row leaves out, so a row never resets what it does not name.


@functools.cache
def _defaults(model, fields: tuple[str, ...]) -> dict:
    """The model's defaults of ``fields`` (computed once: every new record needs them)."""
    return {name: model._meta.get_field(name).get_default() for name in fields}


# The stored fields a row is compared with, and those a new record takes from the model's
# defaults when its row leaves them out.
CLIENT_DEFAULTED = ("segment", "is_active", "escalation_threshold")
CLIENT_FIELDS = ["external_id", "name", "contract_start", *CLIENT_DEFAULTED]
TECHNICIAN_DEFAULTED = ("role", "leave_date", "language")
TECHNICIAN_FIELDS = ["external_id", "name", "email", "hire_date", *TECHNICIAN_DEFAULTED]
TICKET_DEFAULTED = (
    "first_response_at",
    "resolved_at",
    "escalated",
    "escalated_at",
    "proactive",
    "auto_remediated",
    "technician_id",
)
TICKET_FIELDS = [
    "external_id",
    "client_id",
    "priority",
    "opened_at",
    "opened_on",
    "first_response_at",
    "resolved_at",
    "first_response_seconds",
    "resolution_seconds",
    "escalated",
    "escalated_at",
    "source",
    "proactive",
    "auto_remediated",
    "technician_id",
]
# Computed from the timestamps on every write (derived_values).
DERIVED_TICKET_FIELDS = ("opened_on", "first_response_seconds", "resolution_seconds")


def stored_fields(kind: str) -> list[str]:
    """The fields of a stored record that a row of ``kind`` is compared with."""
    return {"clients": CLIENT_FIELDS, "technicians": TECHNICIAN_FIELDS, "tickets": TICKET_FIELDS}[
        kind
    ]


def clean_client_row(row, staff_lookup: dict[str, int] | None = None) -> dict:
    values = {
        "external_id": required_text(row, "external_id", 100),
        "name": required_text(row, "name", 200),
        "contract_start": parse_date(row, "contract_start", required=True),
    }
    if "segment" in row:
        values["segment"] = optional_text(row, "segment", 100)
    if "is_active" in row:
        values["is_active"] = parse_bool(row, "is_active", default=True)
    if "escalation_threshold" in row:
        values["escalation_threshold"] = parse_percent(row, "escalation_threshold")
    if "responsible_staff" in row:
        names = [n.strip() for n in _cell(row, "responsible_staff").split("|") if n.strip()]
        ids = []
        for name in names:
            user_id = (staff_lookup or {}).get(name.lower())
            if user_id is None:
                raise RowError(
                    "responsible_staff",
                    _("no user with sign-in name or e-mail %(name)r") % {"name": name[:60]},
                )
            ids.append(user_id)
        values["responsible_staff"] = ids
    return values


def complete_client(values: dict, stored: dict | None) -> dict:
    """The client's field values after the row (responsible staff aside)."""
    full = dict(stored or _defaults(Client, CLIENT_DEFAULTED))
    full.update((key, value) for key, value in values.items() if key != "responsible_staff")
    return full


def clean_technician_row(row) -> dict:
    values = {
        "external_id": required_text(row, "external_id", 100),
        "name": required_text(row, "name", 200),
        "email": required_text(row, "email", 254),
        "hire_date": parse_date(row, "hire_date", required=True),
    }
    try:
        validate_email(values["email"])
    except ValidationError:
        raise RowError("email", _("is not an e-mail address")) from None
    if "role" in row:
        values["role"] = optional_text(row, "role", 100)
    if "leave_date" in row:
        values["leave_date"] = parse_date(row, "leave_date", required=False)
    if "language" in row:
        language = _cell(row, "language").lower() or "de"
        if language not in ("de", "en"):
            raise RowError("language", _("must be de or en"))
        values["language"] = language
    return values


def complete_technician(values: dict, stored: dict | None) -> dict:
    """The technician's field values after the row; the leave date must follow the hire
    date, the stored leave date too when the row leaves it out."""
    full = dict(stored or _defaults(Technician, TECHNICIAN_DEFAULTED))
    full.update(values)
    if full["leave_date"] and full["leave_date"] <= full["hire_date"]:
        if "leave_date" in values or stored is None:
            raise RowError("leave_date", _("must be after the hire date"))
        raise RowError(
            "leave_date",
            _("the stored leave date, which this row leaves unchanged, is not after the hire date"),
        )
    return full


def clean_ticket_row(row, clients: dict[str, int], technicians: dict[str, int]) -> dict:
    """Field values of the columns one ticket row names; ``clients``/``technicians`` map
    external ids to ids. Checks across columns follow in ``complete_ticket``."""
    external_id = required_text(row, "external_id", 100)
    client_key = required_text(row, "client", 100)
    if client_key not in clients:
        raise RowError("client", _("no client with external id %(id)r") % {"id": client_key})
    values = {
        "external_id": external_id,
        "client_id": clients[client_key],
        "opened_at": parse_datetime(row, "opened_at", required=True),
    }
    for column in ("first_response_at", "resolved_at", "escalated_at"):
        if column in row:
            values[column] = parse_datetime(row, column, required=False)
    if "escalated" in row:
        values["escalated"] = parse_bool(row, "escalated", default=False)
    if "technician" in row:
        technician_key = optional_text(row, "technician", 100)
        technician_id = None
        if technician_key:
            technician_id = technicians.get(technician_key)
            if technician_id is None:
                raise RowError(
                    "technician",
                    _("no technician with external id %(id)r") % {"id": technician_key},
                )
        values["technician_id"] = technician_id
    values["priority"] = choice(row, "priority", PRIORITY_VALUES, PRIORITY_ALIASES)
    values["source"] = choice(row, "source", SOURCE_VALUES, SOURCE_ALIASES)
    for column in ("proactive", "auto_remediated"):
        if column in row:
            values[column] = parse_bool(row, column, default=False)
    return values


def complete_ticket(values: dict, stored: dict | None) -> dict:
    """Every field value of the ticket after the row: ``values`` (from clean_ticket_row)
    applied to ``stored`` (the stored ticket's TICKET_FIELDS, None for a new ticket: the
    defaults). Checks across columns and the derived values use the stored value of each
    column the row leaves out. Raises RowError."""
    full = dict(stored or _defaults(Ticket, TICKET_DEFAULTED))
    full.update(values)
    opened_at = full["opened_at"]
    moved_in_time = stored is not None and stored["opened_at"] != opened_at
    for column in ("first_response_at", "resolved_at", "escalated_at"):
        moment = full[column]
        if moment is None or moment >= opened_at:
            continue
        if column in values:
            raise RowError(column, _("lies before opened_at"))
        if moved_in_time:  # the row's new opened_at against the stored value
            raise RowError(
                column,
                _("the stored value, which this row leaves unchanged, lies before opened_at"),
            )
    # Judged when the row names either column (a stored mismatch it does not touch is not
    # the row's doing).
    touches_escalation = "escalated" in values or "escalated_at" in values
    if touches_escalation and full["escalated_at"] is not None and not full["escalated"]:
        if "escalated_at" not in values:
            raise RowError(
                "escalated",
                _(
                    "is false, but the stored escalated_at, which this row leaves unchanged, "
                    "is set; add an empty escalated_at column to clear it"
                ),
            )
        if "escalated" in values or stored is None:
            raise RowError("escalated_at", _("is set, but escalated is false"))
        raise RowError(
            "escalated_at",
            _("is set, but the stored escalated value, which this row leaves unchanged, is false"),
        )
    full.update(derived_values(opened_at, full["first_response_at"], full["resolved_at"]))
    return full
