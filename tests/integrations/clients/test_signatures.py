"""The event checks against the vectors in the fixtures."""

import pytest

from integrations.clients import signatures
from tests.fakes.psa import FIXTURES, fixture

CW = fixture("connectwise", "callback_signatures.json")
AT = fixture("autotask", "webhook_signatures.json")
HALO = fixture("halopsa", "webhook_auth.json")


@pytest.mark.parametrize("name", sorted(CW["files"]))
def test_a_connectwise_callback_signed_with_the_hashed_key_is_accepted(name):
    body = (FIXTURES / "connectwise" / name).read_bytes()
    vector = CW["files"][name]
    assert signatures.connectwise_valid(body, vector["x-content-signature"], CW["signing_key"])
    # The reading (the key used as is) is accepted too until a real one settles it.
    assert signatures.connectwise_valid(body, vector["if_key_not_hashed"], CW["signing_key"])


@pytest.mark.parametrize("name", sorted(CW["files"]))
def test_a_tampered_or_wrongly_keyed_connectwise_callback_is_refused(name):
    body = (FIXTURES / "connectwise" / name).read_bytes()
    signature = CW["files"][name]["x-content-signature"]
    assert not signatures.connectwise_valid(
        body.replace(b'"ID":', b'"ID": '), signature, CW["signing_key"]
    )
    assert not signatures.connectwise_valid(body, signature, "another-key")
    assert not signatures.connectwise_valid(body, "", CW["signing_key"])


@pytest.mark.parametrize("name", sorted(AT["files"]))
def test_an_autotask_webhook_is_accepted_over_its_bytes_or_their_escaped_form(name):
    body = (FIXTURES / "autotask" / name).read_bytes()
    assert signatures.autotask_valid(body, AT["files"][name]["X-Hook-Signature"], AT["secret_key"])


def test_the_escaped_form_is_the_one_autotask_signed():
    utf8 = (FIXTURES / "autotask" / "webhook_ticket_update_utf8.json").read_bytes()
    escaped = (FIXTURES / "autotask" / "webhook_ticket_update.json").read_bytes()
    assert signatures.autotask_escaped(utf8) == escaped
    assert (
        signatures.autotask_escaped(b'{"a":"x & \\"y\\""}') == b'{"a":"x \\u0026 \\u0022y\\u0022"}'
    )


def test_a_tampered_or_wrongly_keyed_autotask_webhook_is_refused():
    body = (FIXTURES / "autotask" / "webhook_ticket_update.json").read_bytes()
    signature = AT["files"]["webhook_ticket_update.json"]["X-Hook-Signature"]
    assert not signatures.autotask_valid(body.replace(b'"5"', b'"1"'), signature, AT["secret_key"])
    assert not signatures.autotask_valid(body, signature, "another-secret")
    assert not signatures.autotask_valid(body, signature.removeprefix("sha1="), AT["secret_key"])
    assert not signatures.autotask_valid(b"\xff", signature, AT["secret_key"])
    naive = AT["files"]["webhook_ticket_update_utf8.json"]["if_signed_over_received_bytes"]
    utf8 = (FIXTURES / "autotask" / "webhook_ticket_update_utf8.json").read_bytes()
    assert signatures.autotask_valid(utf8, naive, AT["secret_key"])  # raw bytes first


def test_halo_webhooks_carry_our_basic_or_bearer_credentials():
    basic, bearer = HALO["basic"], HALO["bearer"]
    credentials = {"username": basic["username"], "password": basic["password"]}
    assert signatures.halo_valid(basic["Authorization"], **credentials)
    assert signatures.halo_valid(bearer["Authorization"], token=bearer["token"])
    assert not signatures.halo_valid(bearer["Authorization"], **credentials)
    assert not signatures.halo_valid(basic["Authorization"], username="halo-webhook", password="x")
    assert not signatures.halo_valid("Bearer wrong", token=bearer["token"])
    assert not signatures.halo_valid("", token="")
    assert not signatures.halo_valid("Bearer ", token="")
