"""Phase: a burst of resolved tickets through the ticket rating (``--only ratings``).

``plan.rating_tickets`` open tickets of new requesters at the large set's clients are
imported first; then one import resolves them all at once (the clock starts when it has
committed), ``ratings.tasks.invite_due`` is queued (what the beat does every five
minutes; the configured delay is set to none) and one Celery worker claims the ratings,
applies the fatigue rule and sends the e-mails to the SMTP sink. Every fifth
requester has two of the tickets, so the fatigue rule has work to do: the e-mails
expected are one per requester.
"""

from __future__ import annotations

import datetime
import io
import time

PREFIX = "BENCH-RATE-"


def _csv(rows: list[str]) -> io.BytesIO:
    header = "external_id,client,priority,opened_at,source,title,requester_external_id,resolved_at"
    return io.BytesIO(("\n".join([header, *rows]) + "\n").encode())


def cleanup() -> None:
    """Remove the phase's tickets, ratings, contacts and their rating invitations (also
    what an interrupted run left)."""
    from organisation.models import Contact
    from ratings.models import TicketRating
    from surveys.models import Campaign, Invitation

    from .run import cleanup_leftovers_tickets

    TicketRating.objects.filter(ticket__external_id__startswith=PREFIX).delete()
    campaigns = set(
        Invitation.objects.filter(contact__external_id__startswith=PREFIX).values_list(
            "campaign_id", flat=True
        )
    )
    Invitation.objects.filter(contact__external_id__startswith=PREFIX).delete()
    # A day's rating campaign made only for the burst goes too.
    Campaign.objects.filter(pk__in=campaigns, invitations__isnull=True).delete()
    cleanup_leftovers_tickets(PREFIX)
    Contact.objects.filter(external_id__startswith=PREFIX).delete()


def measure_rating_burst(plan, env: dict[str, str]) -> dict:
    import redis
    from django.db.models import Count
    from django.utils import timezone

    from kpis import importing
    from organisation.models import Client, Contact
    from ratings.models import TicketRating
    from ratings.tasks import invite_due
    from surveys.models import SurveySettings

    from .run import RESULTS
    from .server import CeleryWorker, free_port
    from .smtp_sink import Sink

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    cleanup()
    tickets = plan.rating_tickets
    requesters = tickets * 4 // 5
    clients = list(
        Client.objects.filter(external_id__startswith="LG-")
        .order_by("pk")
        .values_list("pk", "external_id")
    )
    Contact.objects.bulk_create(
        [
            Contact(
                client_id=clients[i % len(clients)][0],
                external_id=f"{PREFIX}P-{i}",
                name=f"Requester {i}",
                email=f"requester{i}@rating-burst.example",
                language="de" if i % 3 else "en",
            )
            for i in range(requesters)
        ],
        batch_size=2000,
    )
    now = timezone.now()
    opened = (now - datetime.timedelta(hours=5)).isoformat()
    resolved = (now - datetime.timedelta(minutes=1)).isoformat()

    def rows(resolved_at: str) -> list[str]:
        return [
            f"{PREFIX}{i:06d},{clients[(i % requesters) % len(clients)][1]},low,{opened},"
            f"client,Printer {i} jams,{PREFIX}P-{i % requesters},{resolved_at}"
            for i in range(tickets)
        ]

    settings = SurveySettings.load()
    before = (settings.rating_enabled, settings.rating_delay_minutes)
    SurveySettings.objects.filter(pk=settings.pk).update(
        rating_enabled=True, rating_delay_minutes=0
    )
    try:
        importing.import_csv("tickets", _csv(rows("")))
        port = free_port()
        with Sink(port) as sink, CeleryWorker(env, port, RESULTS / "celery.log") as worker:
            idle_cpu = worker.cpu_seconds()
            started = time.perf_counter()
            importing.import_csv("tickets", _csv(rows(resolved)))
            # The clock runs from here: the tickets are resolved (the import committed).
            resolved_at = time.perf_counter()
            invite_due.delay()
            complete = sink.wait_for(requesters, timeout=600)
            elapsed = time.perf_counter() - resolved_at
            time.sleep(2)  # anything sent twice would arrive now
            worker_cpu = worker.cpu_seconds() - idle_cpu
        ours = {
            address: n
            for address, n in sink.handler.recipients.items()
            if address.endswith("@rating-burst.example")
        }
        statuses = dict(
            TicketRating.objects.filter(ticket__external_id__startswith=PREFIX)
            .values_list("status")
            .annotate(n=Count("id"))
        )
        result = {
            "tickets": tickets,
            "requesters": requesters,
            "import_seconds": resolved_at - started,
            "seconds": elapsed,
            "worker_cpu_seconds": worker_cpu,
            "complete": complete,
            "delivered": sink.handler.messages,
            # Only the burst's requesters count (an e-mail left queued by an earlier
            # phase may arrive too).
            "recipients": len(ours),
            "sent_twice": sum(1 for n in ours.values() if n > 1),
            "statuses": statuses,
            "smtp_connections": sink.connections,
        }
    finally:
        SurveySettings.objects.filter(pk=settings.pk).update(
            rating_enabled=before[0], rating_delay_minutes=before[1]
        )
        cleanup()
    return result
