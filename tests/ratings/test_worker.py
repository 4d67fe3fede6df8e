"""A real Celery worker on Redis (CI; skipped without services): 1,000 tickets resolved in
a burst by an import, invited by the worker and by this process at the same time, send
at most one rating e-mail per contact, none twice."""

import datetime
import io
import time
from collections import Counter

import pytest
from django.utils import timezone

from kpis import importing
from organisation.models import Client, Contact
from ratings import tasks
from ratings.models import TicketRating
from ratings.services import invite_due
from surveys.models import SurveySettings

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

CONTACTS = 50
TICKETS = 1000
HEADER = "external_id,client,priority,opened_at,source,title,requester_external_id,resolved_at"


def _import(resolved: str):
    opened = (timezone.now() - datetime.timedelta(hours=3)).isoformat()
    lines = [HEADER] + [
        f"W-{i},W-1,low,{opened},client,Ticket {i},P-{i % CONTACTS},{resolved}"
        for i in range(TICKETS)
    ]
    importing.import_csv("tickets", io.BytesIO(("\n".join(lines) + "\n").encode()))


def test_a_burst_through_the_worker_sends_one_e_mail_per_contact(celery_worker_process):
    SurveySettings.objects.update(rating_delay_minutes=0)
    client = Client.objects.create(
        external_id="W-1", name="Worker GmbH", contract_start=datetime.date(2026, 1, 1)
    )
    Contact.objects.bulk_create(
        Contact(client=client, name=f"C{i}", email=f"c{i}@worker.example", external_id=f"P-{i}")
        for i in range(CONTACTS)
    )
    _import("")
    _import((timezone.now() - datetime.timedelta(minutes=1)).isoformat())
    assert TicketRating.objects.count() == TICKETS
    for _ in range(3):
        tasks.invite_due.delay()
    invite_due()  # this process at the same time as the worker
    sink = celery_worker_process.sink
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(sink.messages) < CONTACTS:
        time.sleep(0.2)
    time.sleep(2)
    recipients = Counter(message.rcpt_tos[0] for message in sink.messages)
    assert len(recipients) == CONTACTS and set(recipients.values()) == {1}
    assert not TicketRating.objects.filter(status="scheduled").exists()
    assert TicketRating.objects.filter(status="invited").count() == CONTACTS
