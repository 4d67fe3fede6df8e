"""A batch of invitations goes over one SMTP connection (a real local SMTP server counts
the sessions), and an SMTP refusal in the middle of a batch loses nothing."""

import datetime

import pytest
from django.utils import timezone

from core import delivery
from surveys.models import Survey, SurveyKind
from surveys.sending import INVITATIONS
from surveys.services import create_campaign
from tests.conftest import SmtpSink
from tests.surveys.helpers import make_client, make_contact


class CountingHandler:
    def __init__(self, inner):
        self.inner, self.sessions = inner, set()

    async def handle_DATA(self, server, session, envelope):
        self.sessions.add(id(session))
        return await self.inner.handle_DATA(server, session, envelope)


@pytest.fixture
def counting_sink(settings):
    sink = SmtpSink()
    sink.counter = sink.controller.handler = CountingHandler(sink.controller.handler)
    sink.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": sink.port, "timeout": 10},
        }
    }
    yield sink
    sink.stop()


def _campaign(n):
    company = make_client()
    return create_campaign(
        survey=Survey.objects.get(kind=SurveyKind.CLIENT_ONBOARDING),
        name="Batch",
        recipients=[make_contact(company) for _ in range(n)],
        closes_at=timezone.now() + datetime.timedelta(days=7),
    )


def test_a_batch_uses_one_smtp_connection(db, counting_sink):
    campaign = _campaign(6)  # on_commit not run: all queued
    assert delivery.deliver.apply(args=[INVITATIONS, campaign.pk]).get() == {"sent": 6, "failed": 0}
    assert len(counting_sink.messages) == 6
    assert len(counting_sink.counter.sessions) == 1


def test_a_refusal_mid_batch_is_retried_and_each_is_sent_once(db, counting_sink, retries_followed):
    campaign = _campaign(4)
    counting_sink.refuse = 0
    sent_first = {"n": 0}
    original = counting_sink.controller.handler.inner.handle_DATA

    async def refuse_third(server, session, envelope):
        sent_first["n"] += 1
        if sent_first["n"] == 3:
            return "451 Try again later"
        return await original(server, session, envelope)

    counting_sink.controller.handler.inner.handle_DATA = refuse_third
    result = delivery.deliver.apply(args=[INVITATIONS, campaign.pk]).get()
    assert result == {"sent": 1, "failed": 0}  # the retry sent the one refused
    recipients = sorted(r for m in counting_sink.messages for r in m.rcpt_tos)
    assert recipients == sorted(campaign.invitations.values_list("email", flat=True))
    assert set(campaign.invitations.values_list("status", flat=True)) == {"sent"}
