"""Imports change only what the file says: an optional column a file (or a webhook ticket)
leaves out keeps its stored value, checks across columns and derived values use that
stored value, and the result counts what actually changed."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import translation

from core.periods import Period
from kpis import importing, metrics
from kpis.models import Ticket
from organisation.models import Client, Contact, Technician

from .conftest import ZONE, send_tickets

OPENED = datetime.datetime(2026, 2, 2, 9, 0, tzinfo=ZONE)


def _import(kind: str, rows: list[dict]) -> importing.ImportResult:
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(str(row[name]) for name in header) for row in rows]
    return importing.import_csv(kind, io.BytesIO(("\n".join(lines) + "\n").encode()))


def _without(row: dict, column: str) -> dict:
    return {name: value for name, value in row.items() if name != column}


# --- One test per optional column of each kind: left out, it keeps its stored value ----

CLIENT_ROW = {
    "external_id": "C-1",
    "name": "Acme",
    "contract_start": "2026-01-01",
    "segment": "Industrie",
    "is_active": "false",
    "escalation_threshold": "7.5",
    "responsible_staff": "manager",
}
TECHNICIAN_ROW = {
    "external_id": "TECH-1",
    "name": "Tina Tech",
    "email": "tina@example.com",
    "role": "Level 2",
    "hire_date": "2024-01-01",
    "leave_date": "2026-06-01",
    "language": "en",
}
TICKET_ROW = {
    "external_id": "T-1",
    "client": "C-1",
    "priority": "high",
    "opened_at": OPENED.isoformat(),
    "first_response_at": (OPENED + datetime.timedelta(minutes=20)).isoformat(),
    "resolved_at": (OPENED + datetime.timedelta(hours=3)).isoformat(),
    "escalated": "true",
    "escalated_at": (OPENED + datetime.timedelta(hours=1)).isoformat(),
    "source": "monitoring",
    "proactive": "true",
    "auto_remediated": "true",
    "technician": "TECH-1",
    "title": "Drucker",
    "requester_external_id": "P-1",
    "requester_email": "ada@acme.example",
}
CONTACT_ROW = {
    "client": "C-1",
    "name": "Bea",
    "email": "bea@acme.example",
    "language": "en",
    "is_active": "false",
    "external_id": "P-2",
}


def _stored_value(kind: str, column: str):
    if kind == "clients":
        client = Client.objects.get(external_id="C-1")
        if column == "responsible_staff":
            return {user.username for user in client.responsible_staff.all()}
        return getattr(client, column)
    if kind == "technicians":
        return getattr(Technician.objects.get(external_id="TECH-1"), column)
    if kind == "contacts":
        return getattr(Contact.objects.get(email="bea@acme.example"), column)
    ticket = Ticket.objects.select_related("technician", "requester").get(external_id="T-1")
    if column == "technician":
        return ticket.technician.external_id
    if column.startswith("requester_"):
        return getattr(ticket.requester, column.removeprefix("requester_"))
    return getattr(ticket, column)


KEPT = {
    "clients": {
        "segment": "Industrie",
        "is_active": False,
        "escalation_threshold": Decimal("7.50"),
        "responsible_staff": {"manager"},
    },
    "technicians": {
        "role": "Level 2",
        "leave_date": datetime.date(2026, 6, 1),
        "language": "en",
    },
    "tickets": {
        "first_response_at": OPENED + datetime.timedelta(minutes=20),
        "resolved_at": OPENED + datetime.timedelta(hours=3),
        "escalated": True,
        "escalated_at": OPENED + datetime.timedelta(hours=1),
        "proactive": True,
        "auto_remediated": True,
        "technician": "TECH-1",
        "title": "Drucker",
        "requester_external_id": "P-1",
        "requester_email": "ada@acme.example",
    },
    "contacts": {"language": "en", "is_active": False, "external_id": "P-2"},
}
FULL_ROW = {
    "clients": CLIENT_ROW,
    "technicians": TECHNICIAN_ROW,
    "tickets": TICKET_ROW,
    "contacts": CONTACT_ROW,
}
# A required column the second file changes, so the row is an update.
CHANGED = {
    "clients": ("name", "Acme AG"),
    "technicians": ("name", "Tina T."),
    "tickets": ("priority", "critical"),
    "contacts": ("name", "Bea B."),
}
OPTIONAL = [(kind, column) for kind, columns in KEPT.items() for column in columns]


@pytest.fixture
def stored(db, manager):
    """Every row of the full files stored, each optional column off its default."""
    _import("clients", [CLIENT_ROW])
    _import("technicians", [TECHNICIAN_ROW])
    _import("tickets", [TICKET_ROW])  # creates the requester
    _import("contacts", [CONTACT_ROW])
    for kind, columns in KEPT.items():
        for column, value in columns.items():
            assert _stored_value(kind, column) == value, (kind, column)


@pytest.mark.parametrize(("kind", "column"), OPTIONAL)
def test_a_file_leaving_out_an_optional_column_keeps_its_stored_value(stored, kind, column):
    name, value = CHANGED[kind]
    row = {**_without(FULL_ROW[kind], column), name: value}
    result = _import(kind, [row])
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    assert _stored_value(kind, name) == value
    assert _stored_value(kind, column) == KEPT[kind][column]


TICKET_JSON = {
    **TICKET_ROW,
    "escalated": True,
    "proactive": True,
    "auto_remediated": True,
}


@pytest.mark.parametrize("column", list(KEPT["tickets"]))
def test_a_webhook_ticket_leaving_out_an_optional_field_keeps_its_stored_value(
    stored, client, webhook_token, column
):
    response = send_tickets(
        client, webhook_token, {**_without(TICKET_JSON, column), "priority": "critical"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["updated"] == 1
    assert _stored_value("tickets", "priority") == "critical"
    assert _stored_value("tickets", column) == KEPT["tickets"][column]


@pytest.mark.parametrize(
    ("kind", "column", "cleared"),
    [
        ("clients", "segment", ""),
        ("clients", "is_active", True),
        ("clients", "escalation_threshold", None),
        ("clients", "responsible_staff", set()),
        ("technicians", "role", ""),
        ("technicians", "leave_date", None),
        ("technicians", "language", "de"),
        ("tickets", "first_response_at", None),
        ("tickets", "escalated_at", None),
        ("tickets", "proactive", False),
        ("tickets", "title", ""),
        ("contacts", "language", "de"),
        ("contacts", "is_active", True),
        ("contacts", "external_id", ""),
    ],
)
def test_an_optional_column_present_but_empty_clears_the_value(stored, kind, column, cleared):
    _import(kind, [{**FULL_ROW[kind], column: ""}])
    assert _stored_value(kind, column) == cleared


def test_a_webhook_null_clears_the_value(stored, client, webhook_token):
    assert (
        send_tickets(client, webhook_token, {**TICKET_JSON, "resolved_at": None}).status_code == 200
    )
    ticket = Ticket.objects.get(external_id="T-1")
    assert ticket.resolved_at is None and ticket.resolution_seconds is None


def test_a_new_record_takes_the_defaults_for_what_its_row_leaves_out(db):
    _import("clients", [{"external_id": "C-9", "name": "Neu", "contract_start": "2026-01-01"}])
    row = {k: TICKET_ROW[k] for k in ("client", "priority", "opened_at", "source")}
    _import("tickets", [{**row, "external_id": "T-9", "client": "C-9"}])
    client = Client.objects.get(external_id="C-9")
    assert (client.segment, client.is_active, client.escalation_threshold) == ("", True, None)
    ticket = Ticket.objects.get(external_id="T-9")
    assert ticket.first_response_at is None and ticket.resolved_at is None
    assert not ticket.escalated and ticket.escalated_at is None
    assert not ticket.proactive and not ticket.auto_remediated and ticket.technician is None


# --- The case from the field: resolutions added to 20 tickets --------------------------


def test_adding_resolutions_keeps_escalations_and_first_responses(db):
    _import("clients", [_without(CLIENT_ROW, "responsible_staff")])
    first = [
        {
            "external_id": f"T-{i}",
            "client": "C-1",
            "priority": "medium",
            "opened_at": (OPENED + datetime.timedelta(minutes=i)).isoformat(),
            "first_response_at": (OPENED + datetime.timedelta(minutes=i + 10)).isoformat(),
            "escalated": "true" if i < 5 else "false",
            "source": "client",
        }
        for i in range(20)
    ]
    _import("tickets", first)
    february = Period(datetime.date(2026, 2, 1), datetime.date(2026, 3, 1))
    before = metrics.totals(february)
    assert (before["escalated"], before["first_response_measured"]) == (5, 20)
    # The PSA's next export: the same ids, only the resolution added.
    later = [
        {
            **{k: row[k] for k in ("external_id", "client", "priority", "opened_at", "source")},
            "resolved_at": (OPENED + datetime.timedelta(hours=2)).isoformat(),
        }
        for row in first
    ]
    result = _import("tickets", later)
    assert (result.updated, result.unchanged) == (20, 0)
    after = metrics.totals(february)
    assert (after["escalated"], after["first_response_measured"]) == (5, 20)
    assert after["resolution_measured"] == 20
    assert Ticket.objects.filter(first_response_seconds__isnull=False).count() == 20


# --- Checks across columns and derived values use the stored values --------------------


def _ticket(**values) -> dict:
    row = {k: TICKET_ROW[k] for k in ("external_id", "client", "priority", "opened_at", "source")}
    return {**row, **values}


def _rejection(kind, rows) -> list[str]:
    with pytest.raises(importing.ImportRejected) as exc:
        _import(kind, rows)
    return exc.value.errors


def test_escalated_at_without_the_escalated_column_uses_the_stored_flag(stored):
    later = OPENED + datetime.timedelta(hours=2)
    _import("tickets", [_ticket(escalated_at=later.isoformat())])  # stored: escalated
    assert Ticket.objects.get().escalated_at == later
    _import("tickets", [_ticket(escalated="false", escalated_at="")])
    assert _rejection("tickets", [_ticket(escalated_at=later.isoformat())]) == [
        "Row 2, column “escalated_at”: is set, but the stored escalated value, which this "
        "row leaves unchanged, is false"
    ]


def test_escalated_false_without_the_escalated_at_column_is_refused_while_one_is_stored(stored):
    assert _rejection("tickets", [_ticket(escalated="false")]) == [
        "Row 2, column “escalated”: is false, but the stored escalated_at, which this row "
        "leaves unchanged, is set; add an empty escalated_at column to clear it"
    ]
    assert Ticket.objects.get().escalated


def test_a_new_ticket_with_escalated_at_needs_escalated(db):
    _import("clients", [_without(CLIENT_ROW, "responsible_staff")])
    row = _ticket(escalated_at=TICKET_ROW["escalated_at"])
    assert _rejection("tickets", [row]) == [
        "Row 2, column “escalated_at”: is set, but escalated is false"
    ]


def test_moving_opened_at_past_a_stored_timestamp_is_refused(stored):
    moved = (OPENED + datetime.timedelta(hours=4)).isoformat()
    errors = _rejection("tickets", [_ticket(opened_at=moved, escalated_at="")])
    assert errors == [
        "Row 2, column “first_response_at”: the stored value, which this row leaves "
        "unchanged, lies before opened_at"
    ]


def test_durations_follow_a_new_opened_at_from_the_stored_timestamps(stored):
    earlier = OPENED - datetime.timedelta(minutes=40)
    _import("tickets", [_ticket(opened_at=earlier.isoformat())])
    ticket = Ticket.objects.get()
    assert ticket.first_response_seconds == 60 * 60  # 40 + 20 minutes
    assert ticket.resolution_seconds == (3 * 60 + 40) * 60
    assert ticket.opened_on == datetime.date(2026, 2, 2)


def test_a_hire_date_after_the_stored_leave_date_is_refused(stored):
    row = {k: TECHNICIAN_ROW[k] for k in ("external_id", "name", "email")}
    errors = _rejection("technicians", [{**row, "hire_date": "2026-07-01"}])
    assert errors == [
        "Row 2, column “leave_date”: the stored leave date, which this row leaves unchanged, "
        "is not after the hire date"
    ]


def test_the_webhook_checks_against_the_stored_ticket_too(stored, client, webhook_token):
    body = {k: TICKET_JSON[k] for k in ("external_id", "client", "priority", "opened_at")}
    body.update(source="client", escalated=False)
    response = send_tickets(client, webhook_token, body)
    assert response.status_code == 400
    assert response.json()["fields"] == [
        {
            "index": 0,
            "field": "escalated",
            "message": "ist false, aber das gespeicherte escalated_at, das diese Zeile "
            "unverändert lässt, ist gesetzt; fügen Sie eine leere Spalte escalated_at hinzu, "
            "um es zu löschen",
        }
    ]
    assert Ticket.objects.get().escalated


def test_a_stored_mismatch_the_row_does_not_touch_does_not_refuse_it(stored):
    """An escalated_at without escalated set in the back office is not the file's doing."""
    Ticket.objects.update(escalated=False)
    result = _import("tickets", [_ticket(priority="low")])
    assert result.updated == 1


