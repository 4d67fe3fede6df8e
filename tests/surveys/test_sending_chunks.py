"""Sending in chunks (core/delivery.py, with survey invitations): a fixed number
of queries per chunk, whatever its size; at most once per chunk; an SMTP error or a
stopped worker mid-chunk loses nothing and sends nothing twice."""

import datetime
import smtplib
from collections import Counter
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import delivery
from surveys.models import InvitationToken, Survey, SurveyKind
from surveys.sending import INVITATIONS
from surveys.services import create_campaign
from tests.surveys.helpers import make_technician


@pytest.fixture
def chunk(settings):
    settings.EMAIL_SEND_CHUNK = 5
    return 5


def _pulse(n):
    return create_campaign(
        survey=Survey.objects.get(kind=SurveyKind.PULSE),
        name="Pulse",
        recipients=[make_technician() for _ in range(n)],
        closes_at=timezone.now() + datetime.timedelta(days=6),
    )  # on_commit not run: all queued


def send_queued(campaign) -> dict:
    return delivery.send_batch(INVITATIONS, campaign.pk)


def _statuses(campaign) -> Counter:
    return Counter(campaign.invitations.values_list("status", flat=True))


def _queries_to_send(campaign) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert send_queued(campaign)["failed"] == 0
    return [q["sql"] for q in ctx.captured_queries]


def test_a_chunk_costs_the_same_queries_for_one_invitation_as_for_fifty(db, settings):
    settings.EMAIL_SEND_CHUNK = 51  # both campaigns fit in one chunk
    # The first chunk of the day creates the day's row of the daily survey figures, the
    # next one counts up: the same one statement (surveys.rollups.add_invited).
    one = _queries_to_send(_pulse(1))
    fifty = _queries_to_send(_pulse(50))
    assert len(one) == len(fifty)
    assert len(mail.outbox) == 51
    pulse_question_reads = [sql for sql in fifty if 'FROM "surveys_question"' in sql]
    assert len(pulse_question_reads) == 1  # once per campaign, not per message
    token_inserts = [
        sql for sql in fifty if sql.startswith('INSERT INTO "surveys_invitationtoken"')
    ]
    assert len(token_inserts) == 1


def test_queries_grow_with_chunks_not_with_messages(db, chunk):
    one_chunk = _queries_to_send(_pulse(chunk))
    mail.outbox.clear()
    campaign = _pulse(3 * chunk)
    three_chunks = _queries_to_send(campaign)
    assert len(mail.outbox) == 3 * chunk
    assert _statuses(campaign) == Counter({"sent": 3 * chunk})
    assert len(three_chunks) <= 3 * len(one_chunk)
    # Each message has its own working link.
    assert InvitationToken.objects.filter(invitation__campaign=campaign).count() == 3 * chunk


def _failing_on(nth: int, exc: BaseException):
    """A locmem backend that raises ``exc`` on the nth message it is given."""
    original = EmailBackend.send_messages
    calls = {"n": 0}

    def send(self, messages):
        calls["n"] += 1
        if calls["n"] == nth:
            raise exc
        return original(self, messages)

    return mock.patch.object(EmailBackend, "send_messages", send)


