import datetime
import io
import zoneinfo

import openpyxl
import pytest
from django.utils import timezone

from kpis import rollups
from kpis.models import KpiSettings, Ticket
from kpis.models.tickets import DERIVED_FIELDS, derived_values
from kpis.upsert import TicketUpsert
from organisation.models import Client
from tests.helpers import with_form_token

ZONE = zoneinfo.ZoneInfo("Europe/Berlin")
_counter = {"n": 0}


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=ZONE)


def make_client(name="Beta AG", start=datetime.date(2026, 1, 1), **extra) -> Client:
    _counter["n"] += 1
    return Client.objects.create(
        external_id=extra.pop("external_id", f"C-{name[:4]}-{_counter['n']}"),
        name=name,
        contract_start=start,
        **extra,
    )


def ticket(
    client,
    day: datetime.date,
    *,
    hour=10,
    first_minutes=10,
    resolve_minutes=120,
    priority="medium",
    source="client",
    escalated=False,
    proactive=False,
    auto_remediated=False,
    save=True,
    **extra,
) -> Ticket:
    """A ticket opened on ``day``; responses after the given minutes (None: none yet)."""
    _counter["n"] += 1
    opened = at(day, hour)
    first = (
        opened + datetime.timedelta(minutes=first_minutes) if first_minutes is not None else None
    )
    resolved = (
        opened + datetime.timedelta(minutes=resolve_minutes)
        if resolve_minutes is not None
        else None
    )
    values = dict(
        external_id=extra.pop("external_id", f"T-{_counter['n']}"),
        client=client,
        priority=priority,
        opened_at=opened,
        first_response_at=first,
        resolved_at=resolved,
        escalated=escalated,
        escalated_at=opened + datetime.timedelta(minutes=30) if escalated else None,
        source=source,
        proactive=proactive,
        auto_remediated=auto_remediated,
        **extra,
    )
    values.update(derived_values(opened, first, resolved))
    made = Ticket(**values)
    if save:
        Ticket.objects.bulk_create([made])
    return made


def admin_form(made: Ticket, **changes) -> dict:
    """The admin change form of a ticket as a browser posts it, with ``changes``."""
    values = {
        field: getattr(made, field) for field in TicketUpsert.fields if field not in DERIVED_FIELDS
    }
    values.update(changes)
    data = {}
    for field, value in values.items():
        name = field.removesuffix("_id") if field != "external_id" else field
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, datetime.datetime):
            local = value.astimezone(ZONE)
            data[f"{name}_0"], data[f"{name}_1"] = f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}"
        elif value is None and field.endswith("_at"):
            data[f"{name}_0"] = data[f"{name}_1"] = ""
        else:
            data[name] = "" if value is None else str(value)
    return data


def tickets(client, day, count, escalated=0, **extra) -> list[Ticket]:
    """``count`` tickets on ``day``, the first ``escalated`` of them escalated; rollups
    are not refreshed (call rollups.rebuild_all())."""
    made = [ticket(client, day, escalated=i < escalated, save=False, **extra) for i in range(count)]
    Ticket.objects.bulk_create(made)
    return made


def upload(
    client,
    kind: str,
    data: str | bytes,
    name: str | None = None,
    follow: bool = True,
    confirm: bool = True,
    **fields,
):
    """Upload a file at the import page as a manager's browser does, confirm its preview
    (unless not ``confirm``), run the import task queued on commit, and return the page
    shown next: the form again (with the reasons a file is refused at once) or, with
    ``follow``, the upload's own page."""
    from django.urls import reverse

    file = io.BytesIO(data.encode() if isinstance(data, str) else data)
    file.name = name or f"{kind}.csv"
    response = client.post(
        reverse("kpis:import"), with_form_token({"kind": kind, "file": file, **fields})
    )
    if response.status_code == 302 and confirm:
        response = confirm_upload(client, response["Location"])
    if follow and response.status_code == 302:
        return client.get(response["Location"])
    return response


def confirm_upload(client, job_url: str):
    """Press "Import the file" on an upload's preview and run the task it queues."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(job_url, {"action": "import"})


@pytest.fixture
def webhook_token(db) -> str:
    """The token of a PSA webhook integration that writes to the CSV source, as one from
    before data sources existed does: its tickets and the CSV import's are the same."""
    from kpis.models import WebhookIntegration
    from organisation.models import CSV_SOURCE_ID

    integration = WebhookIntegration(name="PSA", data_source_id=CSV_SOURCE_ID)
    raw = integration.issue_token()
    integration.save()
    return raw


def send_tickets(client, token: str, body):
    """POST ``body`` as JSON to the PSA webhook with the token."""
    import json

    return client.post(
        "/kpis/webhook/tickets/",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Service messages (import errors, evidence) are asserted in English; pages and
    e-mails pick their own language (German by default)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def kpi_settings(db):
    settings, _ = KpiSettings.objects.get_or_create(pk=1)
    return settings


@pytest.fixture
def rebuild(db):
    return rollups.rebuild_all


def workbook(*sheets: tuple[str, list[list]]) -> io.BytesIO:
    """An .xlsx file with ``sheets`` ((title, rows), in order), written by openpyxl."""
    book = openpyxl.Workbook(write_only=True)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


def tickets_csv(client, count, escalated):
    """A ticket CSV of ``count`` tickets of ``client`` opened five minutes ago, the first
    ``escalated`` of them escalated."""
    opened = (timezone.now() - datetime.timedelta(minutes=5)).isoformat()
    lines = ["external_id,client,priority,opened_at,source,escalated"]
    lines += [
        f"W-{i},{client.external_id},medium,{opened},client,{'true' if i < escalated else 'false'}"
        for i in range(count)
    ]
    return io.BytesIO(("\n".join(lines) + "\n").encode())