# --- What the result counts ------------------------------------------------------------


def test_an_unchanged_file_counts_as_unchanged_and_writes_nothing(
    stored, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        result = _import("tickets", [TICKET_ROW])
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert result.message() == "1 row imported: 0 new, 0 updated, 1 unchanged."
    assert callbacks == []  # nothing changed: no threshold check
    with translation.override("de"):
        assert result.message() == "1 Zeile importiert: 0 neu, 0 aktualisiert, 1 unverändert."


def test_tickets_moved_to_another_client_are_counted(stored):
    _import("clients", [{**CLIENT_ROW, "external_id": "C-2", "name": "Beta"}])
    rows = [_ticket(external_id=f"M-{i}") for i in range(4)]
    _import("tickets", rows)
    result = _import("tickets", [{**row, "client": "C-2"} for row in rows[:3]] + [rows[3]])
    assert (result.updated, result.unchanged, result.moved) == (3, 1, 3)
    assert result.lines()[1] == "3 tickets moved to another client."
    with translation.override("de"):
        assert result.message() == (
            "4 Zeilen importiert: 0 neu, 3 aktualisiert, 1 unverändert. "
            "3 Tickets einem anderen Kunden zugeordnet."
        )
        result.moved = 1
        assert result.lines()[1] == "1 Ticket einem anderen Kunden zugeordnet."


def test_a_change_of_responsible_staff_alone_is_an_update(stored, staff_user):
    result = _import("clients", [{**CLIENT_ROW, "responsible_staff": "manager|staff"}])
    assert (result.updated, result.unchanged) == (1, 0)
    assert _stored_value("clients", "responsible_staff") == {"manager", "staff"}
    assert _import("clients", [{**CLIENT_ROW, "responsible_staff": "staff|manager"}]).unchanged == 1


def test_the_webhook_counts_unchanged_and_moved_tickets(stored, client, webhook_token):
    Client.objects.create(external_id="C-2", name="Beta", contract_start=datetime.date(2026, 1, 1))
    assert send_tickets(client, webhook_token, TICKET_JSON).json()["unchanged"] == 1
    response = send_tickets(client, webhook_token, {**TICKET_JSON, "client": "C-2"}).json()
    assert (response["updated"], response["moved"]) == (1, 1)


def test_two_webhook_objects_of_one_ticket_apply_one_after_the_other(stored, client, webhook_token):
    """Each object names other fields: both changes are kept."""
    base = {k: TICKET_JSON[k] for k in ("external_id", "client", "priority", "opened_at")}
    base["source"] = "monitoring"
    body = {"tickets": [{**base, "proactive": False}, {**base, "auto_remediated": False}]}
    assert send_tickets(client, webhook_token, body).status_code == 200
    ticket = Ticket.objects.get()
    assert not ticket.proactive and not ticket.auto_remediated and ticket.escalated
