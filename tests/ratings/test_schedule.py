"""Which tickets get a rating e-mail and when (ratings.services), from the ticket
upsert's transitions (kpis.transitions): file imports and the webhook."""

import datetime

import pytest
from django.urls import reverse

from kpis.importing import ImportRejected
from kpis.models import Ticket
from kpis.transitions import became_resolved
from organisation.models import Contact
from ratings.models import TicketRating
from ratings.services import invite_due, schedule_ratings
from surveys.models import SurveySettings
from tests.kpis.conftest import admin_form

from .conftest import NOW, at, import_tickets, ticket_row

HOUR = datetime.timedelta(hours=1)


def _open_then_resolve(number=1, resolved=None, **row):
    import_tickets(ticket_row(number, **row))
    import_tickets(ticket_row(number, resolved=resolved or at(-HOUR), **row))


def test_a_stored_open_ticket_that_becomes_resolved_gets_one_rating(cast):
    _open_then_resolve()
    rating = TicketRating.objects.get()
    assert rating.ticket.external_id == "T-1"
    assert (rating.contact, rating.client, rating.technician) == (
        cast["ada"],
        cast["acme"],
        cast["tina"],
    )
    assert (rating.priority, rating.source) == ("high", "client")
    # The default delay: 60 minutes after the resolution.
    assert rating.send_after == NOW - HOUR + datetime.timedelta(minutes=60)
    assert rating.status == "scheduled"


def test_the_delay_is_a_survey_setting(cast):
    SurveySettings.objects.update(rating_delay_minutes=15)
    _open_then_resolve()
    assert TicketRating.objects.get().send_after == NOW - datetime.timedelta(minutes=45)


def test_a_ticket_first_seen_resolved_gets_none(cast):
    """A first import of history, a backfill, a ticket created already resolved."""
    import_tickets(ticket_row(1, resolved=at(-HOUR)), ticket_row(2, resolved=at(-HOUR)))
    assert not TicketRating.objects.exists()


def test_a_transition_seen_more_than_three_days_late_gets_none(cast):
    import_tickets(ticket_row(1, opened="2026-11-01T08:00:00+00:00"))
    three_days = datetime.timedelta(days=3)
    import_tickets(
        ticket_row(1, resolved=at(-three_days), opened="2026-11-01T08:00:00+00:00"),
        ticket_row(2, opened="2026-11-01T08:00:00+00:00"),
    )
    import_tickets(
        ticket_row(2, resolved=at(-three_days + HOUR), opened="2026-11-01T08:00:00+00:00")
    )
    assert list(TicketRating.objects.values_list("ticket__external_id", flat=True)) == ["T-2"]


def test_a_ticket_without_requester_or_address_gets_none(cast):
    import_tickets(ticket_row(1, requester=""), ticket_row(2, requester="P-2"))
    Contact.objects.filter(pk=cast["bob"].pk).update(email="")
    import_tickets(ticket_row(1, requester="", resolved=at(-HOUR)))
    import_tickets(ticket_row(2, requester="P-2", resolved=at(-HOUR)))
    assert not TicketRating.objects.exists()


def test_monitoring_automation_and_auto_remediated_tickets_are_left_out_by_default(cast):
    rows = [
        ticket_row(1, source="monitoring"),
        ticket_row(2, source="automation"),
        ticket_row(3, auto="true"),
        ticket_row(4, source="self_service"),
    ]
    import_tickets(*rows)
    import_tickets(*[row.replace(",,", f",{at(-HOUR)},") for row in rows])
    assert list(TicketRating.objects.values_list("ticket__external_id", flat=True)) == ["T-4"]


def test_the_setting_asks_for_automated_tickets_too(cast):
    SurveySettings.objects.update(rating_automated_tickets=True)
    import_tickets(ticket_row(1, source="monitoring"), ticket_row(2, auto="true"))
    import_tickets(
        ticket_row(1, source="monitoring", resolved=at(-HOUR)),
        ticket_row(2, auto="true", resolved=at(-HOUR)),
    )
    assert TicketRating.objects.count() == 2


