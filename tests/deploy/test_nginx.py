"""The production front: Debian's nginx with the repository's config in front of gunicorn
with the shipped settings (three sync workers), as docker-compose runs them.

Three clients that send a request body at 1 byte/s hold all three gunicorn workers when
gunicorn faces them directly; through nginx, a normal request is answered at once."""

import os
import shutil
import socket
import string
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx" / "default.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SLOW_CLIENTS = 3

pytestmark = pytest.mark.services


def _wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def _production_env(tmp_path, **overrides) -> dict:
    """The environment of a production web process, on an empty SQLite file (/healthz
    needs no tables) and without a broker."""
    return {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "DEBUG": "0",
        "SECRET_KEY": "front-test-" + "x" * 40,
        "INTEGRATIONS_ENCRYPTION_KEYS": "OC1mWnRxS2pQbVd2Y0VoUnlOYkx1QXNEZ0p0WHpGaVk=",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'front.sqlite3'}",
        **overrides,
    }


def _start_gunicorn(port: int, env: dict) -> subprocess.Popen:
    """gunicorn as the Dockerfile starts it."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "msp_maturity.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--logger-class",
            "core.gunicorn_logging.RedactingLogger",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def gunicorn(tmp_path):
    port = free_port()
    env = _production_env(tmp_path, ALLOWED_HOSTS="127.0.0.1,localhost", SECURE_SSL_REDIRECT="0")
    process = _start_gunicorn(port, env)
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def nginx(gunicorn, tmp_path):
    """Debian's nginx with the repository's server block, rendered the way the official
    image renders templates, inside a minimal main config like the image's."""
    if not Path(NGINX).exists():
        if os.environ.get("CI"):
            pytest.fail("CI needs nginx (apt-get install nginx)")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    port = free_port()
    server = string.Template(TEMPLATE.read_text()).safe_substitute(
        UPSTREAM=f"127.0.0.1:{gunicorn}", LISTEN_PORT=f"127.0.0.1:{port}"
    )
    (tmp_path / "server.conf").write_text(server)
    (tmp_path / "nginx.conf").write_text(
        "worker_processes 1;\n"
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        f"  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/server.conf;\n"
        "}\n"
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
        stdout=open(tmp_path / "access.log", "wb"),  # noqa: SIM115 - closed with nginx
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz")
        yield port, tmp_path / "access.log"
    finally:
        process.terminate()
        process.wait(timeout=20)


class SlowClients:
    """Clients that announce a 1,000-byte sign-in form and send one byte a second."""

    def __init__(self, port: int, count: int = SLOW_CLIENTS):
        self.port, self.count = port, count
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def _trickle(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(
                b"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                # A well-formed CSRF cookie: Django then reads the body to find the token.
                b"Cookie: csrftoken=" + b"a" * 32 + b"\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 1000\r\n\r\n"
            )
            while not self.stop.wait(1):
                try:
                    sock.sendall(b"a")
                except OSError:
                    return

    def __enter__(self):
        for _ in range(self.count):
            thread = threading.Thread(target=self._trickle, daemon=True)
            thread.start()
            self.threads.append(thread)
        time.sleep(1.5)  # let every slow request reach a worker (or nginx)
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=5)


def _seconds_for(url: str, timeout: float) -> float:
    started = time.monotonic()
    urllib.request.urlopen(url, timeout=timeout).read()
    return time.monotonic() - started


def test_slow_clients_hold_every_gunicorn_worker_without_a_front(gunicorn):
    """Why nginx is there: without it, three trickling bodies stop the site."""
    with SlowClients(gunicorn), pytest.raises(OSError):
        _seconds_for(f"http://127.0.0.1:{gunicorn}/healthz", timeout=3)


def test_through_nginx_slow_clients_do_not_delay_a_normal_request(nginx):
    port, _ = nginx
    with SlowClients(port):
        for _ in range(5):
            assert _seconds_for(f"http://127.0.0.1:{port}/healthz", timeout=3) < 1


def test_nginx_redacts_survey_links_in_its_log(nginx):
    port, access_log = nginx
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/surveys/r/secret-token-123/", timeout=5)
    time.sleep(0.5)
    log = access_log.read_text()
    assert "/surveys/r/[redacted]/" in log
    assert "secret-token-123" not in log


def test_the_container_health_check_passes_as_production_is_configured(tmp_path):
    """docker-compose starts nginx once web is healthy: the check must pass with a real
    host name in ALLOWED_HOSTS and the HTTPS redirect on, where a plain request to
    127.0.0.1 gets 400 (and nginx would never start)."""
    port = free_port()
    env = _production_env(
        tmp_path, ALLOWED_HOSTS="msp.example.com,.example.org", SECURE_SSL_REDIRECT="1"
    )
    gunicorn = _start_gunicorn(port, env)
    check = [sys.executable, "-m", "core.healthcheck"]
    try:
        deadline = time.monotonic() + 30
        while True:
            result = subprocess.run(  # noqa: S603 - our own module
                check, cwd=ROOT, env={**env, "HEALTHCHECK_PORT": str(port)}, capture_output=True
            )
            if result.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert result.returncode == 0, result.stderr.decode()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert refused.value.code == 400
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=20)


@pytest.mark.parametrize("prefix", ["/integrations/events/", "/unsubscribe/"])
def test_nginx_redacts_psa_event_addresses_and_unsubscribe_links_in_its_log(nginx, prefix):
    port, access_log = nginx
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}{prefix}event-token-456/", timeout=5)
    time.sleep(0.5)
    log = access_log.read_text()
    assert f"{prefix}[redacted]/" in log
    assert "event-token-456" not in log
