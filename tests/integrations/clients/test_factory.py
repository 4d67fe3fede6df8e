from types import SimpleNamespace

import pytest

from integrations.clients import for_integration
from integrations.clients.autotask import AutotaskClient
from integrations.clients.connectwise import ConnectWiseClient
from integrations.clients.halopsa import HaloClient
from tests.fakes.psa import FakeConnectWise, FakeHalo


@pytest.mark.parametrize(
    "kind,client_class",
    [("connectwise", ConnectWiseClient), ("autotask", AutotaskClient), ("halopsa", HaloClient)],
)
def test_an_integration_gets_the_client_of_its_kind(kind, client_class):
    integration = SimpleNamespace(
        kind=kind, base_url="https://psa.example/x", credentials={"secret": "s3cret-value"}
    )
    client = for_integration(integration)
    assert type(client) is client_class
    assert client.base_url == "https://psa.example/x/"
    assert "s3cret" not in repr(client)


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        for_integration(SimpleNamespace(kind="freshdesk", base_url="", credentials={}))


def test_the_factory_passes_the_clock_on(cw_server, clock):
    integration = SimpleNamespace(
        kind="connectwise", base_url=cw_server.base_url, credentials=FakeConnectWise.CREDENTIALS
    )
    cw_server.fail(503)
    for_integration(integration, sleep=clock.sleep).check()
    assert clock.slept == [2.0]


def test_credentials_may_come_from_a_method_and_halo_from_its_resource_server_url(
    halo_server, clock
):
    integration = SimpleNamespace(
        kind="halopsa",
        base_url=halo_server.origin + "/api",  # as Halo shows it
        credentials=lambda: dict(FakeHalo.CREDENTIALS),
    )
    assert for_integration(integration, now=clock.now).check().vendor == "halopsa"
    assert [r.path for r in halo_server.requests] == ["/auth/token", "/api/Client"]
