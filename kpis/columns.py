"""The columns of the CSV import and the keys of the webhook: names, German aliases, the
parser of each (``kpis.ticket_fields``), and how a header row is read (docs/import.md
lists the same). ``clean_row(columns, row, lookups)`` turns a row into field values.

``read_header(kind, names)`` maps each name of a header row (or each key of a webhook
ticket) to its column. Names are compared without case, with spaces and hyphens read as
underscores ("Geöffnet am" = "geöffnet_am"). A name that is neither a column nor an
alias is *unknown*: when it is close to one (difflib ratio ≥ NEAR_MISS_RATIO, e.g.
"eskalirt" for "eskaliert") it is probably a typing error and the file is refused, naming
the probable column, since importing without it would silently give wrong figures;
other unknown names are ignored and listed in the result.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisation.models import Client, Contact, Technician

from . import ticket_fields as parsers
from .models import Priority, Source, Ticket
from .ticket_fields import RowError, RowErrors

# SequenceMatcher.ratio() from which an unknown name counts as a misspelt column.
NEAR_MISS_RATIO = 0.8
_SEPARATORS = re.compile(r"[\s\-]+")


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


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: object  # a lazy translation
    # Other accepted names (German), written as normalise() returns them.
    aliases: tuple[str, ...] = ()
    # (row, column, lookups) -> the field value, or RowError (kpis.ticket_fields).
    parse: Callable = parsers.text
    # The model field the column fills (a foreign key's id for client and technician).
    field: str = ""
    # The model of the field; set for every column of a kind by ``_of``.
    model: type | None = None
    # Other columns the parser reads: the column is cleaned when the row names any.
    reads: tuple[str, ...] = ()
    # The model field whose length a column follows that fills no field of its model
    # (a requester's e-mail, matched against the contacts).
    limits: object = None

    @property
    def field_name(self) -> str:
        return self.field or self.name

    @cached_property
    def model_field(self):
        return self.limits or self.model._meta.get_field(self.field_name)

    @cached_property
    def max_length(self) -> int | None:
        """The field's max_length; of the external id for a foreign key."""
        if self.model_field.is_relation:
            return self.model_field.related_model._meta.get_field("external_id").max_length
        return self.model_field.max_length

    @cached_property
    def default(self):
        return self.model_field.get_default()

    @cached_property
    def choices(self) -> frozenset[str]:
        return frozenset(str(value) for value, _label in self.model_field.choices)

    def clean(self, row, lookups: dict):
        return self.parse(row, self, lookups)


def _of(model, columns: list[Column]) -> list[Column]:
    return [replace(column, model=model) for column in columns]


# Columns of several kinds (``_of`` gives each kind's copy its model).
CLIENT = Column(
    "client",
    True,
    gettext_lazy("The client's external_id"),
    ("kunde",),
    parsers.ExternalId("clients", gettext_lazy("no client with external id %(id)r")),
    "client_id",
)
FULL_NAME = Column("name", True, gettext_lazy("Full name"))
EMAIL = Column("email", True, gettext_lazy("E-mail address"), ("e_mail",), parsers.email)
LANGUAGE = Column(
    "language", False, gettext_lazy("de or en (default de)"), ("sprache",), parsers.language
)
IS_ACTIVE = Column(
    "is_active", False, gettext_lazy("true/false (default true)"), ("aktiv",), parsers.boolean
)

