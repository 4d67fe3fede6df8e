"""A connection of each PSA with the fixtures' secrets (tests/fixtures/psa/<vendor>/),
and the raw bodies and signatures of their recorded-style events."""

import json
from pathlib import Path

import pytest

from integrations.models import HALO_PASSWORD, HALO_TOKEN, WEBHOOK_SECRET, Integration
from tests.fakes.psa import FakeConnectWise

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "psa"
CW_HOST = "https://cw.nordlicht-it.example"
CW_SIGNATURES = json.loads((FIXTURES / "connectwise" / "callback_signatures.json").read_text())
AT_SIGNATURES = json.loads((FIXTURES / "autotask" / "webhook_signatures.json").read_text())
HALO_AUTH = json.loads((FIXTURES / "halopsa" / "webhook_auth.json").read_text())

CW_CREDENTIALS = {
    "company_id": "CompanyNord77",
    "public_key": "pubKEY-cw-0001-ABCD",
    "private_key": "privKEY-cw-secret-WXYZ",
    "client_id": "clientid-guid-0000-9876",
}
AT_CREDENTIALS = {
    "username": "api-user@nordlicht-it.example",
    "secret": "at-secret-value-QRST",
    "integration_code": "TRACKINGCODE-LMNO",
}
HALO_CREDENTIALS = {
    "client_id": "halo-client-id-EFGH",
    "client_secret": "halo-client-secret-IJKL",
    "tenant": "TenantNord42",
    "scope": "all",
}


def body(vendor: str, name: str) -> bytes:
    """A fixture's exact bytes (they are what is signed)."""
    return (FIXTURES / vendor / name).read_bytes()


def _make(kind, name, base_url, credentials, **secrets) -> Integration:
    integration = Integration(kind=kind, name=name, base_url=base_url)
    integration.replace_credentials(credentials)
    integration.save()
    if secrets:
        integration.set_secrets({**integration.secrets, **secrets})
        integration.save(update_fields=["secrets_encrypted"])
    return integration


@pytest.fixture
def connectwise(db) -> Integration:
    return _make("connectwise", "ConnectWise", f"{CW_HOST}/v4_6_release/apis/3.0", CW_CREDENTIALS)


@pytest.fixture
def autotask(db) -> Integration:
    return _make(
        "autotask",
        "Autotask",
        "https://webservices5.autotask.net/ATServicesRest",
        AT_CREDENTIALS,
        **{WEBHOOK_SECRET: AT_SIGNATURES["secret_key"]},
    )


@pytest.fixture
def halo(db) -> Integration:
    return _make(
        "halopsa",
        "HaloPSA",
        "https://nordlicht.halopsa.com/api",
        HALO_CREDENTIALS,
        **{
            HALO_PASSWORD: HALO_AUTH["basic"]["password"],
            HALO_TOKEN: HALO_AUTH["bearer"]["token"],
        },
    )


@pytest.fixture
def cw_server():
    """The fake ConnectWise server with its fixtures (a module may use its own)."""
    with FakeConnectWise() as server:
        yield server


@pytest.fixture(autouse=True)
def _no_process_copies():
    """Each test starts without the process's copies of signing keys and connections (a
    test's connection id may be another test's)."""
    from integrations import callback_keys, events

    callback_keys._local.clear()
    events._copies.clear()
    yield
    callback_keys._local.clear()
    events._copies.clear()


@pytest.fixture
def queued(monkeypatch):
    """The tasks published to apply a connection's new events (none runs)."""
    from integrations import tasks

    calls = []
    monkeypatch.setattr(tasks.apply_events, "delay", lambda *args: calls.append(args))
    monkeypatch.setattr(
        tasks.apply_events, "apply_async", lambda args, **options: calls.append(tuple(args))
    )
    return calls
