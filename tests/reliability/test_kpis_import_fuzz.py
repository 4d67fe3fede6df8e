"""Arbitrary files for the CSV import (the service and the upload page) and arbitrary
bodies for the PSA webhook: the answer is always an import, a page or a clear error
naming row, column and reason, never a 500 or an unhandled exception, and a refused file
or request stores nothing, not even part of it."""

import csv
import datetime
import io
import json
import re
import string

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kpis import columns, importing, tables, ticket_fields, upsert
from kpis.models import Ticket, TicketDailyRollup, WebhookIntegration
from organisation.models import Client, Technician
from tests.helpers import fuzz, with_form_token

FUZZ = fuzz(60)
ROW_MESSAGE = re.compile(r"^Row \d+(, column “[^”]+”)?: .+", re.DOTALL)
TICKET_HEADER = [c.name for c in columns.TICKET_COLUMNS]
CLIENT_HEADER = [c.name for c in columns.CLIENT_COLUMNS]
BINARY_MESSAGE = (
    "This is neither a CSV text file nor an Excel workbook (.xlsx) (perhaps an archive, a PDF "
    "or an image). In Excel choose “Save as” > “CSV UTF-8 (comma delimited)” or “Excel "
    "workbook (.xlsx)”."
)
ALL_COLUMNS = sorted(
    {c.name for kind_columns in columns.COLUMNS.values() for c in kind_columns} | {"client"}
)


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English (pages pick their own language)."""
    with translation.override("en"):
        yield


def counts() -> dict:
    return {
        "clients": Client.objects.count(),
        "technicians": Technician.objects.count(),
        "tickets": Ticket.objects.count(),
        "rollups": TicketDailyRollup.objects.count(),
        "staff": Client.responsible_staff.through.objects.count(),
    }


@pytest.fixture
def known(db):
    """A client C-1 and a technician T-1 that tickets may refer to."""
    client = Client.objects.create(
        external_id="C-1", name="Acme", contract_start=datetime.date(2025, 1, 1)
    )
    technician = Technician.objects.create(
        external_id="T-1",
        name="Tina",
        email="tina@example.com",
        hire_date=datetime.date(2024, 1, 1),
    )
    return client, technician


def import_or_reject(kind: str, data: bytes):
    """Import ``data``; a refused file must leave every table as it was and explain
    itself. Returns the result or the ImportRejected."""
    before = counts()
    try:
        return importing.import_csv(kind, io.BytesIO(data))
    except importing.ImportRejected as exc:
        assert exc.errors and all(isinstance(e, str) and e.strip() for e in exc.errors)
        for error in exc.errors:
            if error.startswith("Row"):
                assert ROW_MESSAGE.match(error), error
        assert counts() == before
        return exc


# --- Whole files of arbitrary content ----------------------------------------------------

cell_text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=string.printable, max_size=30),
    st.sampled_from(
        [
            "",
            "C-1",
            "T-1",
            "high",
            "P1",
            "client",
            "monitoring",
            "true",
            "ja",
            "2025-03-01T09:00:00+01:00",
            "01.03.2025 09:00",
            "2025-03-01",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31",
            "NaN",
            "8,5 %",
            '"',
            '""',
            "\x00",
            "\r",
            "\n",
            "a;b,c",
            "<script>alert(1)</script>",
            '=HYPERLINK("http://x","y")',
        ]
    ),
)
header_names = st.lists(
    st.one_of(st.sampled_from(ALL_COLUMNS), st.text(max_size=12)), min_size=0, max_size=14
)


@st.composite
def csv_texts(draw):
    header = draw(header_names)
    width = max(1, len(header))
    rows = draw(
        st.lists(
            st.lists(cell_text, min_size=0, max_size=width + 2),
            min_size=0,
            max_size=6,
        )
    )
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    buffer = io.StringIO()
    try:
        writer = csv.writer(
            buffer, delimiter=delimiter, quoting=quoting, lineterminator=newline, escapechar="\\"
        )
        writer.writerow(header)
        writer.writerows(rows)
        text = buffer.getvalue()
    except csv.Error:  # QUOTE_NONE cannot write some cells: write them raw
        text = newline.join(delimiter.join(r) for r in [header, *rows])
    if draw(st.booleans()):  # a hand-edited file: stray quotes or a cut-off last line
        cut = draw(st.integers(min_value=0, max_value=len(text)))
        text = text[:cut] + draw(st.sampled_from(['"', "", "\n", '"x"y'])) + text[cut:]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"]))
    return text.encode(encoding, errors="replace")


@FUZZ
@given(data=st.binary(max_size=600), kind=st.sampled_from(importing.KINDS))
def test_random_bytes_are_imported_or_rejected_whole(known, data, kind):
    import_or_reject(kind, data)


@FUZZ
@given(data=csv_texts(), kind=st.sampled_from(importing.KINDS))
def test_random_csv_text_is_imported_or_rejected_whole(known, data, kind):
    import_or_reject(kind, data)


# --- A valid file with one corrupted cell -------------------------------------------------


def _ticket_rows(count: int) -> list[dict]:
    rows = []
    for i in range(count):
        opened = datetime.datetime(2025, 3, 1 + i, 9, 0)
        rows.append(
            {
                "external_id": f"FZ-{i}",
                "client": "C-1",
                "priority": ["critical", "high", "P3", "4"][i % 4],
                "opened_at": opened.isoformat(),
                "first_response_at": (opened + datetime.timedelta(minutes=5)).isoformat(),
                "resolved_at": (opened + datetime.timedelta(hours=2)).isoformat(),
                "escalated": "true" if i % 2 else "false",
                "escalated_at": (opened + datetime.timedelta(minutes=30)).isoformat()
                if i % 2
                else "",
                "source": ["client", "monitoring", "automation", "self_service"][i % 4],
                "proactive": "ja" if i % 3 == 0 else "nein",
                "auto_remediated": "0",
                "technician": "T-1" if i % 2 else "",
                "title": f"Ticket {i}",
                "requester_external_id": "",
                "requester_email": "ada@acme.example" if i % 2 else "",
                "requester_name": "Ada",
                "technician_email": "" if i % 2 else "tina@example.com",
            }
        )
    return rows


BAD_TICKET_CELLS = {
    "external_id": ["", "x" * 101, "a\x00b"],
    "client": ["C-404", "", "C-1\x00"],
    "priority": ["urgent", "P5", "0"],
    "opened_at": [
        "yesterday",
        "2025-13-01T00:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-23:59",
        "31.02.2025 10:00",
        "2099-01-01T00:00:00+01:00",
    ],
    "first_response_at": ["2000-01-01T00:00:00+01:00", "soon"],
    "resolved_at": ["0001-01-01", "2025-02-30"],
    "escalated": ["maybe", "2"],
    "escalated_at": ["never", "1999-01-01T00:00"],
    "source": ["phone", ""],
    "proactive": ["perhaps"],
    "auto_remediated": ["-1"],
    "technician": ["T-404", "T-1\x00"],
    "title": ["x" * 256, "a\x00b"],
    "requester_external_id": ["x" * 101, "P-404"],
    "requester_email": ["no-address", "x" * 250 + "@a.de"],
    "requester_name": ["x" * 201],
    "technician_email": ["nobody@example.com", "no-address"],
    **{f"psa_{stage}_met": ["maybe", "2"] for stage in ("sla", "response", "plan", "resolution")},
    **{
        f"psa_{stage}_minutes": ["-5", "soon", "1.5", "9" * 12]
        for stage in ("response", "plan", "resolution", "waiting")
    },
}


def test_every_ticket_column_has_known_bad_values():
    """The fuzz test below picks any column; a new one without bad values would fail it
    only when the draw happens to land on it."""
    assert set(BAD_TICKET_CELLS) == set(TICKET_HEADER)


@FUZZ
@given(
    count=st.integers(min_value=1, max_value=8),
    position=st.integers(min_value=0, max_value=7),
    column=st.sampled_from(TICKET_HEADER),
    bad=st.one_of(st.none(), cell_text),
    pick=st.integers(min_value=0, max_value=10),
    delimiter=st.sampled_from([",", ";"]),
)
def test_a_valid_file_with_one_corrupted_cell_names_its_row_and_column(
    known, count, position, column, bad, pick, delimiter
):
    rows = _ticket_rows(count)
    target = rows[position % count]
    if bad is None:  # a value known to be wrong for this column
        choices = BAD_TICKET_CELLS[column]
        bad = choices[pick % len(choices)]
    target[column] = bad
    clients = {"C-1": known[0].pk}
    technicians = {"T-1": known[1].pk}
    # What the row checks shared with the webhook say of the row (a new ticket).
    try:
        lookups = {
            "clients": clients,
            "technicians": technicians,
            "technician_emails": {"tina@example.com": known[1].pk},
        }
        values = columns.clean_row(columns.TICKET_COLUMNS, target, lookups)
        pending = {values["external_id"]: upsert.Pending(2, values)}
        problems = upsert.TicketUpsert().batch(pending, write=False)
        expected = problems[0][1] if problems else None
    except ticket_fields.RowError as exc:
        expected = exc
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=TICKET_HEADER, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    outcome = import_or_reject("tickets", buffer.getvalue().encode())
    if expected is None:
        assert isinstance(outcome, importing.ImportResult), outcome
        assert outcome.rows == count
        return
    assert isinstance(outcome, importing.ImportRejected)
    if "\x00" in bad:  # text files hold no NUL byte: refused as binary
        assert outcome.errors == [BINARY_MESSAGE]
        return
    row_number = position % count + 2  # the header is row 1
    # Every problem of the row, each with its column (one corrupted cell: one problem).
    assert outcome.errors == [
        tables.row_message(row_number, error.column, error.reason) for error in expected.errors
    ]
    assert len(outcome.errors) == 1


BAD_CLIENT_CELLS = {
    "contract_start": ["0001-01-01", "9999-12-31", "2026-02-30", "tomorrow", "\x00"],
    "escalation_threshold": ["NaN", "sNaN", "0", "0.001", "101", "-1", "Infinity", "1e999"],
    "is_active": ["vielleicht"],
    "responsible_staff": ["nobody", "manager|ghost"],
    "name": ["", "n" * 201, "Acme\x00"],
}


@FUZZ
@given(
    column=st.sampled_from(sorted(BAD_CLIENT_CELLS)),
    pick=st.integers(min_value=0, max_value=10),
    rows=st.integers(min_value=1, max_value=5),
)
def test_a_client_file_with_one_bad_cell_names_it(db, column, pick, rows):
    values = [
        {
            "external_id": f"CL-{i}",
            "name": f"Kunde {i}",
            "contract_start": "2025-01-01",
            "segment": "KMU",
            "is_active": "true",
            "escalation_threshold": "8,5",
            "responsible_staff": "",
        }
        for i in range(rows)
    ]
    choices = BAD_CLIENT_CELLS[column]
    values[-1][column] = choices[pick % len(choices)]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CLIENT_HEADER, delimiter=";")
    writer.writeheader()
    writer.writerows(values)
    outcome = import_or_reject("clients", buffer.getvalue().encode())
    assert isinstance(outcome, importing.ImportRejected)
    [error] = outcome.errors
    if "\x00" in values[-1][column]:
        assert error == BINARY_MESSAGE
        return
    assert error.startswith(f"Row {rows + 1}, column “{column}”: "), error


# --- The upload page ---------------------------------------------------------------------


@FUZZ
@given(
    data=st.one_of(st.binary(max_size=400), csv_texts()),
    kind=st.one_of(st.sampled_from(importing.KINDS), st.text(max_size=10)),
    name=st.sampled_from(["tickets.csv", "x.xlsx", "", "a" * 300, "<b>.csv"]),
)
def test_the_upload_page_answers_any_file_with_a_page(manager_client, known, data, kind, name):
    upload = io.BytesIO(data)
    upload.name = name or "upload"
    before = counts()
    response = manager_client.post(
        reverse("kpis:import"), with_form_token({"kind": kind, "file": upload})
    )
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:  # the form again, with the reason
        body = response.content.decode()
        assert "is-invalid" in body or 'data-testid="import-errors"' in body
        assert counts() == before


# --- The webhook -------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.floats(allow_nan=True, allow_infinity=True),
        cell_text,
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
ticket_like = st.fixed_dictionaries(
    {},
    optional={name: st.one_of(json_values, cell_text) for name in TICKET_HEADER},
)
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    ticket_like.map(lambda v: json.dumps(v).encode()),
    st.lists(ticket_like, max_size=4).map(lambda v: json.dumps({"tickets": v}).encode()),
    st.sampled_from([b"[" * 50_000, b'{"a":' * 20_000, b'"\\ud800"', b"\xff\xfe{}"]),
)


@pytest.fixture
def webhook_token(db):
    integration = WebhookIntegration(name="Fuzz")
    token = integration.issue_token()
    integration.save()
    return token


@FUZZ
@given(body=bodies, content_type=st.sampled_from(["application/json", "text/plain"]))
def test_the_webhook_answers_any_body_with_json(client, known, webhook_token, body, content_type):
    before = counts()
    response = client.post(
        reverse("kpis:webhook"),
        data=body,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {webhook_token}",
    )
    assert response.status_code in (200, 400, 413, 415), response.status_code
    assert response["Content-Type"] == "application/json"
    payload = response.json()
    if response.status_code != 200:
        assert payload["error"]
        assert counts() == before


def test_a_body_above_the_upload_limit_is_413_json(client, known, webhook_token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"tickets": [{"external_id": "x" * 2000}]})
    response = client.post(
        reverse("kpis:webhook"),
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {webhook_token}",
    )
    assert response.status_code == 413
    assert "too large" in response.json()["error"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("external_id", "a\x00b"),
        ("external_id", "\ud800"),
        ("client", "C-1\ud800"),
        ("technician", "T\x00"),
        ("opened_at", "0001-01-01T00:00:00+01:00"),
    ],
)
def test_values_no_database_can_hold_are_400_naming_the_field(
    client, known, webhook_token, field, value
):
    ticket = {
        "external_id": "W-1",
        "client": "C-1",
        "priority": "high",
        "opened_at": "2025-03-01T09:00:00+01:00",
        "source": "client",
        field: value,
    }
    response = client.post(
        reverse("kpis:webhook"),
        data=json.dumps(ticket),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {webhook_token}",
    )
    assert response.status_code == 400
    assert response.json()["fields"][0]["field"] == field
    assert not Ticket.objects.exists()
