"""With Redis unreachable sign-in keeps working, unthrottled, and /healthz says the cache
is failing."""

import json
import logging
import time

import pytest
from django.core.management import call_command

from tests.accounts.helpers import sign_in, signed_in
from tests.helpers import PASSWORD


def test_sign_in_works_while_the_cache_is_down(client, manager, cache_down, caplog):
    caplog.set_level(logging.WARNING, logger="msp_maturity.auth")
    assert sign_in(client, "manager", "wrong").status_code == 200
    started = time.monotonic()
    response = sign_in(client, "manager", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)
    assert time.monotonic() - started < 5
    assert any(
        r.getMessage().startswith("login throttle_unavailable error=") for r in caplog.records
    )


def test_healthz_reports_the_failing_cache_with_503(client, db, settings, cache_down):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["cache"] == "failing" and body["status"] == "error"
    assert body["database"] == "ok"


def test_unlocking_while_the_cache_is_down_fails_loudly(db, cache_down):
    with pytest.raises(Exception, match="(?i)connect"):
        call_command("unlock_sign_in", "--username", "manager")
