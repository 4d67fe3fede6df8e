"""/healthz for the load balancer: 200 when the database and the broker answer, 503 when
either fails, and never a 500."""

import json
import os
from unittest import mock

import pytest
from django.db import connection

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def _health(client):
    response = client.get("/healthz")
    return response.status_code, json.loads(response.content)


@pytest.mark.services
def test_healthy_with_the_real_database_and_broker(client, db, settings):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL; CI always runs it")
    settings.REDIS_URL = os.environ["REDIS_URL"]
    status, body = _health(client)
    assert status == 200
    assert body == {"status": "ok", "database": "ok", "broker": "ok", "cache": "ok"}


def test_without_a_broker_tasks_run_in_process_and_that_is_healthy(client, db, settings):
    settings.REDIS_URL = ""
    assert _health(client) == (
        200,
        {"status": "ok", "database": "ok", "broker": "in-process", "cache": "ok"},
    )


def test_an_unreachable_broker_gives_503(client, db, settings):
    settings.REDIS_URL = UNREACHABLE_REDIS
    status, body = _health(client)
    assert status == 503
    assert body["status"] == "error" and body["broker"] == "error" and body["database"] == "ok"


def test_a_failing_database_gives_503(client, db, settings):
    settings.REDIS_URL = ""

    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    with mock.patch.object(connection, "cursor", side_effect=broken_cursor):
        status, body = _health(client)
    assert status == 503
    assert body["database"] == "error" and body["status"] == "error"


def test_healthz_is_not_cached(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
