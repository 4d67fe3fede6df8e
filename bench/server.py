"""Gunicorn on a loopback port and a minimal HTTP client for sequential requests."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 3  # as docs/operations.md runs the web process


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """``gunicorn msp_maturity.wsgi`` with the bench settings, sync workers, on
    127.0.0.1; stopped by ``stop()`` (or leaving the with block)."""

    def __init__(self, env: dict[str, str], workers: int = WORKERS, log: Path | None = None):
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.log = log
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        output = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "msp_maturity.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--backlog",
                "256",
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=output,
            stderr=output,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}; see {self.log}"
                )
            try:
                status, _body, _ms = self.get("/bench/trivial/")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def get(self, path: str, cookie: str = "") -> tuple[int, bytes, float]:
        """(status, body, elapsed ms) of one GET over a fresh connection (sync workers
        close the connection after each response, as behind a proxy)."""
        headers = {"Host": "127.0.0.1", "Accept-Language": "de"}
        if cookie:
            headers["Cookie"] = cookie
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        return response.status, body, (time.perf_counter() - started) * 1000


def bench_env(database_url: str, redis_url: str, static_root: str, **extra) -> dict[str, str]:
    """The environment of every process the benchmark starts: production mode (DEBUG
    off), plain HTTP on loopback, persistent database connections."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "EMAIL_")) and key not in ("DEBUG", "DATABASE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="0",
        SECRET_KEY="bench-only-" + "x" * 40,
        # A fixed key that protects nothing: the benchmark stores no credentials.
        INTEGRATIONS_ENCRYPTION_KEYS="YmVuY2gtb25seS1pbnRlZ3JhdGlvbnMta2V5LTMyYiE=",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CONN_MAX_AGE="600",
        LOG_LEVEL="WARNING",
        BENCH_STATIC_ROOT=static_root,
        SITE_URL="http://127.0.0.1",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


class CeleryWorker:
    """One Celery worker process (solo pool) with the bench settings, sending e-mail to
    the SMTP sink on ``smtp_port``; its output goes to ``log``."""

    def __init__(self, env: dict[str, str], smtp_port: int, log: Path, name: str = "bench"):
        self.env = dict(
            env,
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_port),
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        )
        self.log = log
        self.name = name
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        celery = Path(sys.executable).with_name("celery")
        output = open(self.log, "wb")  # noqa: SIM115 - closed in __exit__
        self._output = output
        self.process = subprocess.Popen(
            [
                str(celery),
                "-A",
                "msp_maturity",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
                f"--hostname={self.name}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=output,
            stderr=output,
        )
        self._wait()
        return self

    def _wait(self, timeout: float = 60) -> None:
        from msp_maturity.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                replies = app.control.ping(timeout=1.0)
            except Exception:  # noqa: BLE001 - not up yet
                replies = []
            if any(host.startswith(f"{self.name}@") for reply in replies for host in reply):
                return
            time.sleep(0.5)
        # Workers without gossip/mingle still answer pings; carry on regardless.

    def cpu_seconds(self) -> float:
        """User and system CPU time the worker has used so far (Linux /proc): what the
        work cost, whatever else ran on the machine."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._output.close()
