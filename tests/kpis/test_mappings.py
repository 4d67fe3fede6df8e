"""Column mappings (kpis/mappings.py): each rule on its own with hand-computed cells, the
header read through a mapping, and whole files imported through one, including the
ready-made mappings' example files in docs/examples/ (dated October 2026)."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest

from kpis import importing
from kpis.mapping_presets import AUTOTASK, CONNECTWISE, PRESETS, create_mapping
from kpis.mappings import Mapping, Rule, mapping_settings, value_kind
from kpis.models import ColumnMapping, Ticket
from kpis.tables import cell_text
from kpis.ticket_fields import RowError
from organisation.models import Client, Contact, DataSource

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
UTC = datetime.UTC
# After every example file's dates, so none "lies in the future".
NOW = datetime.datetime(2026, 10, 20, 12, 0, tzinfo=UTC)


def _tickets(rules=None, **options) -> Mapping:
    return Mapping("tickets", rules or {}, **{"time_zone": "UTC", **options})


def _instant(text: str) -> datetime.datetime:
    """A translated timestamp as an instant in UTC."""
    return datetime.datetime.fromisoformat(text).astimezone(UTC)


def _refusal(mapping: Mapping, column: str, text: str, **options) -> RowError:
    with pytest.raises(RowError) as exc:
        mapping.translate(column, text, **options)
    assert exc.value.column == column
    return exc.value


# --- Which rule a column follows ------------------------------------------------------


def test_each_column_kind_is_translated_by_its_parser():
    kinds = _tickets().kinds
    assert (kinds["opened_at"], kinds["priority"], kinds["source"]) == ("moment",) + ("choice",) * 2
    assert (kinds["escalated"], kinds["proactive"], kinds["title"]) == ("boolean",) * 2 + ("text",)
    clients = Mapping("clients", {}).kinds
    assert clients["contract_start"] == "date" and clients["escalation_threshold"] == "number"
    assert Mapping("contacts", {}).kinds["language"] == "choice"
    from kpis.columns import TICKET_COLUMNS

    assert value_kind(next(c for c in TICKET_COLUMNS if c.name == "technician")) == "text"


# --- Dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "text", "expected"),
    [
        ("dmy", "05.10.2026 08:12", datetime.datetime(2026, 10, 5, 8, 12)),
        ("dmy", "05/10/2026", datetime.datetime(2026, 10, 5)),
        ("dmy", "5-10-2026 8:12:30", datetime.datetime(2026, 10, 5, 8, 12, 30)),
        ("mdy", "10/5/2026 6:12 AM", datetime.datetime(2026, 10, 5, 6, 12)),
        ("mdy", "10/5/2026 12:30 PM", datetime.datetime(2026, 10, 5, 12, 30)),
        # Midnight on a 12-hour clock is "12", not "0".
        ("mdy", "10/5/2026 12:05 AM", datetime.datetime(2026, 10, 5, 0, 5)),
        ("mdy", "10/5/2026 1:00 pm", datetime.datetime(2026, 10, 5, 13, 0)),
        ("mdy", "10/5/2026 11:59 p.m.", datetime.datetime(2026, 10, 5, 23, 59)),
        ("ymd", "2026/10/05", datetime.datetime(2026, 10, 5)),
        ("ymd", "2026.10.5 17:45", datetime.datetime(2026, 10, 5, 17, 45)),
    ],
)
def test_text_dates_are_read_in_the_mappings_order(order, text, expected):
    assert _tickets(date_order=order).parse_moment(text) == expected


@pytest.mark.parametrize("order", ["dmy", "mdy", "ymd"])
def test_the_same_digits_give_day_and_month_as_the_order_says(order):
    # 04/05/2026: 4 May in day-month order, 5 April in month-day order; never guessed.
    expected = {"dmy": datetime.date(2026, 5, 4), "mdy": datetime.date(2026, 4, 5)}
    parsed = _tickets(date_order=order).parse_moment("04/05/2026")
    assert (parsed.date() if parsed else None) == expected.get(order)


@pytest.mark.parametrize("order", ["dmy", "mdy", "ymd"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-05T08:12:00+02:00", datetime.datetime(2026, 10, 5, 6, 12, tzinfo=UTC)),
        ("2026-10-05T06:12:00Z", datetime.datetime(2026, 10, 5, 6, 12, tzinfo=UTC)),
        ("2026-10-05 06:12", datetime.datetime(2026, 10, 5, 6, 12, tzinfo=UTC)),
        ("2026-10-05", datetime.datetime(2026, 10, 5, 0, 0, tzinfo=UTC)),
    ],
)
def test_iso_text_is_read_whatever_the_order(order, text, expected):
    # Without an offset, in the mapping's zone (UTC here).
    translated = _tickets(date_order=order).translate("opened_at", text)
    assert _instant(translated) == expected


@pytest.mark.parametrize(
    ("order", "text"),
    [
        ("dmy", "05.10.26 08:12"),
        ("dmy", "05.10.26"),
        ("mdy", "10/5/26 6:12 AM"),
        ("ymd", "26/10/05"),
    ],
)
def test_a_two_digit_year_is_refused(order, text):
    mapping = _tickets(date_order=order)
    assert mapping.parse_moment(text) is None
    _refusal(mapping, "opened_at", text)


@pytest.mark.parametrize(
    ("order", "text", "label"),
    [
        ("dmy", "31.02.2026", "day, month, year"),
        ("dmy", "31.02.2026 08:00", "day, month, year"),
        ("mdy", "13/13/2026", "month, day, year"),
        # Valid in day-month order (1 December), not in month-day order.
        ("mdy", "01/13/2026 9:00 AM", None),
        ("ymd", "2026/02/30", "year, month, day"),
        ("dmy", "05.10.2026 25:00", "day, month, year"),
    ],
)
def test_a_date_that_does_not_exist_is_refused_naming_the_order(order, text, label):
    mapping = _tickets(date_order=order)
    if label is None:  # the control: it exists in this order
        assert mapping.parse_moment(text) == datetime.datetime(2026, 1, 13, 9, 0)
        return
    error = _refusal(mapping, "opened_at", text)
    assert error.reason == f"is not a date in the order {label}: {text!r}"


@pytest.mark.parametrize("text", ["10/5/2026 13:00 PM", "10/5/2026 0:30 AM", "10/5/2026 13:05 am"])
def test_a_twelve_hour_clock_refuses_an_hour_outside_1_to_12(text):
    mapping = _tickets(date_order="mdy")
    assert mapping.parse_moment(text) is None
    assert _refusal(mapping, "opened_at", text).reason.startswith("is not a date in the order")


def test_garbage_is_refused_as_no_date():
    mapping = _tickets()
    for text in ("yesterday", "5 Oct 2026", "2026-13-45"):
        assert mapping.parse_moment(text) is None
        _refusal(mapping, "opened_at", text)


@pytest.mark.parametrize(
    ("zone", "text", "utc"),
    [
        ("UTC", "05.10.2026 08:12", datetime.datetime(2026, 10, 5, 8, 12, tzinfo=UTC)),
        # Summer time in Berlin (until 25 October 2026): UTC+2.
        ("Europe/Berlin", "05.10.2026 08:12", datetime.datetime(2026, 10, 5, 6, 12, tzinfo=UTC)),
        # Winter time: UTC+1.
        ("Europe/Berlin", "05.01.2026 08:12", datetime.datetime(2026, 1, 5, 7, 12, tzinfo=UTC)),
        # The first hour after the switch back, 25 October 2026 03:00 CET.
        ("Europe/Berlin", "25.10.2026 03:00", datetime.datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),
        # New York in summer time: UTC-4.
        (
            "America/New_York",
            "05.10.2026 06:12",
            datetime.datetime(2026, 10, 5, 10, 12, tzinfo=UTC),
        ),
    ],
)
def test_a_timestamp_without_offset_is_in_the_mappings_time_zone(zone, text, utc):
    assert _instant(_tickets(time_zone=zone).translate("opened_at", text)) == utc


def test_a_timestamp_with_an_offset_keeps_it_whatever_the_mappings_zone():
    mapping = _tickets(time_zone="Europe/Berlin")
    assert _instant(mapping.translate("opened_at", "2026-10-05T08:12:00+00:00")) == (
        datetime.datetime(2026, 10, 5, 8, 12, tzinfo=UTC)
    )
    # Without an offset the same text is Berlin time: two hours earlier in UTC.
    assert _instant(mapping.translate("opened_at", "2026-10-05T08:12:00")) == (
        datetime.datetime(2026, 10, 5, 6, 12, tzinfo=UTC)
    )


def test_without_a_time_zone_the_mapping_uses_the_sites(settings):
    assert settings.TIME_ZONE == "Europe/Berlin"
    mapping = Mapping("tickets", {}, time_zone="")
    assert _instant(mapping.translate("opened_at", "05.10.2026 08:12")) == (
        datetime.datetime(2026, 10, 5, 6, 12, tzinfo=UTC)
    )


def test_a_date_column_takes_the_date_part_as_written():
    mapping = Mapping("clients", {}, date_order="mdy", time_zone="Pacific/Auckland")
    assert mapping.translate("contract_start", "3/1/2024 11:30 PM") == "2024-03-01"
    assert mapping.translate("contract_start", "3/1/2024") == "2024-03-01"
    # Not moved to another day by any zone.
    assert mapping.translate("contract_start", "2024-03-01T23:30:00-05:00") == "2024-03-01"
    assert Mapping("clients", {}, date_order="ymd").translate("contract_start", "2024/3/1") == (
        "2024-03-01"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-05 6:12 PM", datetime.datetime(2026, 10, 5, 18, 12)),
        ("2026-10-05 8:12", datetime.datetime(2026, 10, 5, 8, 12)),
    ],
)
def test_year_month_day_text_with_hyphens_is_read_in_the_order_when_it_is_not_iso(text, expected):
    # Not ISO 8601 (a 12-hour clock, a one-digit hour), so read in the mapping's order,
    # as "2026/10/05 6:12 PM" is; the order's label itself names "2026-12-31".
    mapping = _tickets(date_order="ymd")
    assert mapping.parse_moment(text.replace("-", "/")) == expected
    assert mapping.parse_moment(text) == expected


def test_an_empty_date_cell_stays_empty():
    assert _tickets().translate("resolved_at", "   ") == ""


def test_an_unknown_date_order_falls_back_to_day_month_year():
    assert Mapping("tickets", {}, date_order="xyz").date_order == "dmy"


# --- Numbers -------------------------------------------------------------------------


def test_a_comma_mapping_reads_a_comma_and_refuses_a_point():
    mapping = Mapping("clients", {}, decimal_separator=",")
    assert mapping.translate("escalation_threshold", "8,5") == "8.5"
    assert mapping.translate("escalation_threshold", "12") == "12"
    error = _refusal(mapping, "escalation_threshold", "8.5")
    assert error.reason == "'8.5' uses “.”, but the mapping's decimal separator is “,”"
    # "8.500" is neither 8.5 nor 8500.
    _refusal(mapping, "escalation_threshold", "8.500")


def test_a_point_mapping_reads_a_point_and_refuses_a_comma():
    mapping = Mapping("clients", {}, decimal_separator=".")
    assert mapping.translate("escalation_threshold", "8.5") == "8.5"
    error = _refusal(mapping, "escalation_threshold", "8,5")
    assert error.reason == "'8,5' uses “,”, but the mapping's decimal separator is “.”"


def test_a_workbooks_typed_number_passes_a_comma_mapping():
    mapping = Mapping("clients", {}, decimal_separator=",")
    # A number cell's text (tables.cell_text) is written with a point whatever the mapping.
    assert mapping.translate("escalation_threshold", cell_text(8.5)) == "8.5"
    assert mapping.translate("escalation_threshold", cell_text(Decimal("12.25"))) == "12.25"
    # A text cell that looks like a number is read by the mapping's separator.
    _refusal(mapping, "escalation_threshold", "8.5")
    _refusal(mapping, "escalation_threshold", "1.008,5")


def test_a_workbook_is_read_with_typed_numbers_and_dates(db):
    from .conftest import workbook

    mapping = Mapping(
        "clients",
        {
            "external_id": {"columns": ["Nr"]},
            "name": {"columns": ["Firma"]},
            "contract_start": {"columns": ["Beginn"]},
            "escalation_threshold": {"columns": ["Schwelle"]},
        },
        date_order="mdy",
        decimal_separator=",",
    )
    rows = [
        ["Nr", "Firma", "Beginn", "Schwelle"],
        ["K-1", "Alpha", datetime.datetime(2024, 3, 1), 8.5],  # typed cells
        ["K-2", "Beta", "3/1/2024", "8,25"],  # text cells in the mapping's format
    ]
    result = _import("clients", workbook(("Kunden", rows)).getvalue(), mapping)
    assert result.created == 2
    assert sorted(
        Client.objects.values_list("external_id", "contract_start", "escalation_threshold")
    ) == [
        ("K-1", datetime.date(2024, 3, 1), Decimal("8.50")),
        ("K-2", datetime.date(2024, 3, 1), Decimal("8.25")),
    ]


def test_a_workbooks_text_cell_with_the_other_separator_is_refused(db):
    from .conftest import workbook

    mapping = Mapping(
        "clients",
        {
            "external_id": {"columns": ["Nr"]},
            "name": {"columns": ["Firma"]},
            "contract_start": {"columns": ["Beginn"]},
            "escalation_threshold": {"columns": ["Schwelle"]},
        },
        decimal_separator=",",
    )
    # Typed as text, not as a number: "8.500" in a comma mapping is as ambiguous as in a
    # CSV file, and the module promises it is "never silently 8.5 or 8500".
    rows = [["Nr", "Firma", "Beginn", "Schwelle"], ["K-1", "Alpha", "01.03.2024", "8.500"]]
    with pytest.raises(importing.ImportRejected) as exc:
        _import("clients", workbook(("Kunden", rows)).getvalue(), mapping)
    assert exc.value.errors == [
        "Sheet “Kunden”, row 2, column “Schwelle”: '8.500' uses “.”, but the mapping's "
        "decimal separator is “,”"
    ]
    assert not Client.objects.exists()


# --- Patterns ------------------------------------------------------------------------

PRIORITIES = {
    "priority": {
        "columns": ["Priority"],
        "values": {
            "critical": ["Priority 1*", "P1 (urgent)"],
            "high": ["Priority 2*", "[x]"],
            "low": ["a.b"],
        },
    }
}


def test_a_star_stands_for_any_text_and_case_does_not_matter():
    mapping = _tickets(PRIORITIES)
    assert mapping.translate("priority", "Priority 1 - Emergency Response") == "critical"
    assert mapping.translate("priority", "PRIORITY 2 - quick") == "high"
    assert mapping.translate("priority", "Priority 1") == "critical"  # "*" may be empty
    # The whole cell must match: a pattern is not a substring search.
    _refusal(mapping, "priority", "Old Priority 1")


def test_regular_expression_characters_in_a_pattern_are_literal():
    mapping = _tickets(PRIORITIES)
    assert mapping.translate("priority", "p1 (URGENT)") == "critical"
    assert mapping.translate("priority", "[X]") == "high"
    assert mapping.translate("priority", "A.B") == "low"
    for text in ("P1 urgent", "x", "axb", "P1 (urgentt)"):
        _refusal(mapping, "priority", text)


def test_the_first_matching_choice_wins():
    rules = {"priority": {"columns": ["P"], "values": {"high": ["P*"], "critical": ["P1"]}}}
    assert _tickets(rules).translate("priority", "P1") == "high"
    rules = {"priority": {"columns": ["P"], "values": {"critical": ["P1"], "high": ["P*"]}}}
    assert _tickets(rules).translate("priority", "P1") == "critical"
    assert _tickets(rules).translate("priority", "P2") == "high"


def test_a_rule_matches_its_pattern_against_the_cell_without_surrounding_spaces():
    assert Rule.from_json({"values": {"high": [" High "]}}).value_of("high") == "high"


BOARD = {"escalated": {"columns": ["Board"], "values": {"true": ["Tier 2*", "*Escalation*"]}}}


def test_a_yes_no_column_is_yes_for_a_listed_value_and_no_for_any_other():
    mapping = _tickets(BOARD)
    assert mapping.translate("escalated", "Tier 2 Support") == "true"
    assert mapping.translate("escalated", "Network escalations") == "true"
    assert mapping.translate("escalated", "Service Desk") == "false"
    # Even a word the product reads as yes: the mapping's list decides.
    assert mapping.translate("escalated", "true") == "false"
    assert mapping.translate("escalated", "") == ""


def test_an_empty_yes_no_cell_keeps_the_columns_default():
    from kpis.columns import CONTACT_COLUMNS, clean_row

    mapping = Mapping(
        "contacts", {"is_active": {"columns": ["Status"], "values": {"true": ["Active"]}}}
    )
    is_active = next(c for c in CONTACT_COLUMNS if c.name == "is_active")
    for text, stored in (("", True), ("Active", True), ("Inactive", False)):
        row = {"is_active": mapping.translate("is_active", text)}
        assert is_active.clean(row, {}) is stored
    assert clean_row([is_active], {"is_active": ""}, {}) == {"is_active": True}


def test_a_yes_no_column_without_values_is_read_as_the_product_reads_it():
    mapping = _tickets({"escalated": {"columns": ["Escalated"]}})
    assert mapping.translate("escalated", "ja") == "ja"


SOURCES = {
    "source": {
        "columns": ["Source"],
        "values": {"monitoring": ["Monitoring*"], "self_service": ["Portal"]},
        "other": "client",
    }
}


def test_a_choice_column_with_other_gives_every_unlisted_value_that_choice():
    mapping = _tickets(SOURCES)
    assert mapping.translate("source", "Monitoring Alert") == "monitoring"
    assert mapping.translate("source", "portal") == "self_service"
    assert mapping.translate("source", "Phone") == "client"
    # A value the product knows keeps its meaning; "other" takes only the unknown ones.
    assert mapping.translate("source", "automation") == "automation"
    assert mapping.translate("source", "Self-Service") == "Self-Service"  # an alias
    assert mapping.translate("source", "Walk-In") == "client"
    assert mapping.translate("source", "") == ""  # still required by the parser


def test_without_other_an_unlisted_value_is_refused_naming_the_listed_values():
    rules = {"source": {"columns": ["Source"], "values": SOURCES["source"]["values"]}}
    error = _refusal(_tickets(rules), "source", "Phone")
    assert error.reason == (
        "'Phone' is none of the values the mapping lists "
        "(monitoring: Monitoring*; self_service: Portal)"
    )


def test_without_other_an_unlisted_value_that_is_a_choice_passes():
    rules = {"priority": {"columns": ["P"], "values": {"critical": ["Priority 1*"]}}}
    mapping = _tickets(rules)
    assert mapping.translate("priority", "critical") == "critical"
    assert mapping.translate("priority", "Low").lower() == "low"
    _refusal(mapping, "priority", "urgent")


def test_a_split_column_uses_the_first_entry_of_its_list():
    mapping = _tickets({"technician": {"columns": ["resource_list"], "split": ","}})
    assert mapping.translate("technician", "lfischer, mdemir") == "lfischer"
    assert mapping.translate("technician", "  jweber  ") == "jweber"
    # A split before the patterns: the first entry is what is matched.
    rules = {"priority": {"columns": ["P"], "values": {"high": ["High"]}, "split": ";"}}
    assert _tickets(rules).translate("priority", "High; Low") == "high"


def test_a_line_break_in_a_cell_becomes_a_space():
    # The mapping passes the text on; the parser makes it one line, as for any file.
    from kpis.ticket_fields import cell

    translated = _tickets().translate("title", "Printer\ndown")
    assert cell({"title": translated}, "title") == "Printer down"


# --- The header ----------------------------------------------------------------------

MINIMAL = {
    "external_id": {"columns": ["Ticket ID", "faultid"]},
    "client": {"columns": ["Client ID"]},
    "priority": {"columns": ["Priority"]},
    "opened_at": {"columns": ["Date Opened", "Date Occurred"]},
    "source": {"columns": ["Source"]},
}


def test_the_first_of_the_rules_names_the_header_holds_is_used():
    header = _tickets(MINIMAL).read_header(
        ["faultid", "Client ID", "Priority", "Date Occurred", "Source", "Ticket ID"]
    )
    assert header.problems == []
    # The rule's order decides, not the header's.
    assert header.indexes["external_id"] == 5 and header.file_names["external_id"] == "Ticket ID"
    assert header.indexes["opened_at"] == 3
    assert header.unused == ["faultid"]


def test_header_names_compare_without_case_and_with_spaces_hyphens_and_underscores_alike():
    header = _tickets(MINIMAL).read_header(
        [" TICKET_ID ", "client-id", "priority", "date  opened", "SOURCE"]
    )
    assert header.problems == []
    assert header.indexes == {
        "external_id": 0,
        "client": 1,
        "priority": 2,
        "opened_at": 3,
        "source": 4,
    }
    # Messages quote the file's own spelling.
    assert header.file_names["client"] == "client-id"


def test_a_required_column_the_file_lacks_is_a_problem_naming_the_mappings_names():
    header = _tickets(MINIMAL, name="Halo").read_header(
        ["Ticket ID", "Client ID", "Priority", "Source", "Status"]
    )
    assert header.problems == [
        "Required column “opened_at”: the file has none of the columns the mapping names for "
        "it (“Date Opened”, “Date Occurred”). The header row reads: Ticket ID, Client ID, "
        "Priority, Source, Status."
    ]


def test_a_required_column_the_mapping_names_no_file_column_for_is_a_problem():
    rules = {k: v for k, v in MINIMAL.items() if k != "source"}
    header = _tickets(rules, name="Halo").read_header(
        ["Ticket ID", "Client ID", "Priority", "Date Opened", "Source"]
    )
    assert header.problems == [
        "The mapping “Halo” names no file column for the required column “source”; add one "
        "to the mapping."
    ]
    # An optional column without a name is simply left out.
    assert "title" not in header.indexes


def test_a_used_file_column_the_header_holds_twice_is_a_problem():
    header = _tickets(MINIMAL).read_header(
        ["Ticket ID", "Client ID", "Priority", "Date Opened", "Source", "client id"]
    )
    assert header.problems == [
        "The column “Client ID” is in the file more than once; the mapping cannot tell which "
        "to use."
    ]


def test_an_unused_column_named_twice_is_no_problem_and_unused_columns_are_listed():
    header = _tickets(MINIMAL).read_header(
        ["Ticket ID", "Notes", "Client ID", "Priority", "Date Opened", "Source", "notes", ""]
    )
    assert header.problems == []
    assert header.unused == ["Notes", "notes"]


# --- Settings ------------------------------------------------------------------------


def test_the_settings_of_a_stored_mapping_make_the_same_mapping(db):
    stored = create_mapping(CONNECTWISE)
    stored.creates_contacts = False
    stored.save()
    data = mapping_settings(stored)
    assert data["rules"] == CONNECTWISE.rules
    mapping = Mapping.from_settings("tickets", data)
    assert (mapping.name, mapping.date_order, mapping.decimal_separator, str(mapping.zone)) == (
        "ConnectWise Manage – Report Writer (Service)",
        "mdy",
        ".",
        "UTC",
    )
    assert (mapping.creates_contacts, mapping.unknown_technicians_unassigned) == (False, True)
    assert mapping.rules["technician"] == Rule(columns=("resource_list",), split=",")
    assert {name: rule.to_json() for name, rule in mapping.rules.items()} == CONNECTWISE.rules
    # Mapping.of reads the same settings.
    assert Mapping.of(stored).rules == mapping.rules


def test_a_rule_round_trips_through_json():
    data = {"columns": ["A", "B"], "values": {"true": ["x*"]}, "other": "", "split": ","}
    rule = Rule.from_json(data)
    assert rule == Rule(columns=("A", "B"), values={"true": ("x*",)}, split=",")
    assert rule.to_json() == {"columns": ["A", "B"], "values": {"true": ["x*"]}, "split": ","}
    # Blank names and patterns are dropped.
    assert Rule.from_json({"columns": ["", " ", "A"], "values": {"true": [""]}}).to_json() == {
        "columns": ["A"]
    }


# --- Whole files ---------------------------------------------------------------------


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def organisation(db):
    """The clients and technicians of the example files, in the CSV source."""
    for external_id, name in (
        ("19433", "Bäckerei Sonnenkorn GmbH"),
        ("19501", "Kanzlei Hartmann & Partner"),
        ("19588", "Alpenblick Hotel AG"),
    ):
        Client.objects.create(
            external_id=external_id, name=name, contract_start=datetime.date(2024, 1, 1)
        )
    _import("technicians", _example("technicians.csv"))


def _example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def _import(kind, data, mapping=None, **options):
    if isinstance(data, str):
        data = data.encode()
    return importing.import_csv(kind, io.BytesIO(data), mapping=mapping, **options)


def _preset(preset, **changes) -> tuple[Mapping, int]:
    stored = create_mapping(preset)
    for name, value in changes.items():
        setattr(stored, name, value)
    stored.save()
    return Mapping.of(stored), stored.data_source_id


def _rows(source_id: int) -> dict:
    fields = (
        "client__external_id",
        "priority",
        "opened_at",
        "first_response_at",
        "resolved_at",
        "source",
        "escalated",
        "proactive",
        "auto_remediated",
        "technician__external_id",
    )
    tickets = Ticket.objects.filter(data_source_id=source_id)
    return {row[0]: row[1:] for row in tickets.values_list("external_id", *fields)}


def _utc(day, hour, minute):
    return datetime.datetime(2026, 10, day, hour, minute, tzinfo=UTC)


def test_the_connectwise_example_imports_through_its_ready_made_mapping(now, organisation):
    mapping, source_id = _preset(CONNECTWISE)
    result = _import(
        "tickets",
        _example("connectwise-report-writer-tickets.csv"),
        mapping,
        data_source_id=source_id,
    )
    assert (result.rows, result.created, result.updated, result.unchanged) == (5, 5, 0, 0)
    # Four rows name a contact by RecID, none of them known, and the report has no e-mail.
    assert result.without_requester == 4
    # month/day/year on a 12-hour clock, in UTC.
    assert _rows(source_id) == {
        "48211": ("19433", "medium", _utc(5, 6, 12), _utc(5, 6, 40), _utc(5, 11, 5), "client", False, False, False, "jweber"),
        "48212": ("19501", "critical", _utc(5, 7, 30), _utc(5, 7, 41), _utc(5, 10, 10), "client", True, False, False, "lfischer"),
        "48213": ("19588", "high", _utc(6, 1, 2), _utc(6, 1, 2), _utc(6, 1, 9), "monitoring", False, False, True, None),
        "48214": ("19433", "low", _utc(7, 14, 0), _utc(7, 14, 25), None, "client", False, True, False, "mdemir"),
        "48215": ("19588", "medium", _utc(8, 8, 45), None, None, "self_service", False, False, False, "jweber"),
    }  # fmt: skip
    assert (
        Ticket.objects.get(external_id="48211").title == "Outlook prompts for password after update"
    )


@pytest.fixture
def autotask_clients(organisation):
    # The Autotask example names its clients by Autotask's ids.
    for old, new in (("19433", "29683174"), ("19501", "29683190"), ("19588", "29683201")):
        Client.objects.filter(external_id=old).update(external_id=new)


def test_the_autotask_example_reads_berlin_time_and_creates_its_requesters(now, autotask_clients):
    mapping, source_id = _preset(AUTOTASK)
    result = _import(
        "tickets", _example("autotask-livereport-tickets.csv"), mapping, data_source_id=source_id
    )
    assert (result.rows, result.created) == (5, 5)
    rows = _rows(source_id)
    # 05.10.2026 08:12 in Berlin summer time is 06:12 UTC.
    assert rows["T20261005.0001"][2:5] == (_utc(5, 6, 12), _utc(5, 6, 40), _utc(5, 11, 5))
    # Technicians by e-mail; the RMM's row has no e-mail: unassigned.
    assert rows["T20261005.0007"][-1] == "lfischer" and rows["T20261006.0002"][-1] is None
    assert rows["T20261005.0007"][1] == "critical" and rows["T20261005.0007"][6] is True
    assert rows["T20261006.0002"][5:9] == ("monitoring", False, False, True)
    assert rows["T20261007.0004"][5:8] == ("client", False, True)
    assert rows["T20261008.0003"][5] == "self_service"
    # Four rows name a contact with an e-mail: created in the Autotask source.
    contacts = Contact.objects.filter(data_source_id=source_id)
    assert sorted(contacts.values_list("external_id", "email")) == [
        ("29684001", "maria.krueger@sonnenkorn.example"),
        ("29684002", "jan.becker@sonnenkorn.example"),
        ("29684120", "t.hartmann@hartmann-partner.example"),
        ("29684230", "s.moser@alpenblick.example"),
    ]


def test_an_error_names_the_files_column_and_nothing_is_stored(now, organisation):
    mapping, source_id = _preset(CONNECTWISE)
    lines = _example("connectwise-report-writer-tickets.csv").decode().splitlines()
    # Row 3 (the second data row): 13/13 is no date in month-day order.
    lines[2] = lines[2].replace("10/5/2026 7:30 AM", "13/13/2026 7:30 AM")
    with pytest.raises(importing.ImportRejected) as exc:
        _import("tickets", "\n".join(lines) + "\n", mapping, data_source_id=source_id)
    assert exc.value.errors == [
        "Row 3, column “Date_Entered_UTC”: is not a date in the order month, day, year: "
        "'13/13/2026 7:30 AM'"
    ]
    assert not Ticket.objects.exists()


def test_a_product_parsers_error_also_names_the_files_column(now, organisation):
    mapping, source_id = _preset(CONNECTWISE)
    text = _example("connectwise-report-writer-tickets.csv").decode().replace("19588", "99999", 1)
    with pytest.raises(importing.ImportRejected) as exc:
        _import("tickets", text, mapping, data_source_id=source_id)
    assert exc.value.errors == ["Row 4, column “company_recid”: no client with external id '99999'"]
    assert not Ticket.objects.exists()


def test_two_data_sources_with_the_same_ticket_ids_do_not_collide(now, organisation):
    first, first_source = _preset(CONNECTWISE)
    # A second ConnectWise instance (another data source) numbering its tickets alike.
    other = DataSource.objects.create(name="ConnectWise (second office)", kind="file")
    second_stored = ColumnMapping.objects.create(
        data_source=other,
        name="CW",
        kind="tickets",
        date_order="mdy",
        decimal_separator=".",
        time_zone="UTC",
        rules=CONNECTWISE.rules,
        unknown_technicians_unassigned=True,
    )
    second = Mapping.of(second_stored)
    data = _example("connectwise-report-writer-tickets.csv")
    assert _import("tickets", data, first, data_source_id=first_source).created == 5
    again = _import("tickets", data, second, data_source_id=other.pk)
    assert (again.created, again.updated, again.unchanged) == (5, 0, 0)
    assert Ticket.objects.count() == 10
    assert set(
        Ticket.objects.filter(external_id="48211").values_list("data_source_id", flat=True)
    ) == {
        first_source,
        other.pk,
    }


def test_importing_the_same_file_again_changes_nothing(now, organisation):
    mapping, source_id = _preset(CONNECTWISE)
    data = _example("connectwise-report-writer-tickets.csv")
    _import("tickets", data, mapping, data_source_id=source_id)
    before = list(Ticket.objects.order_by("pk").values())
    again = _import("tickets", data, mapping, data_source_id=source_id)
    assert (again.rows, again.created, again.updated, again.unchanged) == (5, 0, 0, 5)
    assert list(Ticket.objects.order_by("pk").values()) == before


def test_an_unknown_technician_is_unassigned_or_refuses_the_file_as_the_mapping_says(
    now, organisation
):
    data = _example("connectwise-report-writer-tickets.csv")
    mapping, source_id = _preset(CONNECTWISE, unknown_technicians_unassigned=False)
    with pytest.raises(importing.ImportRejected) as exc:
        _import("tickets", data, mapping, data_source_id=source_id)
    assert exc.value.errors == [
        "Row 4, column “resource_list”: no technician with external id 'rmm-automate'"
    ]
    assert not Ticket.objects.exists()
    mapping.unknown_technicians_unassigned = True
    assert _import("tickets", data, mapping, data_source_id=source_id).created == 5
    assert Ticket.objects.get(external_id="48213").technician_id is None


def test_the_connectwise_contacts_then_link_the_requesters(now, organisation):
    _import("contacts", _example("connectwise-contacts.csv"))
    mapping, source_id = _preset(CONNECTWISE)
    result = _import(
        "tickets",
        _example("connectwise-report-writer-tickets.csv"),
        mapping,
        data_source_id=source_id,
    )
    assert result.without_requester == 0
    requesters = dict(Ticket.objects.values_list("external_id", "requester__name"))
    assert requesters == {
        "48211": "Maria Krüger",
        "48212": "Thomas Hartmann",
        "48213": None,
        "48214": "Jan Becker",
        "48215": "Sofia Moser",
    }


def test_a_client_file_is_read_with_the_mappings_dates_and_decimal_comma(db):
    mapping = Mapping(
        "clients",
        {
            "external_id": {"columns": ["Kundennr"]},
            "name": {"columns": ["Firma"]},
            "contract_start": {"columns": ["Beginn"]},
            "is_active": {"columns": ["Status"], "values": {"true": ["aktiv"]}},
            "escalation_threshold": {"columns": ["Schwelle"]},
        },
        date_order="dmy",
        decimal_separator=",",
    )
    text = (
        "Kundennr;Firma;Beginn;Status;Schwelle\n"
        "K-1;Alpha GmbH;01.03.2024;aktiv;8,5\n"
        "K-2;Beta AG;15.07.2023;gekündigt;\n"
        "K-3;Gamma KG;2025-02-01;;12\n"
    )
    result = _import("clients", text, mapping)
    assert result.created == 3
    assert sorted(
        Client.objects.values_list(
            "external_id", "contract_start", "is_active", "escalation_threshold"
        )
    ) == [
        ("K-1", datetime.date(2024, 3, 1), True, pytest.approx(8.5)),
        ("K-2", datetime.date(2023, 7, 15), False, None),
        ("K-3", datetime.date(2025, 2, 1), True, 12),
    ]
    with pytest.raises(importing.ImportRejected) as exc:
        _import("clients", text.replace("8,5", "8.5"), mapping)
    assert exc.value.errors == [
        "Row 2, column “Schwelle”: '8.5' uses “.”, but the mapping's decimal separator is “,”"
    ]


@pytest.mark.parametrize(
    ("rows", "shown", "more"), [(9, 9, False), (10, 10, False), (11, 10, True)]
)
def test_a_preview_shows_the_first_ten_rows_and_whether_more_follow(now, db, rows, shown, more):
    Client.objects.create(external_id="C-1", name="Acme", contract_start=datetime.date(2024, 1, 1))
    mapping = _tickets(MINIMAL, date_order="dmy")
    text = "Ticket ID,Client ID,Priority,Date Opened,Source,Status\n" + "".join(
        f"T-{i},C-1,high,0{1 + i % 9}.01.2026 08:00,client,Closed\n" for i in range(rows)
    )
    preview = importing.preview("tickets", io.BytesIO(text.encode()), mapping=mapping)
    assert (len(preview.rows), preview.more) == (shown, more)
    assert [row.number for row in preview.rows] == list(range(2, 2 + shown))
    assert preview.unused == ["Status"]
    assert preview.rows[0].values["opened_at"] == datetime.datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    assert [(column.name, name) for column, name in preview.columns][:2] == [
        ("external_id", "Ticket ID"),
        ("client", "Client ID"),
    ]
    assert not Ticket.objects.exists()


def test_every_ready_made_mapping_reads_its_example_file(now, organisation):
    # The Autotask and HaloPSA examples name the same clients by their own ids.
    for own in ("29683174", "29683190", "29683201", "7", "12", "21"):
        Client.objects.create(external_id=own, name=own, contract_start=datetime.date(2024, 1, 1))
    for key, preset in PRESETS.items():
        mapping, source_id = _preset(preset)
        preview = importing.preview(
            "tickets",
            io.BytesIO(_example(preset.example)),
            mapping=mapping,
            data_source_id=source_id,
        )
        assert [row.error for row in preview.rows] == [""] * 5, key
        result = _import("tickets", _example(preset.example), mapping, data_source_id=source_id)
        assert result.rows == 5, key


# --- Found in review ----------------------------------------------------------------


def test_a_pattern_with_many_stars_on_a_long_cell_that_almost_matches_is_quick():
    # With a regular expression per pattern this took minutes (backtracking); the glob
    # match is linear in the cell. A cell comes from the MSP's clients (a summary).
    rules = {"proactive": {"columns": ["x"], "values": {"true": ["*a*a*a*a*a*a*a*a*a*a*a*a*!"]}}}
    mapping = _tickets(rules)
    assert mapping.translate("proactive", "a" * 5000) == "false"
    assert mapping.translate("proactive", "a" * 5000 + "!") == "true"
    tier = _tickets({"escalated": {"columns": ["x"], "values": {"true": ["*tier*2*esc*"]}}})
    assert tier.translate("escalated", "tier " * 1000 + "2") == "false"
    assert tier.translate("escalated", "Tier 2 Escalations") == "true"


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("abc", "ABC", True),
        ("abc", "abcd", False),
        ("a*", "a", True),
        ("*a", "ba", True),
        ("a*a", "a", False),  # the two ends may not overlap
        ("a*a", "aa", True),
        ("*b*c*", "xbyc", True),
        ("*c*b*", "xbyc", False),  # the parts in order
        ("**", "x", True),
    ],
)
def test_the_glob_match(pattern, text, matches):
    mapping = _tickets({"escalated": {"columns": ["x"], "values": {"true": [pattern]}}})
    assert (mapping.translate("escalated", text) == "true") is matches


def test_a_list_cell_takes_its_first_known_technician():
    rules = {"technician": {"columns": ["resource_list"], "split": ","}}
    mapping = _tickets(rules)
    known = {"jweber", "mdemir"}.__contains__
    assert mapping.translate("technician", "rmm-user, jweber, mdemir", known) == "jweber"
    assert mapping.translate("technician", "rmm-user, bot", known) == "rmm-user"
    assert mapping.translate("technician", " , ", known) == ""


def test_a_local_time_the_clocks_skipped_is_refused_and_a_repeated_one_is_its_first_pass():
    berlin = _tickets(time_zone="Europe/Berlin")
    error = _refusal(berlin, "opened_at", "29.03.2026 02:30")
    assert "Europe/Berlin" in error.reason
    # 25 October 2026, 02:30 happens twice; the first pass is summer time (+02:00).
    assert _instant(berlin.translate("opened_at", "25.10.2026 02:30")) == datetime.datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )
    # In UTC nothing is skipped.
    assert _instant(_tickets().translate("opened_at", "29.03.2026 02:30")) == datetime.datetime(
        2026, 3, 29, 2, 30, tzinfo=UTC
    )


def test_a_value_the_product_knows_keeps_its_meaning_before_any_other_value():
    rules = {
        "priority": {"columns": ["p"], "values": {"critical": ["Critical"]}, "other": "low"},
    }
    mapping = _tickets(rules)
    assert mapping.translate("priority", "P1") == "P1"  # the product's alias for critical
    assert mapping.translate("priority", "high") == "high"
    assert mapping.translate("priority", "Someday") == "low"
    strict = _tickets({"priority": {"columns": ["p"], "values": {"critical": ["Critical"]}}})
    assert strict.translate("priority", "p2") == "p2"


def test_the_connectwise_mapping_reads_only_the_utc_columns():
    columns = {name: rule["columns"] for name, rule in CONNECTWISE.rules.items()}
    assert columns["opened_at"] == ["Date_Entered_UTC"]
    assert columns["resolved_at"] == ["Date_Resolved_UTC", "Date_Closed_UTC"]


def test_an_unknown_technician_leaves_a_stored_ticket_its_own(db):
    client = Client.objects.create(
        external_id="19433", name="Sonnenkorn", contract_start=datetime.date(2024, 1, 1)
    )
    from organisation.models import Technician

    jonas = Technician.objects.create(
        external_id="jweber",
        name="Jonas",
        email="jonas@nordlicht-it.example",
        hire_date=datetime.date(2022, 1, 1),
    )
    rules = {
        "external_id": {"columns": ["id"]},
        "client": {"columns": ["company"]},
        "priority": {"columns": ["priority"]},
        "opened_at": {"columns": ["opened"]},
        "source": {"columns": ["source"]},
        "technician": {"columns": ["resources"], "split": ","},
    }
    mapping = Mapping("tickets", rules, time_zone="UTC", unknown_technicians_unassigned=True)
    header = "id,company,priority,opened,source,resources\n"

    def imported(resources: str, number: str = "1"):
        text = f'{header}{number},19433,high,2026-10-05T08:00:00,client,"{resources}"\n'
        importing.import_csv("tickets", io.BytesIO(text.encode()), mapping=mapping)
        return Ticket.objects.get(external_id=number).technician_id

    assert imported("rmm-user, jweber") == jonas.pk  # the first known one
    assert imported("rmm-user") == jonas.pk  # unknown: the stored one stays
    assert imported("rmm-user", number="2") is None  # a new ticket: unassigned
    assert client.tickets.count() == 2
