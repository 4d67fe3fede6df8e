"""Imports and webhook calls leave one structured log line each: kind, rows or tickets,
seconds, and never a cell's content or a webhook token."""

import datetime
import io
import json
import logging
import re

import pytest
from django.db import OperationalError
from django.urls import reverse

from kpis import importing, upsert
from kpis.models import WebhookIntegration
from organisation.models import Client

SECRET_NAME = "Geheimkunde Vertraulich GmbH"
SECRET_TICKET = "PSA-SECRET-4711"


@pytest.fixture
def records(caplog):
    """Every record of the KPI loggers and of django.request (which does not propagate)."""
    caplog.set_level(logging.DEBUG, logger="kpis")
    request_logger = logging.getLogger("django.request")
    request_logger.addHandler(caplog.handler)
    yield caplog
    request_logger.removeHandler(caplog.handler)


def _text(caplog) -> str:
    return "\n".join(
        r.getMessage() + (r.exc_text or "") + str(getattr(r, "args", "")) for r in caplog.records
    )


@pytest.fixture
def acme(db):
    return Client.objects.create(
        external_id="C-1", name=SECRET_NAME, contract_start=datetime.date(2025, 1, 1)
    )


def _tickets(*keys, escalated="false") -> bytes:
    return (
        "external_id,client,priority,opened_at,source,escalated\n"
        + "".join(f"{key},C-1,high,2025-03-01T09:00:00+01:00,client,{escalated}\n" for key in keys)
    ).encode()


def test_an_import_logs_kind_rows_and_seconds_without_cells(acme, records):
    importing.import_csv("tickets", io.BytesIO(_tickets(SECRET_TICKET, "PSA-2")))
    importing.import_csv(
        "clients",
        io.BytesIO(f"external_id,name,contract_start\nC-1,{SECRET_NAME},2025-01-01\n".encode()),
    )
    lines = [r.getMessage() for r in records.records if r.name == "kpis.importing"]
    assert re.fullmatch(
        r"kpis\.import kind=tickets rows=2 created=2 updated=0 unchanged=0 moved=0 "
        r"ignored_columns=0 seconds=\d+\.\d{3}",
        lines[0],
    )
    assert re.fullmatch(
        r"kpis\.import kind=clients rows=1 created=0 updated=0 unchanged=1 moved=0 "
        r"ignored_columns=0 seconds=\d+\.\d{3}",
        lines[1],
    )
    text = _text(records)
    assert SECRET_TICKET not in text and SECRET_NAME not in text and "C-1" not in text


def test_a_rejected_import_logs_the_number_of_problems_not_the_values(acme, records):
    bad = _tickets(SECRET_TICKET, escalated="SECRET-VALUE")
    with pytest.raises(importing.ImportRejected):
        importing.import_csv("tickets", io.BytesIO(bad))
    [line] = [r.getMessage() for r in records.records if r.name == "kpis.importing"]
    assert re.fullmatch(r"kpis\.import_rejected kind=tickets problems=1 seconds=\d+\.\d{3}", line)
    assert "SECRET" not in _text(records)


def test_a_failed_write_logs_the_error_kind_without_the_database_message(
    acme, records, monkeypatch
):
    def failing(*args, **kwargs):
        raise OperationalError(f'duplicate key value (external_id)=("{SECRET_TICKET}")')

    monkeypatch.setattr(upsert.TicketUpsert, "write", failing)
    with pytest.raises(importing.ImportRejected):
        importing.import_csv("tickets", io.BytesIO(_tickets(SECRET_TICKET)))
    lines = [r.getMessage() for r in records.records if r.name == "kpis.importing"]
    assert lines[0] == "kpis.import_failed kind=tickets error=OperationalError"
    assert all(r.exc_info is None for r in records.records)
    assert SECRET_TICKET not in _text(records)


def test_the_upload_page_logs_like_the_command(manager_client, acme, records):
    from tests.kpis.conftest import upload

    upload(manager_client, "tickets", _tickets(SECRET_TICKET), name=f"{SECRET_TICKET}.csv")
    assert any(
        r.getMessage().startswith("kpis.import kind=tickets rows=1 ") for r in records.records
    )
    assert SECRET_TICKET not in _text(records)


@pytest.fixture
def token(db):
    integration = WebhookIntegration(name="Halo")
    raw = integration.issue_token()
    integration.save()
    return raw


def _hook(client, token, body):
    return client.post(
        reverse("kpis:webhook"),
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


TICKET = {
    "external_id": SECRET_TICKET,
    "client": "C-1",
    "priority": "high",
    "opened_at": "2025-03-01T09:00:00+01:00",
    "source": "monitoring",
}


def test_the_webhook_logs_counts_and_the_integration_never_the_token(client, acme, token, records):
    integration = WebhookIntegration.objects.get()
    assert _hook(client, token, TICKET).status_code == 200
    assert _hook(client, token, {**TICKET, "priority": "SECRET-VALUE"}).status_code == 400
    assert _hook(client, token + "x", TICKET).status_code == 401
    assert _hook(client, "", TICKET).status_code == 401
    lines = [r.getMessage() for r in records.records if r.name == "kpis.webhook"]
    assert re.fullmatch(
        rf"kpis\.webhook_stored integration={integration.pk} created=1 updated=0 unchanged=0 "
        r"moved=0 seconds=\d+\.\d{3}",
        lines[0],
    )
    assert lines[1] == f"kpis.webhook_rejected integration={integration.pk} tickets=1 errors=1"
    assert lines[2:] == ["kpis.webhook_refused reason=token"] * 2
    text = _text(records)
    assert token not in text and token[:8] not in text
    assert integration.token_hash not in text
    assert SECRET_TICKET not in text and "SECRET-VALUE" not in text and SECRET_NAME not in text
