"""How one cell of an imported row becomes a field value.

The CSV import and the webhook share these parsers, so a value accepted by one is
accepted by the other. Every column of ``kpis.columns`` names its parser; a parser is
called with the row (a mapping of column -> text, or JSON values for the webhook), the
column (its name, whether it is required, and the maximum length, default and choices
of the model field it fills) and the lookups of the import (external ids -> ids), and
returns the field value or raises ``RowError`` naming the column and the reason.
"""

from __future__ import annotations

import datetime
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

TRUE_WORDS = {"1", "true", "yes", "y", "ja", "j", "x", "wahr"}
FALSE_WORDS = {"0", "false", "no", "n", "nein", "falsch", ""}
# Timestamps more than this far in the future are typing errors.
FUTURE_TOLERANCE = datetime.timedelta(days=1)
# Dates outside the product's calendar (1900 to 2199, as in every form) are typing
# errors; near year 1 or 9999 converting time zones or adding 90 days would overflow.
EARLIEST_YEAR, LATEST_YEAR = EARLIEST_DATE.year, LATEST_DATE.year
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class Keep:
    """A cell's value that leaves the stored one as it is (a new record takes the
    field's default): returned by a parser instead of a value; ``KEEP`` is the one."""

    def __repr__(self):
        return "KEEP"


KEEP = Keep()


class RowError(ValueError):
    def __init__(self, column: str, reason: str):
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = str(reason)

    @property
    def errors(self) -> list[RowError]:
        """Each problem of the row: this one (RowErrors holds several)."""
        return [self]


class RowErrors(RowError):
    """Every bad cell of one row, in column order, so a file is corrected in one go and
    not one cell per upload. ``column`` and ``reason`` are the first problem's."""

    def __init__(self, errors: list[RowError]):
        first = errors[0]
        super().__init__(first.column, first.reason)
        self._errors = list(errors)

    @property
    def errors(self) -> list[RowError]:
        return list(self._errors)

    @classmethod
    def of(cls, errors: list[RowError]) -> RowError:
        """The one error itself, or all of them together."""
        return errors[0] if len(errors) == 1 else cls(errors)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def cell(row, column: str) -> str:
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
    """Whether ``value`` can be used in a database query (see ``cell``)."""
    return not UNSTORABLE.search(value)


def _check_year(column: str, moment: datetime.date) -> None:
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise RowError(
            column,
            _("lies outside the years %(first)d to %(last)d")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR},
        )


def text(row, column, lookups: dict) -> str:
    """Text up to the field's max_length; an empty cell is "" (or "is required")."""
    value = cell(row, column.name)
    if column.required and not value:
        raise RowError(column.name, _("is required"))
    if len(value) > column.max_length:
        raise RowError(column.name, _("is longer than %(n)d characters") % {"n": column.max_length})
    return value


def email(row, column, lookups: dict) -> str:
    """An e-mail address; an empty optional cell is ""."""
    value = text(row, column, lookups)
    if not value and not column.required:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        raise RowError(column.name, _("is not an e-mail address")) from None
    return value


def boolean(row, column, lookups: dict) -> bool:
    """true/false in English or German; an empty cell is the field's default."""
    raw = row.get(column.name)
    if isinstance(raw, bool):
        return raw
    value = cell(row, column.name).lower()
    if value == "":
        return column.default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise RowError(column.name, _("must be true or false, not %(value)r") % {"value": value[:40]})


def date(row, column, lookups: dict) -> datetime.date | None:
    value = cell(row, column.name)
    if not value:
        if column.required:
            raise RowError(column.name, _("is required"))
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            parsed = datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        _check_year(column.name, parsed)
        return parsed
    raise RowError(
        column.name,
        _("is not a date (YYYY-MM-DD or DD.MM.YYYY): %(value)r") % {"value": value[:40]},
    )


def moment(row, column, lookups: dict) -> datetime.datetime | None:
    """A date and time (ISO 8601, or DD.MM.YYYY HH:MM[:SS]); without an offset, local
    time (settings.TIME_ZONE)."""
    value = cell(row, column.name)
    if not value:
        if column.required:
            raise RowError(column.name, _("is required"))
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
            column.name,
            _("is not a date and time (ISO 8601, e.g. 2026-03-02T09:15:00+01:00): %(value)r")
            % {"value": value[:40]},
        )
    _check_year(column.name, parsed)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    if parsed > timezone.now() + FUTURE_TOLERANCE:
        raise RowError(column.name, _("lies in the future"))
    return parsed