CLIENT_COLUMNS = _of(
    Client,
    [
        Column(
            "external_id",
            True,
            gettext_lazy("Client id in the PSA"),
            ("externe_id", "kundennummer"),
        ),
        Column("name", True, gettext_lazy("Company name"), ("firma", "firmenname", "kundenname")),
        Column(
            "contract_start",
            True,
            gettext_lazy("YYYY-MM-DD or DD.MM.YYYY"),
            ("vertragsbeginn", "vertragsstart"),
            parsers.date,
        ),
        Column("segment", False, gettext_lazy("Size or industry"), ("branche",)),
        IS_ACTIVE,
        Column(
            "escalation_threshold",
            False,
            gettext_lazy("Per-client threshold in %, empty: default"),
            ("eskalationsschwelle", "schwellenwert"),
            parsers.percent,
        ),
        Column(
            "responsible_staff",
            False,
            gettext_lazy("Sign-in names or e-mails, separated by |"),
            ("verantwortliche", "verantwortlich"),
            parsers.staff,
        ),
    ],
)
TECHNICIAN_COLUMNS = _of(
    Technician,
    [
        Column(
            "external_id",
            True,
            gettext_lazy("Technician id in the PSA"),
            ("externe_id", "personalnummer"),
        ),
        FULL_NAME,
        EMAIL,
        Column("role", False, gettext_lazy("e.g. Level 1"), ("rolle",)),
        Column(
            "hire_date",
            True,
            gettext_lazy("YYYY-MM-DD or DD.MM.YYYY"),
            ("eintrittsdatum", "eintritt"),
            parsers.date,
        ),
        Column(
            "leave_date",
            False,
            gettext_lazy("First day no longer employed; empty if employed"),
            ("austrittsdatum", "austritt"),
            parsers.date,
        ),
        LANGUAGE,
    ],
)
TICKET_COLUMNS = _of(
    Ticket,
    [
        Column(
            "external_id",
            True,
            gettext_lazy("Ticket number in the PSA"),
            ("externe_id", "ticketnummer"),
        ),
        CLIENT,
        Column(
            "priority",
            True,
            gettext_lazy("critical, high, medium, low (or P1..P4)"),
            ("priorität", "prioritaet"),
            parsers.Choice(PRIORITY_ALIASES),
        ),
        Column(
            "opened_at",
            True,
            gettext_lazy("ISO 8601, e.g. 2026-03-02T09:15:00+01:00; no offset: local time"),
            ("geöffnet_am", "geoeffnet_am", "eröffnet_am", "eroeffnet_am"),
            parsers.moment,
        ),
        Column(
            "first_response_at",
            False,
            gettext_lazy("ISO 8601; empty if none yet"),
            ("erste_antwort_am", "erstreaktion_am"),
            parsers.moment,
        ),
        Column(
            "resolved_at",
            False,
            gettext_lazy("ISO 8601; empty if open"),
            ("gelöst_am", "geloest_am"),
            parsers.moment,
        ),
        Column(
            "escalated",
            False,
            gettext_lazy("true/false (default false)"),
            ("eskaliert",),
            parsers.boolean,
        ),
        Column(
            "escalated_at",
            False,
            gettext_lazy("ISO 8601; only with escalated=true"),
            ("eskaliert_am",),
            parsers.moment,
        ),
        Column(
            "source",
            True,
            gettext_lazy("client, monitoring, automation or self_service"),
            ("quelle",),
            parsers.Choice(SOURCE_ALIASES),
        ),
        Column(
            "proactive",
            False,
            gettext_lazy("Resolved before a failure: true/false"),
            ("proaktiv",),
            parsers.boolean,
        ),
        Column(
            "auto_remediated",
            False,
            gettext_lazy("true/false"),
            ("automatisch_behoben",),
            parsers.boolean,
        ),
        Column(
            "technician",
            False,
            gettext_lazy("The technician's external_id; empty: unassigned"),
            ("techniker",),
            parsers.technician,
            "technician_id",
            reads=("technician_email",),
        ),
        Column(
            "title", False, gettext_lazy("The ticket's subject, one line"), ("titel", "betreff")
        ),
        Column(
            "requester_external_id",
            False,
            gettext_lazy("The requesting contact's external id"),
            ("anfragender_externe_id", "kontakt_externe_id"),
            limits=Contact._meta.get_field("external_id"),
        ),
        Column(
            "requester_email",
            False,
            gettext_lazy("The requesting contact's e-mail (matched within the client)"),
            ("anfragender_e_mail", "kontakt_e_mail"),
            parsers.email,
            limits=Contact._meta.get_field("email"),
        ),
        Column(
            "requester_name",
            False,
            gettext_lazy("Name for a requester not yet known"),
            ("anfragender_name", "kontakt_name"),
            limits=Contact._meta.get_field("name"),
        ),
        Column(
            "technician_email",
            False,
            gettext_lazy("The technician's e-mail, when the PSA has no technician id of ours"),
            ("techniker_e_mail",),
            parsers.email,
            limits=Technician._meta.get_field("email"),
        ),
        # The PSA's own SLA verdict (kpis.psa_sla): what a PSA connection writes, and
        # what an export from a PSA may carry.
        Column(
            "psa_sla_met",
            False,
            gettext_lazy("The PSA's verdict: SLA met, true/false; empty: none"),
            ("sla_erfüllt_psa", "sla_erfuellt_psa"),
            parsers.boolean,
        ),
        Column(
            "psa_response_met",
            False,
            gettext_lazy("The PSA's verdict on the first response, true/false"),
            ("reaktion_erfüllt_psa", "reaktion_erfuellt_psa"),
            parsers.boolean,
        ),
        Column(
            "psa_plan_met",
            False,
            gettext_lazy("The PSA's verdict on the resolution plan, true/false"),
            ("plan_erfüllt_psa", "plan_erfuellt_psa"),
            parsers.boolean,
        ),
        Column(
            "psa_resolution_met",
            False,
            gettext_lazy("The PSA's verdict on the resolution, true/false"),
            ("lösung_erfüllt_psa", "loesung_erfuellt_psa"),
            parsers.boolean,
        ),
        Column(
            "psa_response_minutes",
            False,
            gettext_lazy("Minutes to first response as the PSA counts them"),
            ("reaktion_minuten_psa",),
            parsers.minutes,
        ),
        Column(
            "psa_plan_minutes",
            False,
            gettext_lazy("Minutes to the resolution plan as the PSA counts them"),
            ("plan_minuten_psa",),
            parsers.minutes,
        ),
        Column(
            "psa_resolution_minutes",
            False,
            gettext_lazy("Minutes to resolution as the PSA counts them"),
            ("lösung_minuten_psa", "loesung_minuten_psa"),
            parsers.minutes,
        ),
        Column(
            "psa_waiting_minutes",
            False,
            gettext_lazy("Minutes the PSA did not count (waiting, on hold)"),
            ("wartezeit_minuten_psa",),
            parsers.minutes,
        ),
    ],
)
CONTACT_COLUMNS = _of(
    Contact,
    [
        CLIENT,
        FULL_NAME,
        EMAIL,
        LANGUAGE,
        IS_ACTIVE,
        Column(
            "external_id",
            False,
            gettext_lazy("Contact id in the PSA; empty: matched by e-mail within the client"),
            ("externe_id", "kontaktnummer"),
        ),
    ],
)
COLUMNS = {
    "clients": CLIENT_COLUMNS,
    "contacts": CONTACT_COLUMNS,
    "technicians": TECHNICIAN_COLUMNS,
    "tickets": TICKET_COLUMNS,
}


