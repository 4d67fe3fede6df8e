"""Structured log lines of sending and answering carry ids and counts, never a token, an
e-mail address or what someone answered."""

import datetime
import logging

import pytest
from django.core import mail
from django.utils import timezone

from surveys.models import Survey, SurveyKind
from surveys.services import create_campaign
from tests.surveys.helpers import make_client, make_contact

COMMENT = "Vertraulich: der Techniker war unfreundlich"


@pytest.fixture
def all_records(caplog):
    """Every record at the configured levels, including loggers that do not propagate
    (django, django.request)."""
    caplog.set_level(logging.DEBUG, logger="surveys")
    extra = [logging.getLogger(name) for name in ("django", "django.request", "celery")]
    for logger in extra:
        logger.addHandler(caplog.handler)
    yield caplog
    for logger in extra:
        logger.removeHandler(caplog.handler)


def test_sending_and_answering_log_no_token_no_address_and_no_answer(
    client, db, all_records, django_capture_on_commit_callbacks
):
    contact = make_contact(make_client("Log GmbH"))
    with django_capture_on_commit_callbacks(execute=True):
        campaign = create_campaign(
            survey=Survey.objects.get(kind=SurveyKind.CLIENT_ONBOARDING),
            name="Logs",
            recipients=[contact],
            closes_at=timezone.now() + datetime.timedelta(days=7),
        )
    path = mail.outbox[0].body.split("https://surveys.example")[1].split()[0]
    token = path.split("/")[3]
    answer = {
        "q_overall_satisfaction": "1",
        "q_recommend": "0",
        "q_support_effort": "7",
        "q_contract_closing": "1",
        "q_finalising_responsiveness": "1",
        "q_asset_discovery": "1",
        "q_comment": COMMENT,
    }
    assert client.post(path, {**answer, "q_recommend": "77"}).status_code == 400
    assert client.post(path, answer).status_code == 302
    assert client.get(f"/surveys/r/{token[:-2]}/").status_code == 404
    campaign.status = "closed"
    campaign.save()
    assert client.post(path, answer).status_code == 410

    messages = [record.getMessage() for record in all_records.records]
    assert any(
        m.startswith(
            f"email.send_batch kind=surveys.invitation batch={campaign.pk} claimed=1 sent=1"
        )
        for m in messages
    )
    assert any(m.startswith(f"survey.answered campaign={campaign.pk}") for m in messages)
    assert any(m.startswith("survey.campaign_created ") for m in messages)
    raw = token.split(".")[0]
    for record in all_records.records:
        text = record.getMessage() + (record.exc_text or "")
        assert raw not in text
        assert COMMENT not in text and "unfreundlich" not in text
        assert contact.email not in text


def test_survey_log_lines_are_key_value_pairs(
    client, db, all_records, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        create_campaign(
            survey=Survey.objects.get(kind=SurveyKind.CLIENT_ONBOARDING),
            name="Logs",
            recipients=[make_contact(make_client())],
            closes_at=timezone.now() + datetime.timedelta(days=7),
        )
    survey_lines = [r.getMessage() for r in all_records.records if r.name.startswith("surveys")]
    assert survey_lines
    for line in survey_lines:
        event, *pairs = line.split(" ")
        assert event.startswith("survey.")
        assert pairs and all("=" in pair for pair in pairs), line


# --- Survey links never reach a log line ------------------------------------------------------


def test_a_failing_token_page_logs_the_path_without_the_token(db, monkeypatch, two_links):
    """Django logs the path of a request that ended in a 500; the console handler
    removes the token from it."""
    import io

    from django.test import Client

    from surveys.views import public

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(public, "save_response", broken)
    from core.log_redaction import RedactSurveyTokens

    logger = logging.getLogger("django.request")
    console = logger.handlers[0]  # the configured console handler (settings.LOGGING)
    assert any(isinstance(f, RedactSurveyTokens) for f in console.filters)
    # A probe with the console handler's filters and format, writing to a buffer (the
    # console's own stream belongs to pytest's capturing).
    stream = io.StringIO()
    probe = logging.StreamHandler(stream)
    probe.filters = list(console.filters)
    probe.setFormatter(console.formatter)
    logger.addHandler(probe)
    try:
        response = Client(raise_request_exception=False).post(two_links[0], {"q_week": "3"})
    finally:
        logger.removeHandler(probe)
    assert response.status_code == 500
    output = stream.getvalue()
    assert "Internal Server Error: /surveys/r/[redacted]/" in output
    assert two_links[0].split("/")[3].split(".")[0] not in output


@pytest.fixture
def two_links(db, django_capture_on_commit_callbacks):
    from tests.surveys.helpers import make_technician

    with django_capture_on_commit_callbacks(execute=True):
        create_campaign(
            survey=Survey.objects.get(kind=SurveyKind.PULSE),
            name="Logs",
            recipients=[make_technician(), make_technician()],
            closes_at=timezone.now() + datetime.timedelta(days=7),
        )
    return [
        m.body.split("https://surveys.example")[1].split()[0].split("?")[0] for m in mail.outbox
    ]


def test_the_gunicorn_access_log_carries_no_token(tmp_path):
    """The web process as the Dockerfile starts it: the access log line of a survey link
    shows the path with the token redacted."""
    import os
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request
    from pathlib import Path

    from tests.helpers import free_port

    root = Path(__file__).resolve().parent.parent.parent
    port = free_port()
    # A migrated database: the page behind a link shows the MSP's brand, read from it.
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": database, "ALLOWED_HOSTS": "*"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )
    log = tmp_path / "access.log"
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "msp_maturity.wsgi",
            "--bind", f"127.0.0.1:{port}", "--workers", "1",
            "--access-logfile", str(log),
            "--logger-class", "core.gunicorn_logging.RedactingLogger",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    secret = "Zs3cretT0ken-abcdefghijklmnopqrstuvwxyz012345.1abcde.sig"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/surveys/r/{secret}/?face=3")
            except urllib.error.HTTPError as error:
                assert error.code == 404
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        deadline = time.monotonic() + 10
        while "/surveys/r/" not in (log.read_text() if log.exists() else ""):
            assert time.monotonic() < deadline, "no access log line"
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=10)
    text = log.read_text()
    assert "/surveys/r/[redacted]/?face=3" in text
    assert "Zs3cret" not in text
