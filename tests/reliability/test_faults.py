"""Faults with the real worker on Redis and PostgreSQL (CI; skipped locally without them):
nothing is lost and nothing is sent twice when the SMTP server or the broker is down, or
when the worker is killed in the middle of a batch.

Alerts are sent by the KPI app; their SMTP behaviour is tested there."""

import contextlib
import datetime
import signal
import time
from collections import Counter

import pytest
from django.utils import timezone

from core import delivery
from msp_maturity.celery import app as celery_app
from organisation.models import Client, Contact
from surveys.models import Campaign, Invitation, InvitationStatus, Survey
from surveys.services import create_campaign
from tests.conftest import SmtpSink
from tests.helpers import make_user, with_form_token

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def fast_retries(monkeypatch, settings):
    # Read by the worker process when it starts: the first retry after ~1 s, not 30 s.
    monkeypatch.setenv("EMAIL_RETRY_BASE_SECONDS", "1")
    settings.EMAIL_RETRY_BASE_SECONDS = 1


def _contacts(n, prefix="c"):
    company = Client.objects.create(
        external_id=f"F-{prefix}", name="Fault GmbH", contract_start=datetime.date(2026, 9, 1)
    )
    return Contact.objects.bulk_create(
        Contact(client=company, name=f"{prefix}{i}", email=f"{prefix}{i}@fault.example")
        for i in range(n)
    )


def _campaign(recipients, name="Fault"):
    return create_campaign(
        survey=Survey.objects.get(kind="client_onboarding"),
        name=name,
        recipients=recipients,
        closes_at=timezone.now() + datetime.timedelta(days=7),
    )


