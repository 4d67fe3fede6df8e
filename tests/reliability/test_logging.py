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
        m.startswith(f"survey.send_batch campaign={campaign.pk} queued=1 sent=1") for m in messages
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
