"""A burst of resolved tickets, invited by concurrent workers at once: at most one rating
e-mail per contact within the window, none twice (PostgreSQL, real rows and locks)."""

import datetime
import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connections
from django.utils import timezone

from kpis.models import Ticket
from organisation.models import Client, Contact
from ratings.models import TicketRating
from ratings.services import invite_due
from surveys.models import Invitation

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.django_db(transaction=True),
]

CONTACTS = 100
TICKETS = 1000
WORKERS = 4


def _burst(now):
    client = Client.objects.create(
        external_id="B-1", name="Burst GmbH", contract_start=datetime.date(2026, 1, 1)
    )
    contacts = Contact.objects.bulk_create(
        Contact(client=client, name=f"C{i}", email=f"c{i}@burst.example") for i in range(CONTACTS)
    )
    opened = now - datetime.timedelta(hours=5)
    resolved = now - datetime.timedelta(hours=2)
    tickets = []
    for i in range(TICKETS):
        ticket = Ticket(
            external_id=f"B-{i}",
            client=client,
            requester=contacts[i % CONTACTS],  # every chunk holds every contact
            priority="low",
            source="client",
            opened_at=opened,
            resolved_at=resolved,
        )
        ticket.derive()
        tickets.append(ticket)
    Ticket.objects.bulk_create(tickets)
    TicketRating.objects.bulk_create(
        TicketRating(
            ticket=ticket,
            contact_id=ticket.requester_id,
            client=client,
            priority="low",
            source="client",
            resolved_at=resolved,
            send_after=resolved + datetime.timedelta(minutes=i % 7),
        )
        for i, ticket in enumerate(tickets)
    )


def test_concurrent_workers_send_one_rating_e_mail_per_contact(settings):
    settings.SITE_URL = "https://surveys.example"
    now = timezone.now()
    _burst(now)
    barrier = threading.Barrier(WORKERS)
    errors, counts = [], []

    def worker():
        try:
            barrier.wait()
            counts.append(invite_due(now))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(c["invited"] for c in counts) == CONTACTS
    assert sum(c["skipped"] for c in counts) == TICKETS - CONTACTS
    per_contact = Counter(
        TicketRating.objects.filter(status="invited").values_list("contact_id", flat=True)
    )
    assert len(per_contact) == CONTACTS and set(per_contact.values()) == {1}
    assert Invitation.objects.count() == CONTACTS
    assert not TicketRating.objects.filter(status="scheduled").exists()
    recipients = Counter(message.to[0] for message in mail.outbox)
    assert len(recipients) == CONTACTS and set(recipients.values()) == {1}
