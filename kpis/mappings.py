"""Column mappings: how a PSA's export, with its own column names, date format and
values, is read (docs/import.md, "Column mappings").

A mapping (``kpis.models.ColumnMapping``, or the copy of its settings an import job
keeps) says for each column of its kind (``kpis.columns``):

- ``columns``: the file's column names that fill it; the first of them the header holds
  is used (names compare as header names do: without case, spaces and hyphens alike).
- ``values``: for a yes/no column, ``{"true": [patterns]}``: a cell matching a pattern is
  yes, any other non-empty cell no. For a column of choices (priority, source,
  language), ``{choice: [patterns]}``: a cell takes the choice of the first pattern it
  matches; ``other`` is the choice of every other non-empty cell, and without it such a
  cell refuses the file, naming the values listed. Patterns compare without case; "*"
  stands for any text ("Priority 1*" matches "Priority 1 - Emergency Response").
- ``split``: a separator: the cell is a list and its first entry is used (the first
  assigned member of ConnectWise's ``resource_list``).

The cell is then turned into the text the product's own parsers read
(``kpis.ticket_fields``), so a mapped file is checked exactly like a file in our column
names:

- Dates and timestamps: ISO 8601 is read as written (a typed Excel cell gives it); any
  other text in the mapping's date order, never guessing between day and month. A
  12-hour clock with AM/PM is read; a year needs four digits. A timestamp without an
  offset is in the mapping's time zone.
- Numbers (a client's escalation threshold): the mapping's decimal separator; a cell
  written with the other one is refused, so "8.500" is never silently 8.5 or 8500. A
  number typed as a number in a workbook needs no separator.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.utils.translation import gettext as _

from . import columns as kind_columns
from . import ticket_fields as parsers
from .tables import TypedNumber
from .ticket_fields import RowError

# What a pattern list in a form or a stored rule is split at.
LIST_SEPARATOR = "|"

DATE_ORDERS = ("dmy", "mdy", "ymd")
_TEXT_MOMENT = re.compile(
    r"(?P<a>\d{1,4})[./-](?P<b>\d{1,2})[./-](?P<c>\d{1,4})"
    r"(?:(?:\s+|T|,\s*)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?:(?P<half>[ap])\.?\s*m\.?)?)?",
    re.IGNORECASE,
)


def value_kind(column: kind_columns.Column) -> str:
    """How a column's cells are translated: date, moment, boolean, choice, number, text."""
    parse = column.parse
    if parse is parsers.date:
        return "date"
    if parse is parsers.moment:
        return "moment"
    if parse is parsers.boolean:
        return "boolean"
    if isinstance(parse, parsers.Choice) or parse is parsers.language:
        return "choice"
    if parse is parsers.percent:
        return "number"
    return "text"


def split_list(text: str) -> list[str]:
    """The entries of a "|"-separated list, stripped, without empty ones."""
    return [part.strip() for part in str(text).split(LIST_SEPARATOR) if part.strip()]


def glob_matches(parts: tuple[str, ...], text: str) -> bool:
    """Whether lower-case ``text`` matches a pattern split at its "*"s (lower case): the
    first part starts it, the last ends it, the others follow in order. Linear in the
    text, whatever the pattern: a regular expression with ".*" per "*" backtracks for
    minutes on a long cell that almost matches, and cells come from the MSP's clients."""
    if len(parts) == 1:
        return text == parts[0]
    first, *middle, last = parts
    if len(text) < len(first) + len(last) or not (text.startswith(first) and text.endswith(last)):
        return False
    position, end = len(first), len(text) - len(last)
    for part in middle:
        found = text.find(part, position, end)
        if found < 0:
            return False
        position = found + len(part)
    return True


@dataclass(frozen=True)
class Rule:
    """How one column of the kind is filled from the file (see the module docstring)."""

    columns: tuple[str, ...] = ()
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    other: str = ""
    split: str = ""

    @classmethod
    def from_json(cls, data: dict) -> Rule:
        return cls(
            columns=tuple(str(name) for name in data.get("columns", ()) if str(name).strip()),
            values={
                str(value): tuple(str(p) for p in patterns if str(p).strip())
                for value, patterns in (data.get("values") or {}).items()
            },
            other=str(data.get("other") or ""),
            split=str(data.get("split") or ""),
        )

    def to_json(self) -> dict:
        data: dict = {"columns": list(self.columns)}
        if any(self.values.values()):
            data["values"] = {key: list(patterns) for key, patterns in self.values.items()}
        if self.other:
            data["other"] = self.other
        if self.split:
            data["split"] = self.split
        return data

    @cached_property
    def compiled(self) -> list[tuple[str, tuple[str, ...]]]:
        return [
            (value, tuple(pattern.strip().lower().split("*")))
            for value, patterns in self.values.items()
            for pattern in patterns
        ]

    def value_of(self, text: str) -> str | None:
        """The value of the first pattern ``text`` matches (without case), or None."""
        lowered = text.lower()
        for value, parts in self.compiled:
            if glob_matches(parts, lowered):
                return value
        return None