def test_a_lost_connection_mid_chunk_marks_the_delivered_sent_and_queues_the_rest(db, chunk):
    """The message on its way when the connection broke may have reached the server (its
    answer got lost): it is marked failed as uncertain, visibly, and not sent again."""
    campaign = _pulse(2 * chunk + 2)
    ordered = list(campaign.invitations.order_by("pk"))
    with (
        _failing_on(3, smtplib.SMTPServerDisconnected("Connection unexpectedly closed")),
        pytest.raises(delivery.TransientSendError),
    ):
        send_queued(campaign)
    states = {
        inv.pk: (inv.status, inv.attempts, inv.claimed_at is None, inv.failure_reason)
        for inv in campaign.invitations.all()
    }
    # The first two were delivered and are marked sent.
    assert [states[inv.pk][0] for inv in ordered[:2]] == ["sent", "sent"]
    # The one in flight: failed as uncertain, with the server's words, not re-sent.
    status, attempts, unclaimed, reason = states[ordered[2].pk]
    assert (status, attempts) == ("failed", 1)
    assert reason.startswith("Delivery uncertain") and "closed" in reason
    # The untried rest of the chunk and the later chunks: queued, as if never claimed.
    for inv in ordered[3:]:
        assert states[inv.pk] == ("queued", 0, True, ""), inv.pk
    # Only delivered e-mails keep a link token.
    assert set(
        InvitationToken.objects.filter(invitation__campaign=campaign).values_list(
            "invitation_id", flat=True
        )
    ) == {ordered[0].pk, ordered[1].pk}
    assert [m.to[0] for m in mail.outbox] == [inv.email for inv in ordered[:2]]

    # The retry sends the rest, each once; the uncertain one is left to "Send again".
    assert send_queued(campaign) == {"sent": len(ordered) - 3, "failed": 0}
    uncertain = ordered[2]
    assert Counter(m.to[0] for m in mail.outbox) == Counter(
        inv.email for inv in ordered if inv != uncertain
    )
    assert _statuses(campaign) == Counter({"sent": len(ordered) - 1, "failed": 1})


def test_a_4xx_for_one_message_defers_it_and_the_others_go_on(db, chunk):
    """A server that says "try later" for one recipient (greylisting) holds nobody else
    up: the others are sent now, that one by the retry."""
    campaign = _pulse(2 * chunk)
    ordered = list(campaign.invitations.order_by("pk"))
    with (
        _failing_on(3, smtplib.SMTPRecipientsRefused({"x": (451, b"Greylisted")})),
        pytest.raises(delivery.TransientSendError),
    ):
        send_queued(campaign)
    statuses = {inv.pk: (inv.status, inv.failure_reason) for inv in campaign.invitations.all()}
    deferred = ordered[2]
    assert statuses[deferred.pk][0] == "queued" and "451" in statuses[deferred.pk][1]
    assert {statuses[inv.pk][0] for inv in ordered if inv != deferred} == {"sent"}
    assert send_queued(campaign) == {"sent": 1, "failed": 0}
    assert Counter(m.to[0] for m in mail.outbox) == Counter(inv.email for inv in ordered)


def test_a_worker_stopped_mid_send_leaves_only_the_message_in_flight_in_doubt(db, chunk):
    campaign = _pulse(2 * chunk)
    ordered = list(campaign.invitations.order_by("pk"))
    with _failing_on(3, SystemExit()), pytest.raises(SystemExit):
        send_queued(campaign)
    statuses = {inv.pk: inv.status for inv in campaign.invitations.all()}
    assert [statuses[inv.pk] for inv in ordered[:3]] == ["sent", "sent", "sending"]
    assert {statuses[inv.pk] for inv in ordered[3:]} == {"queued"}


def test_a_worker_killed_mid_chunk_leaves_at_most_one_chunk_in_doubt(db, chunk):
    """Killed: nothing is recorded after the claim. The chunk stays "sending", the sweep
    marks it failed ("delivery uncertain") and never sends it again; the other chunks are
    sent once."""
    campaign = _pulse(3 * chunk)
    with (
        mock.patch.object(delivery._Chunk, "settle", lambda self, kind, batch_id: None),
        _failing_on(3, SystemExit()),
        pytest.raises(SystemExit),
    ):
        send_queued(campaign)
    delivered = [m.to[0] for m in mail.outbox]
    assert len(delivered) == 2
    assert _statuses(campaign) == Counter({"sending": chunk, "queued": 2 * chunk})

    # The redelivered task sends the queued rest; the chunk in doubt is left alone.
    assert send_queued(campaign) == {"sent": 2 * chunk, "failed": 0}
    later = timezone.now() + delivery.SEND_CLAIM_TIMEOUT + datetime.timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert delivery.sweep_unsent.apply().get()["stale"] == chunk
    statuses = _statuses(campaign)
    assert statuses == Counter({"sent": 2 * chunk, "failed": chunk})
    received = Counter(m.to[0] for m in mail.outbox)
    assert max(received.values()) == 1, "an invitation was sent twice"
    for inv in campaign.invitations.filter(status="failed"):
        assert "uncertain" in inv.failure_reason
