"""The usual cast (manager, technician, staff, outsider), Celery and e-mail plumbing, and
the browser for end-to-end tests.

In CI (``CI`` set) PostgreSQL, Redis and Chromium are required: a missing service fails
the run instead of skipping the tests that need it.
"""

import asyncio
import datetime
import email.policy
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path

import pytest

from msp_maturity.celery import app as celery_app
from tests.helpers import free_port, make_user

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
IN_CI = bool(os.environ.get("CI"))


def _reachable(url_host: str, port: int) -> bool:
    try:
        with socket.create_connection((url_host, port), timeout=2):
            return True
    except OSError:
        return False


def pytest_sessionstart(session):
    if not IN_CI:
        return
    from urllib.parse import urlparse

    problems = []
    db = os.environ.get("DATABASE_URL", "")
    if not db.startswith("postgres"):
        problems.append("DATABASE_URL must point at PostgreSQL in CI")
    else:
        parsed = urlparse(db)
        if not _reachable(parsed.hostname or "127.0.0.1", parsed.port or 5432):
            problems.append(f"PostgreSQL at {parsed.hostname}:{parsed.port} is not reachable")
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        problems.append("REDIS_URL must be set in CI")
    else:
        parsed = urlparse(redis_url)
        if not _reachable(parsed.hostname or "127.0.0.1", parsed.port or 6379):
            problems.append(f"Redis at {parsed.hostname}:{parsed.port} is not reachable")
    if not Path(CHROMIUM).exists():
        problems.append(f"Chromium not found at {CHROMIUM}")
    if problems:
        pytest.exit("CI needs its services: " + "; ".join(problems), returncode=3)


def pytest_collection_modifyitems(config, items):
    """Skip tests made for the other database engine before any fixture runs (a skip inside
    a transactional test would come after its database set-up)."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    on_postgresql = "postgresql" in engine
    for item in items:
        if item.get_closest_marker("postgresql") and not on_postgresql:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)"))
        if item.get_closest_marker("sqlite") and on_postgresql:
            item.add_marker(pytest.mark.skip(reason="checks SQLite behaviour"))


# --- Users ---------------------------------------------------------------------------


@pytest.fixture
def manager(db):
    return make_user("manager", "manager", first_name="Maria", last_name="Manager")


@pytest.fixture
def technician_user(db):
    return make_user("tech", "technician", first_name="Tim", last_name="Technik")


@pytest.fixture
def other_technician_user(db):
    return make_user("tech2", "technician", first_name="Tara", last_name="Technik")


@pytest.fixture
def staff_user(db):
    return make_user("staff", is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(db):
    """Signed in, but in no role."""
    return make_user("outsider")


@pytest.fixture
def technician(db, technician_user):
    from organisation.models import Technician

    return Technician.objects.create(
        external_id="T-1",
        name="Tim Technik",
        email="tim@example.com",
        hire_date=datetime.date(2024, 1, 1),
        user=technician_user,
    )


@pytest.fixture
def client_company(db):
    from organisation.models import Client, Contact

    company = Client.objects.create(
        external_id="C-1", name="Acme GmbH", contract_start=datetime.date(2026, 9, 1), segment="KMU"
    )
    Contact.objects.create(
        client=company, name="Clara Kunde", email="clara@acme.example", language="de"
    )
    return company


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def technician_client(client, technician_user):
    client.force_login(technician_user)
    return client


# --- Celery and e-mail ---------------------------------------------------------------


@pytest.fixture(autouse=True)
def _celery_in_process(request):
    """Tasks run in-process in tests, whatever REDIS_URL says; the `services` tests use a
    real worker instead."""
    if request.node.get_closest_marker("services"):
        yield
        return
    old = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = old


@pytest.fixture
def retries_followed():
    """Eager apply() follows retries only when errors do not propagate (as in production's
    eager mode); the autouse fixture above restores the setting afterwards."""
    celery_app.conf.task_eager_propagates = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _local_cache(settings):
    # Tests must not share counters (login throttling, caches) through Redis.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def cache_down(settings):
    """The shared cache is Redis at an address where nothing listens."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


class SmtpSink:
    """A local SMTP server that records messages. It can misbehave as mail servers do:

    - ``refuse``: the number of DATA commands still to answer "451 Try again later";
    - ``reject``: addresses refused for good at RCPT ("550 5.1.1 No such user");
    - ``defer_once``: addresses refused once at RCPT ("451 4.7.1 Greylisted"), then taken;
    - ``delay``: seconds to wait before answering each DATA (a busy server).
    """

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        self.refuse = 0  # number of DATA commands still to refuse
        self.reject: set[str] = set()
        self.defer_once: set[str] = set()
        self.delay = 0.0
        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address in sink.reject:
                    return "550 5.1.1 No such user"
                if address in sink.defer_once:
                    sink.defer_once.discard(address)
                    return "451 4.7.1 Greylisted, try again later"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                if sink.delay:
                    await asyncio.sleep(sink.delay)
                if sink.refuse > 0:
                    sink.refuse -= 1
                    return "451 Try again later"
                sink.messages.append(envelope)
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 30) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.1)
        return self.messages

    def recipients(self) -> Counter:
        """How many messages each address received."""
        return Counter(rcpt for message in self.messages for rcpt in message.rcpt_tos)

    def parsed(self) -> list[EmailMessage]:
        """The received messages, parsed (headers as the recipient's client sees them)."""
        return [
            message_from_bytes(envelope.original_content, policy=email.policy.default)
            for envelope in self.messages
        ]


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def sink_mailer(smtp_sink, settings):
    """In-process sending through ``smtp_sink`` over real SMTP (the locmem backend would
    not show what a server does with a refused recipient)."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp_sink.port, "timeout": 10},
        }
    }
    return smtp_sink


def _require_services():
    if not (
        os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL", "").startswith("postgres")
    ):
        if IN_CI:
            pytest.fail(
                "CI must run the services tests: set DATABASE_URL (PostgreSQL) and REDIS_URL"
            )
        pytest.skip("needs DATABASE_URL (PostgreSQL) and REDIS_URL; CI always runs it")


@pytest.fixture
def celery_worker_process(transactional_db, smtp_sink, settings):
    """A real `celery worker` process on Redis, using the test database and delivering
    e-mail to ``smtp_sink``. Yields a handle with ``stop()``/``start()``."""
    _require_services()
    from django.db import connection

    db = connection.settings_dict
    test_db_url = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": test_db_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_sink.port),
        "CONN_MAX_AGE": "0",
    }
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp_sink.port, "timeout": 10},
        }
    }
    celery_app.control.purge()

    class Worker:
        proc = None

        def start(self):
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "msp_maturity",
                    "worker",
                    "--pool=solo",
                    "--loglevel=WARNING",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=ROOT,
                env=env,
                start_new_session=True,
            )
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                replies = celery_app.control.ping(timeout=0.5)
                if replies:
                    return self
            raise RuntimeError("celery worker did not start")

        def stop(self, sig=signal.SIGTERM):
            if self.proc and self.proc.poll() is None:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(timeout=30)

    worker = Worker().start()
    worker.sink = smtp_sink
    yield worker
    worker.stop()
    celery_app.control.purge()


# --- Browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"Chromium missing at {CHROMIUM}: .ci/run installs it")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
    # test body are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--headless",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.js_errors = errors
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
