"""What each web process keeps between events: ConnectWise's signing keys (a minute at
most, fetched again when a signature fails with the copy) and the connections behind
event addresses (every INSERT checks that the row still matches the copy: a deleted
connection, a new address, rotated secrets and a changed Halo authentication count at
once)."""

import json

import pytest
from django.core.cache import cache
from django.urls import reverse

from integrations import callback_keys
from integrations.models import EVENT_TOKEN, WEBHOOK_SECRET, Event
from integrations.signatures import autotask_signature, connectwise_signature

from .conftest import AT_SIGNATURES, CW_SIGNATURES, HALO_AUTH, body

CW_KEY = CW_SIGNATURES["signing_key"]
CW_UPDATED = "callback_ticket_updated.json"


@pytest.fixture(autouse=True)
def _no_tasks(queued):
    """The events are only stored here."""


@pytest.fixture
def psa_key(monkeypatch):
    """ConnectWise's key URL, faked: ``psa_key.key`` is what it answers now; each fetch
    is counted in ``psa_key.fetches``."""

    class Key:
        key = CW_KEY
        fetches = 0

    def fetch(integration, key_url):
        Key.fetches += 1
        return Key.key

    monkeypatch.setattr(callback_keys, "fetch_signing_key", fetch)
    return Key


@pytest.fixture
def key_reads(monkeypatch):
    """How often the shared cache was asked for a signing key."""
    reads = []

    class Counting:
        def get(self, name, *args, **kwargs):
            reads.append(name)
            return cache.get(name, *args, **kwargs)

        def set(self, *args, **kwargs):
            return cache.set(*args, **kwargs)

    monkeypatch.setattr(callback_keys, "cache", Counting())
    return reads


@pytest.fixture
def clock(monkeypatch):
    """The process copies' clock, moved by hand (seconds)."""

    class Clock:
        now = 1000.0

    monkeypatch.setattr(callback_keys, "_now", lambda: Clock.now)
    return Clock


def _url(integration) -> str:
    return reverse("integrations:event", kwargs={"token": integration.secrets[EVENT_TOKEN]})


def _cw_post(client, integration, signing_key, message_id, url=None):
    """A ConnectWise callback with its own MessageId, signed with ``signing_key``."""
    payload = json.loads(body("connectwise", CW_UPDATED))
    payload["MessageId"] = message_id
    data = json.dumps(payload).encode()
    return client.post(
        url or _url(integration),
        data,
        content_type="application/json",
        headers={"x-content-signature": connectwise_signature(data, signing_key)},
    )


# --- ConnectWise's signing keys ----------------------------------------------------------


def test_a_burst_asks_the_shared_cache_for_the_key_at_most_once_a_minute(
    client, connectwise, psa_key, key_reads, clock
):
    for number in range(3):
        assert _cw_post(client, connectwise, CW_KEY, f"m{number}").status_code == 200
    assert (psa_key.fetches, len(key_reads)) == (1, 1)  # the first: not in the cache
    clock.now += callback_keys.LOCAL_SECONDS - 1
    assert _cw_post(client, connectwise, CW_KEY, "m3").status_code == 200
    assert (psa_key.fetches, len(key_reads)) == (1, 1)
    clock.now += 1
    assert _cw_post(client, connectwise, CW_KEY, "m4").status_code == 200
    assert (psa_key.fetches, len(key_reads)) == (1, 2)


def test_a_key_fetched_again_by_another_process_is_used_after_the_minute(
    client, connectwise, psa_key, clock
):
    assert _cw_post(client, connectwise, CW_KEY, "m1").status_code == 200
    # Another process fetched the rotated key into the shared cache.
    (name,) = list(callback_keys._local)
    cache.set(name, "rotated-key", callback_keys.CACHE_SECONDS)
    clock.now += callback_keys.LOCAL_SECONDS
    assert _cw_post(client, connectwise, "rotated-key", "m2").status_code == 200
    assert psa_key.fetches == 1


def test_a_rotated_key_is_fetched_once_when_the_copy_fails_then_used_from_the_copy(
    client, connectwise, psa_key, key_reads
):
    assert _cw_post(client, connectwise, CW_KEY, "m1").status_code == 200
    psa_key.key = "rotated-key"
    assert _cw_post(client, connectwise, "rotated-key", "m2").status_code == 200
    assert psa_key.fetches == 2
    assert _cw_post(client, connectwise, "rotated-key", "m3").status_code == 200
    assert (psa_key.fetches, len(key_reads)) == (2, 1)
    # The old key no longer counts: refused after one more fetch.
    assert _cw_post(client, connectwise, CW_KEY, "m4").status_code == 403
    assert psa_key.fetches == 3
    assert Event.objects.count() == 3