def percent(row, column, lookups: dict) -> Decimal | None:
    """A percentage above 0 and at most 100 ("8", "8,5", "8.5 %"); empty: None."""
    value = cell(row, column.name).rstrip("%").strip().replace(",", ".")
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RowError(
            column.name, _("is not a number: %(value)r") % {"value": value[:40]}
        ) from None
    # NaN cannot be compared; 0.001 would be stored as 0.00.
    if not number.is_finite() or not Decimal("0.01") <= number <= Decimal("100"):
        raise RowError(column.name, _("must be above 0 and at most 100"))
    return number.quantize(Decimal("0.01"))


# The largest count of minutes a PositiveIntegerField holds on every database.
MAX_MINUTES = 2_147_483_647


def minutes(row, column, lookups: dict) -> int | None:
    """Whole minutes, 0 or more ("90"); empty: None."""
    value = cell(row, column.name)
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_MINUTES:
        raise RowError(
            column.name,
            _("must be a whole number of minutes, not %(value)r") % {"value": value[:40]},
        )
    return int(value)


class Choice:
    """One of the field's choices, or an alias of one (``aliases``: {text: value})."""

    def __init__(self, aliases: dict | None = None):
        self.aliases = aliases or {}

    def __call__(self, row, column, lookups: dict) -> str:
        value = cell(row, column.name).lower()
        if not value:
            raise RowError(column.name, _("is required"))
        if value in column.choices:
            return value
        if value in self.aliases:
            return str(self.aliases[value])
        raise RowError(
            column.name,
            _("must be one of %(allowed)s, not %(value)r")
            % {"allowed": ", ".join(sorted(column.choices)), "value": value[:40]},
        )


def language(row, column, lookups: dict) -> str:
    """A language of the field's choices; an empty cell is the field's default."""
    value = cell(row, column.name).lower() or str(column.default)
    if value not in column.choices:
        raise RowError(column.name, _("must be de or en"))
    return value


class ExternalId:
    """The id of the record (of the foreign key's model) whose external id is in the
    cell, from ``lookups[lookup]`` ({external id: id}); an empty optional cell is None."""

    def __init__(self, lookup: str, missing):
        # ``missing``: the message for an unknown external id, with %(id)r (lazy).
        self.lookup, self.missing = lookup, missing

    def __call__(self, row, column, lookups: dict) -> int | None:
        key = text(row, column, lookups)
        if not key:
            return None
        found = lookups[self.lookup].get(key)
        if found is None:
            raise RowError(column.name, str(self.missing) % {"id": key})
        return found


def technician(row, column, lookups: dict) -> int | None:
    """The technician by external id (``lookups["technicians"]``), else by the address in
    the technician_email cell (``lookups["technician_emails"]``, lower case); both
    empty: None (unassigned). An unknown one refuses the row, unless the column mapping
    imports such tickets unassigned (``lookups["unknown_technicians_unassigned"]``): then
    a new ticket is unassigned and a stored one keeps its technician."""
    key = text(row, column, lookups) if column.name in row else ""
    address = cell(row, "technician_email").lower()
    found = lookups["technicians"].get(key) if key else None
    if found is None and address:
        found = lookups["technician_emails"].get(address)
    if found is not None or not (key or address):
        return found
    if lookups.get("unknown_technicians_unassigned"):  # a column mapping's choice
        # Unassigned when new; a stored ticket keeps its technician.
        return KEEP
    if key:
        raise RowError(column.name, _("no technician with external id %(id)r") % {"id": key})
    raise RowError(
        "technician_email", _("no technician with e-mail %(email)r") % {"email": address}
    )


def staff(row, column, lookups: dict) -> list[int]:
    """The user ids of sign-in names or e-mails separated by "|", from
    ``lookups["staff"]`` ({lower-case name or e-mail: user id})."""
    ids = []
    for name in (n.strip() for n in cell(row, column.name).split("|")):
        if not name:
            continue
        user_id = lookups["staff"].get(name.lower())
        if user_id is None:
            raise RowError(
                column.name,
                _("no user with sign-in name or e-mail %(name)r") % {"name": name[:60]},
            )
        ids.append(user_id)
    return ids
