"""A local SMTP server that counts messages and connections (aiosmtpd)."""

from __future__ import annotations

import threading
import time
from collections import Counter

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class CountingHandler:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages = 0
        self.sessions = set()
        self.recipients = Counter()  # address: messages received
        self.first_at: float | None = None
        self.last_at: float | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        now = time.perf_counter()
        with self.lock:
            self.messages += 1
            self.sessions.add(id(session))
            self.recipients.update(envelope.rcpt_tos)
            self.first_at = self.first_at or now
            self.last_at = now
        return "250 OK"


class CountingSMTP(SMTP):
    """Counts every connection, including those that send nothing."""

    connections = 0

    def connection_made(self, transport):
        CountingSMTP.connections += 1
        super().connection_made(transport)


class CountingController(Controller):
    def factory(self):
        return CountingSMTP(self.handler, **self.SMTP_kwargs)


class Sink:
    def __init__(self, port: int):
        self.handler = CountingHandler()
        self.controller = CountingController(self.handler, hostname="127.0.0.1", port=port)
        self.port = port

    def __enter__(self):
        self.controller.start()
        # start() connects once itself to check that the server is up; not a client's.
        CountingSMTP.connections = 0
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def connections(self) -> int:
        return CountingSMTP.connections

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.handler.messages >= count:
                return True
            time.sleep(0.05)
        return False