def test_a_key_expired_from_the_shared_cache_is_fetched_again_after_the_minute(
    client, connectwise, psa_key, clock
):
    assert _cw_post(client, connectwise, CW_KEY, "m1").status_code == 200
    cache.clear()
    assert _cw_post(client, connectwise, CW_KEY, "m2").status_code == 200
    assert psa_key.fetches == 1
    clock.now += callback_keys.LOCAL_SECONDS
    assert _cw_post(client, connectwise, CW_KEY, "m3").status_code == 200
    assert psa_key.fetches == 2


def test_the_process_keeps_a_bounded_number_of_keys(monkeypatch, connectwise, psa_key):
    monkeypatch.setattr(callback_keys, "LOCAL_MAX", 2)
    for number in range(3):
        callback_keys.signing_key(connectwise, f"https://cw.example/key?id={number}")
    assert len(callback_keys._local) == 2
    callback_keys.signing_key(connectwise, "https://cw.example/key?id=2")
    callback_keys.signing_key(connectwise, "https://cw.example/key?id=1")
    assert psa_key.fetches == 3  # the newest two from the copy
    cache.clear()
    callback_keys.signing_key(connectwise, "https://cw.example/key?id=0")
    assert psa_key.fetches == 4  # the oldest was dropped


# --- The connection behind an event address ----------------------------------------------


def test_a_deleted_connection_answers_404_though_the_process_held_a_copy(
    client, connectwise, psa_key
):
    url = _url(connectwise)
    assert _cw_post(client, connectwise, CW_KEY, "m1").status_code == 200
    connectwise.delete()
    response = _cw_post(client, connectwise, CW_KEY, "m2", url=url)
    assert response.status_code == 404
    assert not Event.objects.exists()


def test_a_deleted_connections_address_answers_404_to_any_request(client, connectwise, psa_key):
    url = _url(connectwise)
    assert _cw_post(client, connectwise, CW_KEY, "m1").status_code == 200
    connectwise.delete()
    assert client.get(url).status_code == 404
    assert client.post(url, b"{}", content_type="text/plain").status_code == 404


def test_a_new_event_address_ends_the_old_one_at_once(client, connectwise, psa_key):
    old_url = _url(connectwise)
    assert _cw_post(client, connectwise, CW_KEY, "m1").status_code == 200
    connectwise.new_event_secrets()
    connectwise.save()
    assert _cw_post(client, connectwise, CW_KEY, "m2", url=old_url).status_code == 404
    assert _cw_post(client, connectwise, CW_KEY, "m3").status_code == 200
    assert set(Event.objects.values_list("dedupe_key", flat=True)) == {"cw:m1", "cw:m3"}


def test_a_moved_connectwise_address_refuses_key_urls_of_the_old_host(client, connectwise, psa_key):
    assert _cw_post(client, connectwise, CW_KEY, "m1").status_code == 200
    connectwise.base_url = "https://cw.elsewhere.example/v4_6_release/apis/3.0"
    connectwise.save(update_fields=["base_url"])
    assert _cw_post(client, connectwise, CW_KEY, "m2").status_code == 403
    assert Event.objects.count() == 1


def _at_post(client, integration, secret, data):
    return client.post(
        _url(integration),
        data,
        content_type="application/json",
        headers={"X-Hook-Signature": autotask_signature(data, secret)},
    )


def _at_delivery(number: int) -> bytes:
    payload = json.loads(body("autotask", "webhook_ticket_update.json"))
    payload["SequenceNumber"] = number  # a new delivery
    return json.dumps(payload).encode()


def test_a_rotated_webhook_secret_counts_at_once(client, autotask):
    old = AT_SIGNATURES["secret_key"]
    assert _at_post(client, autotask, old, _at_delivery(1)).status_code == 200
    autotask.set_secrets({**autotask.secrets, WEBHOOK_SECRET: "the-new-secret"})
    autotask.save(update_fields=["secrets_encrypted"])
    assert _at_post(client, autotask, old, _at_delivery(2)).status_code == 403
    assert _at_post(client, autotask, "the-new-secret", _at_delivery(3)).status_code == 200
    assert Event.objects.count() == 2


def test_a_changed_halo_authentication_counts_at_once(client, halo):
    def post(mode, number):
        payload = json.loads(body("halopsa", "webhook_ticket_updated.json"))
        data = json.dumps({**payload, "id": f"delivery-{number}"}).encode()
        return client.post(
            _url(halo),
            data,
            content_type="application/json",
            headers={"Authorization": HALO_AUTH[mode]["Authorization"]},
        )

    assert post("basic", 1).status_code == 200
    halo.halo_webhook_auth = "bearer"
    halo.save(update_fields=["halo_webhook_auth"])
    assert post("basic", 2).status_code == 403
    assert post("bearer", 3).status_code == 200
    assert Event.objects.count() == 2


def test_a_redelivery_with_a_copy_is_answered_as_already_received(client, connectwise, psa_key):
    first = _cw_post(client, connectwise, CW_KEY, "m1")
    again = _cw_post(client, connectwise, CW_KEY, "m1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == {"status": "already received"}
    assert Event.objects.count() == 1