@dataclass
class MappedHeader:
    """Which file column fills each column of the kind."""

    # {column: index of the file column in the header}
    indexes: dict[str, int] = field(default_factory=dict)
    # {column: the file column's name as written}
    file_names: dict[str, str] = field(default_factory=dict)
    # File columns the mapping does not use, as written.
    unused: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class Mapping:
    """A column mapping as the import applies it (see the module docstring)."""

    def __init__(
        self,
        kind: str,
        rules: dict,
        *,
        date_order: str = "dmy",
        decimal_separator: str = ",",
        time_zone: str = "",
        creates_contacts: bool = True,
        unknown_technicians_unassigned: bool = False,
        name: str = "",
    ):
        self.kind = kind
        self.rules = {name: Rule.from_json(rule) for name, rule in (rules or {}).items()}
        self.date_order = date_order if date_order in DATE_ORDERS else "dmy"
        self.decimal_separator = decimal_separator
        self.zone = zoneinfo.ZoneInfo(time_zone or settings.TIME_ZONE)
        self.creates_contacts = creates_contacts
        self.unknown_technicians_unassigned = unknown_technicians_unassigned
        self.name = name
        self.columns = {column.name: column for column in kind_columns.COLUMNS[kind]}
        self.kinds = {name: value_kind(column) for name, column in self.columns.items()}

    # --- Stored settings ------------------------------------------------------------

    SETTINGS = (
        "name",
        "date_order",
        "decimal_separator",
        "time_zone",
        "creates_contacts",
        "unknown_technicians_unassigned",
    )

    @classmethod
    def of(cls, mapping) -> Mapping:
        """The mapping of a ``ColumnMapping``."""
        return cls.from_settings(mapping.kind, mapping_settings(mapping))

    @classmethod
    def from_settings(cls, kind: str, data: dict) -> Mapping:
        options = {key: data[key] for key in cls.SETTINGS if key in data}
        return cls(kind, data.get("rules") or {}, **options)

    # --- The header -----------------------------------------------------------------

    def rule(self, column: str) -> Rule:
        return self.rules.get(column) or Rule()

    def read_header(self, names: list[str]) -> MappedHeader:
        """The file column of each column of the kind: the first of the rule's names the
        header holds. A required column none of whose names is there, or a used name the
        header holds twice, is a problem."""
        header = MappedHeader()
        positions: dict[str, list[int]] = {}
        for index, name in enumerate(names):
            positions.setdefault(kind_columns.normalise(name), []).append(index)
        for name, column in self.columns.items():
            rule = self.rule(name)
            for wanted in rule.columns:
                found = positions.get(kind_columns.normalise(wanted))
                if not found:
                    continue
                written = str(names[found[0]]).strip()
                if len(found) > 1:
                    header.problems.append(
                        _(
                            "The column “%(column)s” is in the file more than once; the "
                            "mapping cannot tell which to use."
                        )
                        % {"column": written}
                    )
                header.indexes[name] = found[0]
                header.file_names[name] = written
                break
            else:
                if column.required:
                    header.problems.append(self._missing(name, rule, names))
        used = set(header.indexes.values())
        header.unused = [
            str(name).strip()
            for index, name in enumerate(names)
            if index not in used and str(name).strip()
        ]
        return header

    def _missing(self, column: str, rule: Rule, names: list[str]) -> str:
        if not rule.columns:
            return _(
                "The mapping “%(mapping)s” names no file column for the required column "
                "“%(column)s”; add one to the mapping."
            ) % {"mapping": self.name, "column": column}
        return _(
            "Required column “%(column)s”: the file has none of the columns the mapping names "
            "for it (%(names)s). The header row reads: %(header)s."
        ) % {
            "column": column,
            "names": kind_columns.quoted(rule.columns),
            "header": ", ".join(str(n).strip() for n in names)[:300],
        }

    # --- Cells ----------------------------------------------------------------------

    def translate(self, column: str, text: str, known: Callable[[str], bool] | None = None) -> str:
        """The text the product's parser of ``column`` reads for a cell of the file;
        raises RowError naming ``column`` when the cell cannot be read. ``known``: for a
        list cell (``split``), whether an entry names a known record; the first known
        entry is taken (a list may start with an RMM's integration user), else the first."""
        rule = self.rule(column)
        # Line breaks in a cell become spaces later, in the parser (ticket_fields.cell).
        value = str(text or "").strip()
        if rule.split and value:
            entries = [entry.strip() for entry in value.split(rule.split) if entry.strip()]
            value = next((e for e in entries if known and known(e)), entries[0] if entries else "")
        kind = self.kinds[column]
        if not value:
            return value
        if kind == "boolean" and rule.values:
            return "true" if rule.value_of(value) == "true" else "false"
        if kind == "choice" and (rule.values or rule.other):
            return self._choice(column, rule, value)
        if kind in ("date", "moment"):
            return self._moment(column, value, kind == "date")
        if kind == "number":
            return self._number(column, value, isinstance(text, TypedNumber))
        return value

    def _choice(self, column: str, rule: Rule, value: str) -> str:
        found = rule.value_of(value)
        if found is not None:
            return found
        # A value the product itself knows ("critical", "P1") keeps its meaning.
        parse = self.columns[column].parse
        aliases = parse.aliases if isinstance(parse, parsers.Choice) else {}
        if value.lower() in self.columns[column].choices or value.lower() in aliases:
            return value
        if rule.other:
            return rule.other
        listed = "; ".join(
            f"{choice}: {', '.join(patterns)}"
            for choice, patterns in rule.values.items()
            if patterns
        )
        raise RowError(
            column,
            _("%(value)r is none of the values the mapping lists (%(listed)s)")
            % {"value": value[:60], "listed": listed},
        )

    def _moment(self, column: str, value: str, date_only: bool) -> str:
        parsed = self.parse_moment(value)
        if parsed is None:
            raise RowError(
                column,
                _("is not a date in the order %(order)s: %(value)r")
                % {"order": self.order_label(), "value": value[:40]},
            )
        if date_only:
            return parsed.date().isoformat()
        if parsed.tzinfo is None:
            local = parsed.replace(tzinfo=self.zone)
            # A time the clocks skipped (spring forward) exists in no zone's day: refuse it
            # rather than move it by an hour. A repeated one (autumn) is its first pass.
            if local.astimezone(datetime.UTC).astimezone(self.zone).replace(tzinfo=None) != parsed:
                raise RowError(
                    column,
                    _(
                        "%(value)r does not exist in the time zone %(zone)s (the clocks were put forward)"
                    )
                    % {"value": value[:40], "zone": self.zone.key},
                )
            parsed = local
        return parsed.isoformat()

    def parse_moment(self, value: str) -> datetime.datetime | None:
        """A date or date and time from ISO 8601 or from text in the date order; None if
        it is neither (a date that does not exist, e.g. 31.02., included)."""
        if re.match(r"\d{4}-\d{2}-\d{2}", value):
            try:
                return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass  # e.g. "2026-10-05 6:12 PM": text in the mapping's order
        match = _TEXT_MOMENT.fullmatch(value)
        if match is None:
            return None
        a, b, c = match["a"], match["b"], match["c"]
        year, month, day = {
            "dmy": (c, b, a),
            "mdy": (c, a, b),
            "ymd": (a, b, c),
        }[self.date_order]
        if len(year) != 4 or len(day) > 2 or len(month) > 2:
            return None
        hour, minute = int(match["hour"] or 0), int(match["minute"] or 0)
        if match["half"]:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if match["half"].lower() == "p" else 0)
        try:
            return datetime.datetime(
                int(year), int(month), int(day), hour, minute, int(match["second"] or 0)
            )
        except ValueError:
            return None

    def order_label(self) -> str:
        return {
            "dmy": _("day, month, year"),
            "mdy": _("month, day, year"),
            "ymd": _("year, month, day"),
        }[self.date_order]

    def _number(self, column: str, value: str, typed: bool) -> str:
        if typed:  # a workbook's number cell, written by cell_text with a point
            return value
        other = "." if self.decimal_separator == "," else ","
        if other in value:
            raise RowError(
                column,
                _("%(value)r uses “%(other)s”, but the mapping's decimal separator is “%(sep)s”")
                % {"value": value[:40], "other": other, "sep": self.decimal_separator},
            )
        return value.replace(",", ".")


def mapping_settings(mapping) -> dict:
    """The settings of a ``ColumnMapping`` as an import job keeps them."""
    return {
        **{name: getattr(mapping, name) for name in Mapping.SETTINGS},
        "rules": mapping.rules,
    }
