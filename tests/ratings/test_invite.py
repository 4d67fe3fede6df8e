"""The rating e-mail: sent after the delay, at most one per contact within the fatigue
window, credited to whom the ticket had when it was sent, in the contact's language."""

import datetime

from django.core import mail

from kpis.models import Ticket
from ratings.metrics import csat_counts, face_kind, ticket_csat
from ratings.models import TicketRating
from ratings.queries import with_answers
from ratings.services import invite_due
from surveys.models import Campaign, Invitation, SurveySettings
from surveys.services import save_response

from .conftest import NOW, at, import_tickets, ticket_row

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def _resolve(*numbers, requester="P-1", technician="T-1", when=None):
    import_tickets(*[ticket_row(n, requester=requester, technician=technician) for n in numbers])
    import_tickets(
        *[
            ticket_row(n, requester=requester, technician=technician, resolved=when or at())
            for n in numbers
        ]
    )


def _send(frozen, delta, django_capture_on_commit_callbacks):
    frozen.move_to(NOW + delta)
    with django_capture_on_commit_callbacks(execute=True):
        return invite_due()


def test_nothing_goes_out_before_the_delay(cast, frozen, django_capture_on_commit_callbacks):
    _resolve(1)
    assert _send(frozen, datetime.timedelta(minutes=59), django_capture_on_commit_callbacks) == {
        "invited": 0,
        "skipped": 0,
    }
    assert mail.outbox == []
    assert (
        _send(frozen, datetime.timedelta(minutes=60), django_capture_on_commit_callbacks)["invited"]
        == 1
    )
    assert len(mail.outbox) == 1
    rating = TicketRating.objects.get()
    assert rating.status == "invited" and rating.invitation.status == "sent"
    assert rating.invitation.campaign.survey.kind == "ticket_rating"
    assert rating.invitation.campaign.reminder_after_days is None  # reminders off