def test_switched_off_rating_e_mails_schedule_nothing(cast):
    SurveySettings.objects.update(rating_enabled=False)
    _open_then_resolve()
    assert not TicketRating.objects.exists()


def test_a_reopened_and_re_closed_ticket_keeps_its_first_rating(cast, frozen):
    _open_then_resolve()
    first = TicketRating.objects.get()
    invite_due(NOW + HOUR)
    import_tickets(ticket_row(1))  # reopened: resolved_at emptied
    import_tickets(ticket_row(1, resolved=at()))  # and resolved again
    assert TicketRating.objects.get() == first
    frozen.shift(2 * HOUR)
    assert invite_due() == {"invited": 0, "skipped": 0}


def test_a_ticket_reopened_before_its_e_mail_is_skipped(cast):
    _open_then_resolve()
    import_tickets(ticket_row(1))
    invite_due(NOW + HOUR)
    rating = TicketRating.objects.get()
    assert (rating.status, rating.skipped_because) == ("skipped", "reopened")
    assert rating.invitation is None


def test_a_webhook_update_that_resolves_a_ticket_schedules_its_rating(cast, client):
    from kpis.models import WebhookIntegration
    from tests.kpis.conftest import send_tickets

    integration = WebhookIntegration(name="HaloPSA")
    token = integration.issue_token()
    integration.save()
    ticket = {
        "external_id": "HALO-1",
        "client": "C-1",
        "priority": "low",
        "opened_at": "2026-11-19T09:00:00+00:00",
        "source": "client",
        "title": "VPN down",
        "requester_email": "ada@acme.example",
    }
    assert send_tickets(client, token, {"tickets": [ticket]}).status_code == 200
    assert not TicketRating.objects.exists()
    resolved = {**ticket, "resolved_at": at(-HOUR)}
    assert send_tickets(client, token, {"tickets": [resolved]}).status_code == 200
    assert TicketRating.objects.get().ticket.title == "VPN down"


def test_a_rejected_file_leaves_no_rating_behind(cast):
    import_tickets(ticket_row(1))
    with pytest.raises(ImportRejected):
        import_tickets(ticket_row(1, resolved=at(-HOUR)), "T-9,C-404,high,bad,client,,,,,")
    assert not TicketRating.objects.exists()


def test_schedule_twice_stores_one_rating(cast):
    _open_then_resolve()
    ticket = Ticket.objects.get()
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=NOW)
    assert schedule_ratings([ticket.pk]) == 0
    assert TicketRating.objects.count() == 1


def test_became_resolved_is_only_the_step_from_open_to_resolved():
    moment = NOW
    assert became_resolved({"resolved_at": None}, {"resolved_at": moment})
    assert not became_resolved(None, {"resolved_at": moment})
    assert not became_resolved({"resolved_at": moment}, {"resolved_at": moment})
    assert not became_resolved({"resolved_at": moment}, {"resolved_at": None})
    assert not became_resolved({"resolved_at": None}, {"resolved_at": None})


def test_a_ticket_resolved_in_the_back_office_gets_its_rating_too(cast, client, staff_user):
    """The back office is one more way the product sees a ticket become resolved; a
    later edit of the resolved ticket is no second transition."""
    import_tickets(ticket_row(1))
    stored = Ticket.objects.get()
    client.force_login(staff_user)
    change = reverse("admin:kpis_ticket_change", args=[stored.pk])
    response = client.post(change, admin_form(stored, resolved_at=NOW - HOUR))
    assert response.status_code == 302
    rating = TicketRating.objects.get()
    assert (rating.ticket, rating.contact) == (stored, cast["ada"])
    stored.refresh_from_db()
    client.post(change, admin_form(stored, title="Printer 1 jams again"))
    assert TicketRating.objects.count() == 1