def clean_row(columns: list[Column], row, lookups: dict, reported=frozenset()) -> dict:
    """{field: value} of the columns the row names (and of the required ones, which an
    incomplete webhook ticket may lack). Every column is checked: a bad row raises one
    RowError, or RowErrors listing each bad cell in column order. ``reported``: columns
    whose problem the caller already has (a cell its mapping could not read)."""
    values, errors = {}, []
    for column in columns:
        if column.required or column.name in row or any(name in row for name in column.reads):
            try:
                values[column.field_name] = column.clean(row, lookups)
            except RowError as exc:
                # One problem per cell: a column that reads another one's cell (technician
                # by technician_email) must not report that cell a second time.
                named = reported | {e.column for e in errors}
                errors.extend(e for e in exc.errors if e.column not in named)
    if errors:
        raise RowErrors.of(errors)
    return values


def quoted(names) -> str:
    """Names in the quotation marks of the active language, separated by commas."""
    return ", ".join(_("“%(name)s”") % {"name": name} for name in names)


def normalise(name: str) -> str:
    """A header name as compared: stripped, lower case, spaces and hyphens as "_"."""
    return _SEPARATORS.sub("_", str(name).strip().lower())


def _known_names(kind: str) -> dict[str, str]:
    """{accepted name: column name} of every column and alias of ``kind``."""
    names = {}
    for column in COLUMNS[kind]:
        names[column.name] = column.name
        for alias in column.aliases:
            names[alias] = column.name
    return names


KNOWN = {kind: _known_names(kind) for kind in COLUMNS}


def probable_column(kind: str, name: str) -> tuple[str, str] | None:
    """(the accepted name, its column) that an unknown ``name`` is probably a misspelling
    of, or None when no column or alias is that close."""
    wanted = normalise(name)
    best, best_ratio = None, NEAR_MISS_RATIO
    for known in KNOWN[kind]:
        ratio = difflib.SequenceMatcher(None, wanted, known).ratio()
        if ratio >= best_ratio:
            best, best_ratio = known, ratio
    return None if best is None else (best, KNOWN[kind][best])


def near_miss_message(name: str, known: str, column: str) -> str:
    if known == column:
        return _(
            "Unknown column “%(name)s”: probably “%(column)s”. Correct the name or remove "
            "the column."
        ) % {"name": name, "column": column}
    return _(
        "Unknown column “%(name)s”: probably “%(alias)s” (another name for “%(column)s”). "
        "Correct the name or remove the column."
    ) % {"name": name, "alias": known, "column": column}


@dataclass
class Header:
    """How a header row (or a webhook ticket's keys) is read."""

    # The column of each name in order; None for an ignored name.
    columns: list[str | None] = field(default_factory=list)
    # Unknown names that are ignored, as written.
    ignored: list[str] = field(default_factory=list)
    # Reasons to refuse the file, as (the name concerned, message): misspelt columns,
    # columns named twice, missing required columns.
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def messages(self) -> list[str]:
        return [message for _name, message in self.problems]


def read_header(kind: str, names: list[str], check_required: bool = True) -> Header:
    """Map every name of a header row to its column (see the module docstring)."""
    known = KNOWN[kind]
    header = Header()
    seen: dict[str, list[str]] = {}
    for name in names:
        column = known.get(normalise(name))
        header.columns.append(column)
        if column:
            seen.setdefault(column, []).append(str(name).strip())
            continue
        written = str(name).strip()
        probable = probable_column(kind, written) if written else None
        if probable:
            header.problems.append((written, near_miss_message(written, *probable)))
        else:
            header.ignored.append(written)
    for column, written in seen.items():
        if len(written) > 1:
            message = _(
                "The column “%(column)s” is named more than once (%(names)s); keep one of them."
            ) % {"column": column, "names": quoted(written)}
            header.problems.append((written[-1], message))
    if check_required:
        missing = [c.name for c in COLUMNS[kind] if c.required and c.name not in seen]
        if missing:
            message = _(
                "Required column missing: %(columns)s. The header row reads: %(header)s."
            ) % {
                "columns": ", ".join(missing),
                "header": ", ".join(str(n).strip().lower() for n in names)[:300],
            }
            header.problems.append((missing[0], message))
    return header
