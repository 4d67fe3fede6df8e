"""A real Celery worker on Redis sends each invitation once (CI; skipped without services)."""

import datetime
import time

import pytest
from django.utils import timezone

from core import delivery
from organisation.models import Client, Contact
from surveys.models import Invitation, Survey
from surveys.sending import INVITATIONS
from surveys.services import create_campaign

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def fast_retries(monkeypatch, settings):
    # Read by the worker process at start: the first retry comes after ~1 s, not 30 s.
    monkeypatch.setenv("EMAIL_RETRY_BASE_SECONDS", "1")
    settings.EMAIL_RETRY_BASE_SECONDS = 1


def _contacts(n):
    client = Client.objects.create(
        external_id="W-1", name="Worker GmbH", contract_start=datetime.date(2026, 9, 1)
    )
    return [
        Contact.objects.create(
            client=client,
            name=f"C{i}",
            email=f"c{i}@worker.example",
            language="de" if i % 2 else "en",
        )
        for i in range(n)
    ]


def _campaign(recipients):
    return create_campaign(
        survey=Survey.objects.get(kind="client_onboarding"),
        name="Worker",
        recipients=recipients,
        closes_at=timezone.now() + datetime.timedelta(days=7),
    )


def _wait_for_status(campaign, status, count, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Invitation.objects.filter(campaign=campaign, status=status).count() == count:
            return True
        time.sleep(0.2)
    return False


def test_a_campaign_sends_each_invitation_once_through_the_worker(
    fast_retries, celery_worker_process
):
    campaign = _campaign(_contacts(4))
    sink = celery_worker_process.sink
    assert _wait_for_status(campaign, "sent", 4)
    # The same task again, twice: nothing is sent twice.
    delivery.deliver.delay(INVITATIONS, campaign.pk)
    delivery.deliver.delay(INVITATIONS, campaign.pk)
    time.sleep(3)
    assert len(sink.messages) == 4
    assert sorted(m.rcpt_tos[0] for m in sink.messages) == [
        f"c{i}@worker.example" for i in range(4)
    ]


def test_an_smtp_refusal_is_retried_by_the_worker_and_delivered_once(
    fast_retries, celery_worker_process
):
    sink = celery_worker_process.sink
    sink.refuse = 1
    campaign = _campaign(_contacts(1))
    assert _wait_for_status(campaign, "sent", 1, timeout=40)
    time.sleep(2)
    assert len(sink.messages) == 1
    invitation = campaign.invitations.get()
    assert invitation.attempts == 2
