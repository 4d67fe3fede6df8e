"""Staff lift a lock with `manage.py unlock_sign_in --username X [--address A]`."""

import io

from django.core.management import call_command

from accounts import login_throttle
from tests.accounts.helpers import sign_in
from tests.helpers import PASSWORD


def _lock(client, address):
    for _ in range(5):
        login_throttle.record_failure("manager", address)


def _unlock(*args) -> str:
    out = io.StringIO()
    call_command("unlock_sign_in", "--username", "manager", *args, stdout=out)
    return out.getvalue()


def test_unlocking_an_account_clears_every_locked_address_and_the_delay(client, manager):
    _lock(client, "192.0.2.1")
    _lock(client, "192.0.2.2")
    assert login_throttle.refusal("manager", "192.0.2.1").reason == "locked"
    assert login_throttle.refusal("manager", "198.51.100.1").reason == "wait"
    output = _unlock()
    assert "192.0.2.1" in output and "192.0.2.2" in output
    for address in ("192.0.2.1", "192.0.2.2", "198.51.100.1"):
        assert login_throttle.refusal("manager", address) is None
    assert sign_in(client, "manager", PASSWORD, "192.0.2.1").status_code == 302


def test_unlocking_one_address_leaves_the_others_locked(client, manager):
    _lock(client, "192.0.2.1")
    _lock(client, "192.0.2.2")
    _unlock("--address", "192.0.2.1")
    assert login_throttle.refusal("manager", "192.0.2.1") is None
    assert login_throttle.refusal("manager", "192.0.2.2").reason == "locked"
    assert "192.0.2.2" in _unlock()
