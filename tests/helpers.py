"""Helpers shared by tests: users, ports and signing in through the browser."""

import contextlib
import os
import smtplib
import socket
from unittest import mock

from django.contrib.auth.models import Group, User

PASSWORD = "correct horse battery staple"


def fuzz(max_examples: int):
    """Hypothesis settings for the property tests: ``max_examples`` inputs, no deadline.
    The suite at other dates (make test-dates) tries a fifth of them: those runs check
    the calendar, and the main run explores the inputs."""
    from hypothesis import HealthCheck, settings

    if os.environ.get("TEST_AT_OTHER_DATES"):
        max_examples = max(5, max_examples // 5)
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def make_user(username: str, *groups: str, **extra) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.com", **extra
    )
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def login_in_browser(page, live_server, username: str, password: str = PASSWORD):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def assert_one_line_headers(message) -> None:
    """A received message (parsed) whose subject kept to one line: no header was injected
    through a name with a line break."""
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert message["Bcc"] is None
    assert "attacker@evil.example" not in message["To"]


@contextlib.contextmanager
def refused(address: str, code: int = 550, text: bytes = b"5.1.1 No such user"):
    """The in-memory mail backend refuses ``address`` as an SMTP server does at RCPT
    (5xx for good, 4xx for now); messages to everyone else are delivered."""
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages

    def send_messages(self, messages):
        if messages[0].to == [address]:
            raise smtplib.SMTPRecipientsRefused({address: (code, text)})
        return original(self, messages)

    with mock.patch.object(EmailBackend, "send_messages", send_messages):
        yield


def with_form_token(data: dict) -> dict:
    """``data`` as a rendered creating form sends it: with a fresh one-time token
    (core/one_time_forms.py)."""
    from core.one_time_forms import FIELD, new_token

    return {**data, FIELD: new_token()}