def _wait(predicate, timeout=40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _statuses(campaign) -> Counter:
    return Counter(Invitation.objects.filter(campaign=campaign).values_list("status", flat=True))


def _recipients(sink) -> Counter:
    return Counter(rcpt for message in sink.messages for rcpt in message.rcpt_tos)


def _restart_sink(sink):
    """A new SMTP server on the port the worker knows (an aiosmtpd controller cannot be
    started twice)."""
    from aiosmtpd.controller import Controller

    sink.controller = Controller(sink.controller.handler, hostname="127.0.0.1", port=sink.port)
    sink.controller.start()


def test_smtp_down_keeps_invitations_queued_and_delivers_each_once_when_back(
    fast_retries, celery_worker_process
):
    sink = celery_worker_process.sink
    sink.stop()  # connection refused from now on
    campaign = _campaign(_contacts(3))
    # The worker tries, fails and schedules retries; nothing is lost or marked failed.
    assert _wait(lambda: Invitation.objects.filter(campaign=campaign, attempts__gte=1).exists())
    time.sleep(2.5)
    statuses = _statuses(campaign)
    assert statuses == Counter({InvitationStatus.QUEUED: 3}), statuses
    reason = Invitation.objects.filter(campaign=campaign).exclude(failure_reason="").first()
    assert reason is not None and "Connection" in reason.failure_reason
    _restart_sink(sink)
    assert _wait(lambda: _statuses(campaign) == Counter({InvitationStatus.SENT: 3}), timeout=60)
    time.sleep(2)  # any retry still on its way would arrive now
    assert _recipients(sink) == Counter({f"c{i}@fault.example": 1 for i in range(3)})
    first = Invitation.objects.filter(campaign=campaign).order_by("pk").first()
    assert first.attempts >= 2  # retried with backoff, delivered once


@contextlib.contextmanager
def unreachable_broker():
    """Publishing fails fast, as with a Redis that is down."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_connection_timeout, conf.task_publish_retry_policy
    conf.broker_url = UNREACHABLE_BROKER
    conf.broker_connection_timeout = 1
    conf.task_publish_retry_policy = {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.1,
        "interval_max": 0.1,
    }
    celery_app._after_fork()  # drop the pooled connections to the real broker
    try:
        yield
    finally:
        conf.broker_url, conf.broker_connection_timeout, conf.task_publish_retry_policy = saved
        celery_app._after_fork()


def test_a_campaign_started_while_the_broker_is_down_is_stored_and_sent_by_the_sweep(
    client, celery_worker_process
):
    sink = celery_worker_process.sink
    manager = make_user("fault-manager", "manager")
    client.force_login(manager)
    contacts = _contacts(3, prefix="b")
    started = time.monotonic()
    with unreachable_broker():
        response = client.post(
            "/surveys/campaigns/new/",
            with_form_token(
                {
                    "survey": Survey.objects.get(kind="client_onboarding").pk,
                    "name": "Broker down",
                    "contacts": [c.pk for c in contacts],
                    "closes_on": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
                    "max_reminders": "0",
                }
            ),
        )
        assert response.status_code == 302
        page = client.get(response["Location"])
    assert time.monotonic() - started < 15
    campaign = Campaign.objects.get(name="Broker down")
    assert _statuses(campaign) == Counter({InvitationStatus.QUEUED: 3})
    html = page.content.decode()
    queued = html.split('data-testid="count-queued"')[1].split("</span>")[1]
    assert queued.strip().startswith("3")
    time.sleep(1)
    assert sink.messages == []

    # Redis is back; the periodic sweep (beat, every five minutes) finds the campaign
    # once its invitations are older than the grace period.
    Invitation.objects.filter(campaign=campaign).update(
        created_at=timezone.now() - datetime.timedelta(minutes=3)
    )
    delivery.sweep_unsent.delay()
    assert _wait(lambda: _statuses(campaign) == Counter({InvitationStatus.SENT: 3}))
    delivery.sweep_unsent.delay()  # a second sweep finds nothing to do
    time.sleep(2)
    assert _recipients(sink) == Counter({f"b{i}@fault.example": 1 for i in range(3)})


# --- Team rounds: the same guarantees (they used to re-send or drop the whole batch) --------


def _round_members(n, prefix):
    return [make_user(f"{prefix}{i}", "technician") for i in range(n)]


def _open_round(client, members, name):
    client.force_login(make_user(f"manager-{name}", "manager"))
    return client.post(
        "/assessment/rounds/new/",
        with_form_token({"name": name, "members": [m.pk for m in members], "closes_on": ""}),
    )


def _round_page(client, response) -> str:
    return client.get(response["Location"]).content.decode()


def _member_row(html, member) -> str:
    return html.split(f'data-member="{member.pk}"')[1].split("</tr>")[0]


def test_a_451_for_one_round_member_sends_every_member_exactly_one_email(
    client, fast_retries, celery_worker_process
):
    sink = celery_worker_process.sink
    members = _round_members(3, "r451-")
    sink.defer_once = {members[1].email}
    response = _open_round(client, members, "Greylisted")
    assert response.status_code == 302
    assert _wait(lambda: len(sink.messages) >= 3, timeout=60)
    time.sleep(3)  # a duplicate of the batch would arrive now
    assert _recipients(sink) == Counter({m.email: 1 for m in members})
    html = _round_page(client, response)
    assert all('data-status="sent"' in _member_row(html, m) for m in members)


def test_a_550_for_one_round_member_fails_that_one_and_invites_the_others(
    client, celery_worker_process
):
    sink = celery_worker_process.sink
    members = _round_members(3, "r550-")
    sink.reject = {members[0].email}
    response = _open_round(client, members, "Refused")
    assert response.status_code == 302
    assert _wait(lambda: len(sink.messages) >= 2)
    time.sleep(2)
    assert _recipients(sink) == Counter({m.email: 1 for m in members[1:]})

    def shown_failed():
        row = _member_row(_round_page(client, response), members[0])
        return 'data-status="failed"' in row and "No such user" in row

    assert _wait(shown_failed)


def test_a_round_opened_while_the_broker_is_down_is_stored_and_invited_by_the_sweep(
    client, celery_worker_process
):
    """It used to answer the manager with a 500, and nobody was ever invited."""
    sink = celery_worker_process.sink
    members = _round_members(2, "rdown-")
    with unreachable_broker():
        response = _open_round(client, members, "Broker down")
        assert response.status_code == 302
        html = _round_page(client, response)
    assert all('data-status="queued"' in _member_row(html, m) for m in members)
    time.sleep(1)
    assert sink.messages == []

    from assessments.models import RoundInvitation

    RoundInvitation.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=3))
    delivery.sweep_unsent.delay()
    assert _wait(lambda: len(sink.messages) >= 2)
    delivery.sweep_unsent.delay()  # a second sweep finds nothing to do
    time.sleep(2)
    assert _recipients(sink) == Counter({m.email: 1 for m in members})


@pytest.fixture
def smtp_sink():
    """The worker fixture's SMTP server, slowed down to 0.15 s per message."""
    sink = SmtpSink()
    sink.delay = 0.15
    sink.start()
    yield sink
    with contextlib.suppress(Exception):
        sink.stop()


BATCH = 40
CHUNK = 10  # invitations claimed and recorded together (EMAIL_SEND_CHUNK)


@pytest.fixture
def small_chunks(monkeypatch, settings):
    # Read by the worker process when it starts: four chunks in the batch of 40.
    monkeypatch.setenv("EMAIL_SEND_CHUNK", str(CHUNK))
    settings.EMAIL_SEND_CHUNK = CHUNK


def test_a_worker_killed_mid_batch_sends_the_rest_once_and_nothing_twice(
    small_chunks, smtp_sink, celery_worker_process
):
    sink = smtp_sink
    campaign = _campaign(_contacts(BATCH, prefix="k"))
    assert _wait(lambda: len(sink.messages) >= 8, timeout=40)
    celery_worker_process.stop(sig=signal.SIGKILL)
    delivered_before = len(sink.messages)
    statuses = _statuses(campaign)
    assert 0 < delivered_before < BATCH
    # At most one chunk is in doubt: claimed, partly delivered, not yet recorded.
    assert statuses[InvitationStatus.SENDING] <= CHUNK, statuses
    assert statuses[InvitationStatus.QUEUED] > 0, statuses

    celery_worker_process.start()
    # What beat does after the restart: the sweep re-queues the stored invitations and
    # gives up on the chunk in doubt (after 15 minutes) instead of sending it again.
    Invitation.objects.filter(campaign=campaign).update(
        created_at=timezone.now() - datetime.timedelta(minutes=3)
    )
    Invitation.objects.filter(campaign=campaign, status=InvitationStatus.SENDING).update(
        claimed_at=timezone.now() - datetime.timedelta(minutes=16)
    )
    delivery.sweep_unsent.delay()

    def settled():
        counts = _statuses(campaign)
        return counts[InvitationStatus.QUEUED] == 0 and counts[InvitationStatus.SENDING] == 0

    assert _wait(settled, timeout=60)
    time.sleep(1)
    statuses = _statuses(campaign)
    received = _recipients(sink)
    assert max(received.values()) == 1, "an invitation was sent twice"
    assert statuses[InvitationStatus.FAILED] <= CHUNK
    assert statuses[InvitationStatus.SENT] + statuses[InvitationStatus.FAILED] == BATCH
    for invitation in Invitation.objects.filter(campaign=campaign):
        if invitation.status == InvitationStatus.SENT:
            assert received[invitation.email] == 1
        else:
            assert "uncertain" in invitation.failure_reason
