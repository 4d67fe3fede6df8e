import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def test_home_page_is_public_and_german_by_default(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    assert "Wie reif ist Ihr MSP?" in response.content.decode()


def test_the_language_switcher_turns_the_site_english(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert "How mature is your MSP?" in response.content.decode()


def test_the_browser_language_alone_does_not_switch_away_from_german(client, db):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "de"


def test_login_page_renders_with_crispy_form(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_signing_in_and_out(client, manager):
    response = client.post(
        reverse("login"), {"username": "manager", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_healthz_reports_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_pages_send_a_csp_without_inline_scripts(client, db):
    csp = client.get(reverse("home"))["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script_src
    assert "unsafe-inline" not in script_src
    assert "frame-ancestors 'none'" in csp


def _manage(*args, **env):
    # The browser fixture sets DJANGO_ALLOW_ASYNC_UNSAFE for this process only.
    dropped = ("SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = _manage("check", DEBUG="0", ALLOWED_HOSTS="example.com")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_mode_refuses_to_start_without_allowed_hosts():
    result = _manage("check", DEBUG="0", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_bad_boolean_in_the_environment_fails_loudly(value):
    result = _manage("check", DEBUG=value)
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_deploy_check_is_clean_in_production_mode():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="k3y-" + "a1b2c3d4e5f6g7h8" * 4,
        ALLOWED_HOSTS="msp.example.com",
        INTEGRATIONS_ENCRYPTION_KEYS="OC1mWnRxS2pQbVd2Y0VoUnlOYkx1QXNEZ0p0WHpGaVk=",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
