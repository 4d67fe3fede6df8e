"""When a ticket's rating e-mail goes out, and to whom; free of requests, so tests and
tasks call these directly.

1. ``schedule_ratings`` (on kpis.transitions.tickets_resolved, inside the import's or
   webhook's transaction): a ticket that became resolved within the last
   ``RECENT_RESOLUTION`` and has a requester with an address gets one ``TicketRating``,
   due ``rating_delay_minutes`` after its resolution. Tickets from monitoring or
   automation and auto-remediated ones are left out unless the survey settings ask for
   them. One rating per ticket: a ticket resolved again keeps its first.
2. ``invite_due`` (the task ``ratings.tasks.invite_due``, every five minutes): the due
   ratings get their invitation in the day's ticket rating campaign, or are skipped.
   The fatigue rule, at most one rating e-mail per contact within
   ``rating_fatigue_days``, holds with concurrent workers: each chunk of due ratings is
   claimed with SKIP LOCKED and the contacts' rows are locked (in id order) before their
   last rating e-mail is read, so a second worker waits and then sees the first one's.
   The campaign's one invitation per contact backs this up within a day.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from core import delivery
from core.periods import day_start
from kpis.models import Source, Ticket
from organisation.consent import withheld_reasons
from organisation.models import Contact
from surveys.models import Campaign, Invitation, Survey, SurveyKind, SurveySettings
from surveys.services import create_auto_campaign

from .models import TicketRating
from .sending import RATINGS

logger = logging.getLogger("ratings")

# Only a ticket resolved this recently is rated: a transition seen later (a late import
# of old changes) is history, not news to the client.
RECENT_RESOLUTION = datetime.timedelta(days=3)
# Due ratings claimed per transaction by invite_due.
CHUNK = 500
AUTOMATED_SOURCES = (Source.MONITORING, Source.AUTOMATION)


def ratable(config: SurveySettings, now: datetime.datetime) -> Q:
    """The tickets that may be rated (ticket fields): resolved within RECENT_RESOLUTION,
    with an active requester who has an address, not yet rated; and, unless the settings
    ask for them, not from monitoring or automation and not auto-remediated."""
    rule = Q(
        resolved_at__gt=now - RECENT_RESOLUTION,
        resolved_at__lte=now,
        requester__isnull=False,
        requester__is_active=True,
        rating__isnull=True,
    ) & ~Q(requester__email="")
    if not config.rating_automated_tickets:
        rule &= ~Q(source__in=AUTOMATED_SOURCES) & Q(auto_remediated=False)
    return rule


def schedule_ratings(ticket_ids: Iterable[int], now: datetime.datetime | None = None) -> int:
    """One rating, due after the delay, per ticket of ``ticket_ids`` (tickets that just
    became resolved) that may be rated; returns how many were stored."""
    now = now or timezone.now()
    config = SurveySettings.load()
    if not config.rating_enabled:
        return 0
    delay = datetime.timedelta(minutes=config.rating_delay_minutes)
    ratings = [
        TicketRating(
            ticket_id=ticket["pk"],
            contact_id=ticket["requester_id"],
            client_id=ticket["client_id"],
            technician_id=ticket["technician_id"],
            priority=ticket["priority"],
            source=ticket["source"],
            resolved_at=ticket["resolved_at"],
            send_after=ticket["resolved_at"] + delay,
        )
        for ticket in Ticket.objects.filter(ratable(config, now), pk__in=list(ticket_ids))
        .order_by("pk")
        .values(
            "pk", "requester_id", "client_id", "technician_id", "priority", "source", "resolved_at"
        )
    ]
    # A rating stored meanwhile for the same ticket wins (one per ticket).
    TicketRating.objects.bulk_create(ratings, ignore_conflicts=True)
    return len(ratings)


def campaign_key(day: datetime.date) -> str:
    """The key of the ticket rating campaign of a local day, "ticket-rating:2026-11-30"."""
    return f"ticket-rating:{day.isoformat()}"


def rating_campaign(now: datetime.datetime, config: SurveySettings) -> Campaign:
    """The day's ticket rating campaign, created once. Daily: its invitations are one
    per contact (the fatigue window is at least a day) and a day's e-mails are one batch.
    It takes answers until ``rating_open_days`` after the day ended."""
    day = timezone.localdate(now)
    key = campaign_key(day)
    campaign = Campaign.objects.filter(auto_key=key).first()
    if campaign is None:
        survey = Survey.objects.get(kind=SurveyKind.TICKET_RATING)
        end = day_start(day + datetime.timedelta(days=1 + config.rating_open_days))
        campaign = create_auto_campaign(
            key,
            survey=survey,
            name=f"{survey.title()} · {day.isoformat()}",
            recipients=[],
            send_at=day_start(day),
            closes_at=end,
        ) or Campaign.objects.get(auto_key=key)
    return campaign


def invite_due(now: datetime.datetime | None = None) -> dict[str, int]:
    """Invite or skip the ratings due at ``now``, chunk by chunk; returns the counts."""
    now = now or timezone.now()
    config = SurveySettings.load()
    counts = {"invited": 0, "skipped": 0}
    while True:
        with transaction.atomic():
            chunk = _invite_chunk(now, config)
        if chunk is None:
            break
        for name, count in chunk.items():
            counts[name] += count
    if counts["invited"] or counts["skipped"]:
        logger.info("ratings.invited invited=%s skipped=%s", counts["invited"], counts["skipped"])
    return counts


def _invite_chunk(now: datetime.datetime, config: SurveySettings) -> dict[str, int] | None:
    due = list(
        TicketRating.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=TicketRating.Status.SCHEDULED, send_after__lte=now)
        .select_related("ticket", "contact")
        # The first resolved is asked about; on a tie the older ticket (the database's
        # order of a bulk insert is not the tickets' order on PostgreSQL).
        .order_by("send_after", "ticket_id")[:CHUNK]
    )
    if not due:
        return None
    contact_ids = sorted({rating.contact_id for rating in due})
    # The lock that makes the fatigue rule hold between workers (see the module).
    list(Contact.objects.select_for_update().filter(pk__in=contact_ids).order_by("pk").values("pk"))
    window = datetime.timedelta(days=config.rating_fatigue_days)
    recently = set(
        TicketRating.objects.filter(
            contact_id__in=contact_ids, invited_at__gt=now - window
        ).values_list("contact_id", flat=True)
    )
    # Consent first (organisation.consent): an opted-out or suppressed contact is not
    # asked, and its skipped rating does not count against the fatigue window.
    objected = withheld_reasons(rating.contact for rating in due)
    campaign = None
    invited, skipped = [], {}
    for rating in due:
        ticket, contact = rating.ticket, rating.contact
        reason = ""
        if not config.rating_enabled:
            reason = TicketRating.Skipped.DISABLED
        elif ticket.resolved_at is None:
            reason = TicketRating.Skipped.REOPENED
        elif not contact.email or not contact.is_active:
            reason = TicketRating.Skipped.NO_ADDRESS
        elif rating.contact_id in objected:
            reason = TicketRating.Skipped.OBJECTED
        elif rating.contact_id in recently:
            reason = TicketRating.Skipped.FATIGUE
        if reason:
            skipped.setdefault(reason, []).append(rating.pk)
            continue
        recently.add(rating.contact_id)
        campaign = campaign or rating_campaign(now, config)
        invited.append(
            Invitation(
                campaign=campaign, contact=contact, email=contact.email, language=contact.language
            )
        )
    for reason, ids in skipped.items():
        TicketRating.objects.filter(pk__in=ids).update(
            status=TicketRating.Status.SKIPPED, skipped_because=reason
        )
    if campaign is not None:
        Invitation.objects.bulk_create(invited)
        # One UPDATE: each rating takes its contact's invitation of the day and the credit
        # the ticket has now, when the e-mail is sent.
        ticket = Ticket.objects.filter(pk=OuterRef("ticket_id"))
        TicketRating.objects.filter(
            pk__in=[rating.pk for rating in due], contact_id__in=[i.contact_id for i in invited]
        ).exclude(pk__in=[pk for ids in skipped.values() for pk in ids]).update(
            status=TicketRating.Status.INVITED,
            invited_at=now,
            invitation_id=Subquery(
                Invitation.objects.filter(
                    campaign=campaign, contact_id=OuterRef("contact_id")
                ).values("pk")[:1]
            ),
            **{
                field: Subquery(ticket.values(field)[:1])
                for field in ("client_id", "technician_id", "priority", "source")
            },
        )
        delivery.queue(RATINGS, campaign.pk)
    return {"invited": len(invited), "skipped": sum(len(ids) for ids in skipped.values())}
