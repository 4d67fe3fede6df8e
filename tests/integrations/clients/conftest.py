import datetime

import pytest

from tests.fakes.psa import FakeAutotask, FakeConnectWise, FakeHalo


class Clock:
    """A clock that only moves when the client sleeps: waits are recorded, never slept."""

    def __init__(self, start=datetime.datetime(2026, 10, 7, 12, 0, tzinfo=datetime.UTC)):
        self.moment = start
        self.slept: list[float] = []

    def now(self) -> datetime.datetime:
        return self.moment

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.moment += datetime.timedelta(seconds=seconds)

    def advance(self, **delta) -> None:
        self.moment += datetime.timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def cw_server():
    with FakeConnectWise() as server:
        yield server


@pytest.fixture
def at_server():
    with FakeAutotask() as server:
        yield server


@pytest.fixture
def halo_server(clock):
    with FakeHalo(now=clock.now) as server:
        yield server
