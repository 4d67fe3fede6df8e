"""Parsing and validating one row of clients, technicians or tickets.

The CSV import and the webhook share these functions, so a value accepted by one is
accepted by the other. Each ``clean_*_row`` takes a mapping of column -> text (or, for
the webhook, JSON values) and returns the model field values, or raises ``RowError``
naming the column and the reason.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from msp_maturity.single_line import one_line

from .models import Priority, Source

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
# Dates outside these years are typing errors; near year 1 or 9999 converting time zones
# or adding the 90 onboarding days would overflow.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class RowError(ValueError):
    def __init__(self, column: str, reason: str):
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = str(reason)


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: object  # a lazy translation


CLIENT_COLUMNS = [
    Column("external_id", True, gettext_lazy("Client id in the PSA")),
    Column("name", True, gettext_lazy("Company name")),
    Column("contract_start", True, gettext_lazy("YYYY-MM-DD or DD.MM.YYYY")),
    Column("segment", False, gettext_lazy("Size or industry")),
    Column("is_active", False, gettext_lazy("true/false (default true)")),
    Column(
        "escalation_threshold", False, gettext_lazy("Per-client threshold in %, empty: default")
    ),
    Column("responsible_staff", False, gettext_lazy("Sign-in names or e-mails, separated by |")),
]
TECHNICIAN_COLUMNS = [
    Column("external_id", True, gettext_lazy("Technician id in the PSA")),
    Column("name", True, gettext_lazy("Full name")),
    Column("email", True, gettext_lazy("E-mail address")),
    Column("role", False, gettext_lazy("e.g. Level 1")),
    Column("hire_date", True, gettext_lazy("YYYY-MM-DD or DD.MM.YYYY")),
    Column("leave_date", False, gettext_lazy("First day no longer employed; empty if employed")),
    Column("language", False, gettext_lazy("de or en (default de)")),
]
TICKET_COLUMNS = [
    Column("external_id", True, gettext_lazy("Ticket number in the PSA")),
    Column("client", True, gettext_lazy("The client's external_id")),
    Column("priority", True, gettext_lazy("critical, high, medium, low (or P1..P4)")),
    Column(
        "opened_at",
        True,
        gettext_lazy("ISO 8601, e.g. 2026-03-02T09:15:00+01:00; no offset: local time"),
    ),
    Column("first_response_at", False, gettext_lazy("ISO 8601; empty if none yet")),
    Column("resolved_at", False, gettext_lazy("ISO 8601; empty if open")),
    Column("escalated", False, gettext_lazy("true/false (default false)")),
    Column("escalated_at", False, gettext_lazy("ISO 8601; only with escalated=true")),
    Column("source", True, gettext_lazy("client, monitoring, automation or self_service")),
    Column("proactive", False, gettext_lazy("Resolved before a failure: true/false")),
    Column("auto_remediated", False, gettext_lazy("true/false")),
    Column("technician", False, gettext_lazy("The technician's external_id; empty: unassigned")),
]
COLUMNS = {"clients": CLIENT_COLUMNS, "technicians": TECHNICIAN_COLUMNS, "tickets": TICKET_COLUMNS}


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
        if values["leave_date"] and values["leave_date"] <= values["hire_date"]:
            raise RowError("leave_date", _("must be after the hire date"))
    if "language" in row:
        language = _cell(row, "language").lower() or "de"
        if language not in ("de", "en"):
            raise RowError("language", _("must be de or en"))
        values["language"] = language
    return values


def clean_ticket_row(row, clients: dict[str, int], technicians: dict[str, int]) -> dict:
    """Field values of one ticket; ``clients``/``technicians`` map external ids to ids."""
    external_id = required_text(row, "external_id", 100)
    client_key = required_text(row, "client", 100)
    if client_key not in clients:
        raise RowError("client", _("no client with external id %(id)r") % {"id": client_key})
    opened_at = parse_datetime(row, "opened_at", required=True)
    first_response_at = parse_datetime(row, "first_response_at", required=False)
    resolved_at = parse_datetime(row, "resolved_at", required=False)
    escalated_at = parse_datetime(row, "escalated_at", required=False)
    escalated = parse_bool(row, "escalated", default=False)
    for column, moment in (
        ("first_response_at", first_response_at),
        ("resolved_at", resolved_at),
        ("escalated_at", escalated_at),
    ):
        if moment is not None and moment < opened_at:
            raise RowError(column, _("lies before opened_at"))
    if escalated_at is not None and not escalated:
        raise RowError("escalated_at", _("is set, but escalated is false"))
    technician_key = optional_text(row, "technician", 100)
    technician_id = None
    if technician_key:
        technician_id = technicians.get(technician_key)
        if technician_id is None:
            raise RowError(
                "technician", _("no technician with external id %(id)r") % {"id": technician_key}
            )
    values = {
        "external_id": external_id,
        "client_id": clients[client_key],
        "priority": choice(row, "priority", PRIORITY_VALUES, PRIORITY_ALIASES),
        "opened_at": opened_at,
        "first_response_at": first_response_at,
        "resolved_at": resolved_at,
        "escalated": escalated,
        "escalated_at": escalated_at,
        "source": choice(row, "source", SOURCE_VALUES, SOURCE_ALIASES),
        "proactive": parse_bool(row, "proactive", default=False),
        "auto_remediated": parse_bool(row, "auto_remediated", default=False),
        "technician_id": technician_id,
    }
    values.update(derived_values(opened_at, first_response_at, resolved_at))
    return values
