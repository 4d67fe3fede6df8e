"""Security headers and cookie flags, in development and in production mode."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-" + "a1b2c3d4e5f6g7h8" * 4,
    "ALLOWED_HOSTS": "msp.example.com",
    "EMAIL_HOST": "smtp.example.com",
    "INTEGRATIONS_ENCRYPTION_KEYS": "OC1mWnRxS2pQbVd2Y0VoUnlOYkx1QXNEZ0p0WHpGaVk=",
}

# Runs inside a production-mode Django process and reports what a browser would see.
PROBE = """
import json
from django.conf import settings
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
# Production serves hashed files after collectstatic; the probe needs no collected files.
settings.STORAGES = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
settings.ALLOWED_HOSTS = ["msp.example.com"]
response = Client().get("/login/", secure=True, headers={"host": "msp.example.com"})
plain = Client().get("/login/", headers={"host": "msp.example.com"})
print(json.dumps({
    "status": response.status_code,
    "headers": dict(response.headers),
    "cookies": {name: dict(morsel.items()) for name, morsel in response.cookies.items()},
    "plain_status": plain.status_code,
    "plain_location": plain.headers.get("Location", ""),
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "csrf_httponly": settings.CSRF_COOKIE_HTTPONLY,
    "validators": len(settings.AUTH_PASSWORD_VALIDATORS),
}))
"""


@pytest.fixture(scope="module")
def production():
    dropped = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(PRODUCTION_ENV)
    # SQLite in memory: the probe needs no tables for the login page.
    env["DATABASE_URL"] = "sqlite://:memory:"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_hsts_and_denies_framing(production):
    headers = production["headers"]
    assert production["status"] == 200
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert (
        "unsafe-inline"
        not in headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )


def test_production_redirects_plain_http_to_https(production):
    assert production["plain_status"] == 301
    assert production["plain_location"].startswith("https://")


def test_production_cookies_are_secure_and_http_only(production):
    assert production["session_secure"] and production["session_httponly"]
    assert production["csrf_secure"] and production["csrf_httponly"]
    csrf_cookie = production["cookies"]["csrftoken"]
    assert csrf_cookie["secure"] and csrf_cookie["httponly"]


def test_password_validators_are_on(production):
    assert production["validators"] == 4


def test_development_pages_send_the_basic_headers(client, db):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