def test_the_german_e_mail_names_the_ticket_and_the_technician_with_three_faces(
    cast, frozen, django_capture_on_commit_callbacks
):
    _resolve(7)
    _send(frozen, HOUR, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.to == ["ada@acme.example"]
    # (The new sentences' German comes with the next catalogue update; these are in it.)
    assert "T-7" in message.subject
    html = message.alternatives[0][0]
    assert '<html lang="de">' in html
    for part in (message.body, html):
        assert "T-7" in part and "Printer 7 jams" in part and "Tina Tech" in part
        assert "Guten Tag Ada Lovelace," in part
        assert "Dieser Link ist persönlich" in part
    assert [f"face={v}" in message.body for v in (1, 2, 3, 4, 5)] == [
        True,
        False,
        True,
        False,
        True,
    ]
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_the_english_e_mail_with_five_faces(cast, frozen, django_capture_on_commit_callbacks):
    SurveySettings.objects.update(rating_faces=5)
    _resolve(8, requester="P-2")
    _send(frozen, HOUR, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.to == ["bob@acme.example"]
    assert message.subject == "Your ticket T-8: how did we do?"
    assert 'your ticket T-8 "Printer 8 jams" was resolved by Tina Tech.' in message.body
    assert all(f"face={v}" in message.body for v in (1, 2, 3, 4, 5))


def test_a_burst_for_one_contact_sends_one_e_mail_within_the_window(
    cast, frozen, django_capture_on_commit_callbacks
):
    _resolve(*range(1, 41))  # forty tickets of Ada's resolved at once
    _resolve(41, requester="P-2")
    counts = _send(frozen, HOUR, django_capture_on_commit_callbacks)
    assert counts == {"invited": 2, "skipped": 39}
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@acme.example", "bob@acme.example"]
    assert set(
        TicketRating.objects.filter(status="skipped").values_list("skipped_because", flat=True)
    ) == {"fatigue"}
    # The first resolved (lowest id on a tie) is the one asked about.
    invited = TicketRating.objects.get(status="invited", contact=cast["ada"])
    assert invited.ticket.external_id == "T-1"


def test_the_window_is_seven_days_by_default(cast, frozen, django_capture_on_commit_callbacks):
    _resolve(1)
    _send(frozen, HOUR, django_capture_on_commit_callbacks)
    # Six days and 23 hours later: still within the window.
    frozen.move_to(NOW + 7 * DAY - HOUR)
    _resolve(2, when=at(7 * DAY - 2 * HOUR))
    _send(frozen, 7 * DAY - HOUR, django_capture_on_commit_callbacks)
    assert TicketRating.objects.get(ticket__external_id="T-2").skipped_because == "fatigue"
    # Seven days and an hour after the first e-mail: outside it.
    frozen.move_to(NOW + 7 * DAY + HOUR)
    _resolve(3, when=at(7 * DAY))
    _send(frozen, 7 * DAY + 2 * HOUR, django_capture_on_commit_callbacks)
    assert TicketRating.objects.get(ticket__external_id="T-3").status == "invited"
    assert len(mail.outbox) == 2


def test_the_window_is_a_setting(cast, frozen, django_capture_on_commit_callbacks):
    SurveySettings.objects.update(rating_fatigue_days=1)
    _resolve(1)
    _send(frozen, HOUR, django_capture_on_commit_callbacks)
    frozen.move_to(NOW + DAY + HOUR)
    _resolve(2, when=at(DAY + HOUR))
    _send(frozen, DAY + 2 * HOUR, django_capture_on_commit_callbacks)
    assert TicketRating.objects.get(ticket__external_id="T-2").status == "invited"
    # Two daily campaigns, one invitation each.
    assert Campaign.objects.filter(survey__kind="ticket_rating").count() == 2


def test_the_credit_stays_with_the_technician_of_the_e_mail_after_reassignment(
    cast, frozen, django_capture_on_commit_callbacks
):
    _resolve(1)
    _send(frozen, HOUR, django_capture_on_commit_callbacks)
    import_tickets(ticket_row(1, technician="T-2", resolved=at()))  # reassigned later
    assert Ticket.objects.get().technician == cast["tom"]
    assert TicketRating.objects.get().technician == cast["tina"]


def test_the_credit_is_taken_when_the_e_mail_is_sent(
    cast, frozen, django_capture_on_commit_callbacks
):
    _resolve(1)
    import_tickets(ticket_row(1, technician="T-2", resolved=at()))  # before the e-mail
    _send(frozen, HOUR, django_capture_on_commit_callbacks)
    assert TicketRating.objects.get().technician == cast["tom"]
    assert "Tom Tech" in mail.outbox[0].body


def test_invite_due_twice_sends_nothing_twice(cast, frozen, django_capture_on_commit_callbacks):
    _resolve(1, 2)
    _resolve(3, requester="P-2")
    _send(frozen, HOUR, django_capture_on_commit_callbacks)
    assert _send(frozen, 2 * HOUR, django_capture_on_commit_callbacks) == {
        "invited": 0,
        "skipped": 0,
    }
    assert len(mail.outbox) == 2
    assert Invitation.objects.count() == 2


def test_ticket_csat_is_the_share_of_positive_ratings(
    cast, frozen, django_capture_on_commit_callbacks
):
    """Four rated tickets, faces 5, 4, 3, 1 (and one without a rating): CSAT 2/4 = 0.5."""
    SurveySettings.objects.update(rating_fatigue_days=1)
    for day, face in enumerate([5, 4, 3, 1, None]):
        frozen.move_to(NOW + day * 2 * DAY)
        _resolve(day + 1, when=at(day * 2 * DAY))
        _send(frozen, day * 2 * DAY + HOUR, django_capture_on_commit_callbacks)
        if face is not None:
            invitation = TicketRating.objects.get(ticket__external_id=f"T-{day + 1}").invitation
            save_response(invitation, {"rating": face, "comment": "", "may_contact": None})
    counts = csat_counts(with_answers())
    assert counts == {"rated": 4, "positive": 2}
    assert ticket_csat(**counts) == 0.5
    assert ticket_csat(0, 0) is None
    assert [face_kind(f) for f in (5, 4, 3, 2, 1, None)] == [
        "positive",
        "positive",
        "neutral",
        "negative",
        "negative",
        "",
    ]


def test_a_contact_who_objected_is_not_asked_and_does_not_use_up_the_window(
    cast, frozen, django_capture_on_commit_callbacks
):
    from organisation.consent import suppress
    from organisation.models import SuppressedAddress

    suppress("ADA@acme.example", SuppressedAddress.Reason.UNSUBSCRIBED)
    _resolve(1)
    _resolve(2, requester="P-2")
    counts = _send(frozen, HOUR, django_capture_on_commit_callbacks)
    assert counts == {"invited": 1, "skipped": 1}
    assert [m.to[0] for m in mail.outbox] == ["bob@acme.example"]
    skipped = TicketRating.objects.get(contact=cast["ada"])
    assert (skipped.status, skipped.skipped_because) == ("skipped", "objected")
    assert skipped.invited_at is None


def test_the_rating_e_mail_is_a_branded_client_e_mail_with_the_objection_notice(
    cast, frozen, django_capture_on_commit_callbacks
):
    from organisation.models import Brand

    brand = Brand.load()
    brand.name = "Nordlicht IT"
    brand.sender_name = "Nordlicht Service"
    brand.sender_email = "service@nordlicht.example"
    brand.save()
    _resolve(8, requester="P-2")
    _send(frozen, HOUR, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.from_email == "Nordlicht Service <service@nordlicht.example>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    for part in (message.body, message.alternatives[0][0]):
        assert "Nordlicht IT" in part
        assert "You may object to the use of your e-mail address for surveys" in part
