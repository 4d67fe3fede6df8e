"""E-mail for people: SMTP failures in plain sentences, readable development mail with
links to the server that sent them, and English dates in the product's English format."""

import datetime
import io
import smtplib

import pytest
from django.core import mail
from django.utils import timezone, translation

from core.console_mail import EmailBackend as ConsoleBackend
from core.mail import explain_failure, failure_reason
from core.periods import day_start
from core.templatetags.moments import until_text
from msp_maturity.settings import dev_site_url
from surveys.models import Survey, SurveyKind
from surveys.services import create_campaign
from tests.surveys.helpers import make_client, make_contact


def _reason(exc: Exception) -> str:
    return failure_reason(exc)


@pytest.mark.parametrize(
    ("exc", "start"),
    [
        (
            smtplib.SMTPRecipientsRefused({"a@x.example": (550, b"5.1.1 User unknown")}),
            "The recipient's mail server does not know this address",
        ),
        (
            smtplib.SMTPRecipientsRefused({"a@x.example": (552, b"5.2.2 Mailbox full")}),
            "The recipient's mailbox is full",
        ),
        (
            smtplib.SMTPRecipientsRefused({"a@x.example": (450, b"4.7.1 Greylisted")}),
            "The recipient's mail server asked to try again later",
        ),
        (
            smtplib.SMTPDataError(554, b"5.7.1 Message rejected as spam"),
            "The recipient's mail server rejected the message by its policy",
        ),
        (
            smtplib.SMTPAuthenticationError(535, b"5.7.8 Authentication failed"),
            "The product's mail server refused its login",
        ),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), "The mail server"),
        (ConnectionRefusedError(111, "Connection refused"), "The mail server could not"),
    ],
)
def test_common_smtp_failures_read_as_what_happened_and_what_to_do(exc, start):
    with translation.override("en"):
        assert explain_failure(_reason(exc)).startswith(start)


def test_a_reply_code_without_the_exception_s_brackets_is_read_too():
    # As the demo data stores it, and as older versions wrote it.
    with translation.override("en"):
        explained = explain_failure("SMTPRecipientsRefused: 550 mailbox unavailable")
    assert explained.startswith("The recipient's mail server does not know this address")


def test_a_reason_that_already_is_a_sentence_is_left_alone():
    assert explain_failure("Not sent: closed before it went out.") is None


def test_console_mail_prints_the_text_body_decoded_with_whole_links():
    link = "http://127.0.0.1:8011/surveys/r/" + "x" * 90 + "/"
    message = mail.EmailMultiAlternatives(
        subject="Ihre Meinung zählt", body=f"Grüße – bitte hier: {link}\n", to=["a@x.example"]
    )
    message.attach_alternative(f"<a href='{link}'>hier</a>", "text/html")
    stream = io.StringIO()
    ConsoleBackend(stream=stream).send_messages([message])
    printed = stream.getvalue()
    assert "Subject: Ihre Meinung zählt" in printed
    assert f"Grüße – bitte hier: {link}\n" in printed  # one line, no "=" soft breaks
    assert "=3D" not in printed and "quoted-printable" not in printed
    assert "[text/html part not shown]" in printed


@pytest.mark.parametrize(
    ("argv", "url"),
    [
        (["manage.py", "runserver", "127.0.0.1:8011"], "http://127.0.0.1:8011"),
        (["manage.py", "runserver", "8011"], "http://127.0.0.1:8011"),
        (["manage.py", "runserver", "0.0.0.0:9000"], "http://127.0.0.1:9000"),
        (["manage.py", "runserver", "--noreload", "localhost:8001"], "http://localhost:8001"),
        (["manage.py", "runserver"], "http://127.0.0.1:8000"),
        (["manage.py", "run_schedules"], "http://127.0.0.1:8000"),
    ],
)
def test_development_links_point_at_the_running_server(argv, url):
    assert dev_site_url(argv) == url


def test_make_run_passes_its_address_to_the_server_and_the_schedules():
    from django.conf import settings

    makefile = (settings.BASE_DIR / "Makefile").read_text()
    assert "run: export SITE_URL ?= http://$(HOST):$(PORT)" in makefile


def test_until_names_the_last_day_for_a_midnight_and_the_time_otherwise():
    with translation.override("en"):
        assert until_text(day_start(datetime.date(2026, 12, 14))) == (
            "until and including 13 Dec 2026"
        )
        assert until_text(
            day_start(datetime.date(2026, 12, 14)) + datetime.timedelta(hours=17)
        ) == ("until 14 Dec 2026, 17:00")


def test_english_dates_are_not_american():
    moment = datetime.datetime(2026, 12, 3, 17, 5, tzinfo=datetime.UTC)
    with translation.override("en"):
        from django.utils import formats

        assert formats.date_format(datetime.date(2026, 12, 3), "SHORT_DATE_FORMAT") == "3 Dec 2026"
        local = timezone.localtime(moment)  # Berlin: 18:05
        assert formats.date_format(local, "SHORT_DATETIME_FORMAT") == "3 Dec 2026, 18:05"
    with translation.override("de"):
        assert formats.date_format(datetime.date(2026, 12, 3), "SHORT_DATE_FORMAT") == "03.12.2026"


def test_an_english_invitation_names_the_last_day_in_english(
    db, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://surveys.example"
    company = make_client()
    contact = make_contact(company, language="en")
    last_day = timezone.localdate() + datetime.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        create_campaign(
            survey=Survey.objects.get(kind=SurveyKind.CLIENT_ONBOARDING),
            name="Onboarding",
            recipients=[contact],
            closes_at=day_start(last_day + datetime.timedelta(days=1)),
        )
    (message,) = mail.outbox
    with translation.override("en"):
        from django.utils import formats

        shown = formats.date_format(last_day, "SHORT_DATE_FORMAT")
    assert f"(until and including {shown})" in message.body
    html = message.alternatives[0][0]
    assert f"(until and including {shown})" in html
    assert last_day.strftime("%m/%d/%Y") not in message.body
