"""Feedback cases: which answers open one, once per rating; the e-mail to the client's
responsible staff (else the managers) in their language; the chat post; closing with a
note and the time to close."""

import datetime

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from organisation.models import ChatChannel, ChatEvent, ChatPost
from ratings import cases
from ratings.models import FeedbackCase, FeedbackCaseEmail, TicketRating
from ratings.services import invite_due
from surveys.services import save_response
from tests.helpers import make_user

from .conftest import NOW, at, import_tickets, ticket_row

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def ratings(cast, frozen, django_capture_on_commit_callbacks):
    """Ada's ticket T-1 (Tina) and Bob's T-2 (Tom), their rating e-mails sent."""
    import_tickets(ticket_row(1), ticket_row(2, requester="P-2", technician="T-2"))
    import_tickets(
        ticket_row(1, resolved=at()),
        ticket_row(2, requester="P-2", technician="T-2", resolved=at()),
    )
    frozen.move_to(NOW + HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        invite_due()
    mail.outbox.clear()
    by_number = {r.ticket.external_id: r for r in TicketRating.objects.select_related("ticket")}
    return by_number


def answer(rating, face, comment="", may_contact=None, execute=True, capture=None):
    values = {"rating": face, "comment": comment, "may_contact": may_contact}
    with capture(execute=execute):
        save_response(rating.invitation, values)


@pytest.fixture
def give(django_capture_on_commit_callbacks):
    def _give(rating, face, comment="", may_contact=None, execute=True):
        answer(rating, face, comment, may_contact, execute, django_capture_on_commit_callbacks)

    return _give


@pytest.mark.parametrize(
    ("face", "comment", "opens"),
    [
        (1, "", True),
        (2, "", True),
        (3, "Slow but fine", True),
        (3, "", False),
        (3, "   ", False),
        (4, "Great", False),
        (5, "", False),
    ],
)
def test_which_answers_open_a_case(ratings, give, manager, face, comment, opens):
    give(ratings["T-1"], face, comment)
    assert FeedbackCase.objects.exists() is opens


def test_the_rule_counts_three_faces_as_one_three_five():
    assert cases.opens_case(1, "") and not cases.opens_case(3, "") and not cases.opens_case(5, "x")
    assert cases.opens_case(3, "late") and not cases.opens_case(None, "late")


def test_a_changed_face_updates_the_case_and_never_opens_a_second(ratings, give, manager):
    give(ratings["T-1"], 1)
    give(ratings["T-1"], 2, "Printer still jams")
    give(ratings["T-1"], 5)
    case = FeedbackCase.objects.get()
    # A face changed to positive leaves the case open; the manager closes it.
    assert (case.opening_face, case.face, case.status) == (1, 5, "open")
    assert FeedbackCaseEmail.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_neutral_face_opens_a_case_once_its_comment_comes(ratings, give, manager):
    give(ratings["T-1"], 3)  # the one click: a face, no comment yet
    assert not FeedbackCase.objects.exists()
    give(ratings["T-1"], 3, "Took three days")
    assert FeedbackCase.objects.get().face == 3


def test_the_responsible_staff_are_emailed_in_their_language(ratings, give, cast, manager):
    from organisation.models import Technician

    english = make_user("eve", first_name="Eve")
    german = make_user("gerd", first_name="Gerd")
    Technician.objects.create(
        external_id="T-9",
        name="Eve",
        email="eve@msp.example",
        hire_date=datetime.date(2024, 1, 1),
        language="en",
        user=english,
    )
    cast["acme"].responsible_staff.add(english, german)
    give(ratings["T-1"], 1, "Nobody called back", may_contact="1")
    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == ["eve@example.com", "gerd@example.com"]  # not the manager
    english_mail, german_mail = by_address["eve@example.com"], by_address["gerd@example.com"]
    assert english_mail.subject == "Feedback case: Acme, ticket T-1"
    for text in (english_mail.body, english_mail.alternatives[0][0]):
        for part in ("Acme", "Ada Lovelace", "T-1", "Printer 1 jams", "Tina Tech"):
            assert part in text
        assert "Nobody called back" in text and "1 of 5 (negative)" in text
        assert "May we contact you?" in text
    case = FeedbackCase.objects.get()
    assert f"https://surveys.example/ratings/cases/{case.pk}/" in english_mail.body
    # Labels the catalogue already has are German; the case's own texts once merged.
    assert "Dürfen wir Sie kontaktieren?" in german_mail.body and "Kommentar" in german_mail.body
    assert "Kommentar" not in english_mail.body
    with translation.override("de"):
        german_subject = gettext("Feedback case: %(client)s, ticket %(number)s")
    if german_subject != "Feedback case: %(client)s, ticket %(number)s":
        assert german_mail.subject == german_subject % {"client": "Acme", "number": "T-1"}
    assert FeedbackCase.objects.get().emailed_at is not None


def test_without_responsible_staff_the_managers_are_emailed(ratings, give, manager):
    give(ratings["T-2"], 2)
    assert [m.to for m in mail.outbox] == [["manager@example.com"]]
    assert "Bob Baker" in mail.outbox[0].body and "Tom Tech" in mail.outbox[0].body


def test_a_case_is_posted_to_the_channels_that_receive_cases(ratings, give, manager):
    channel = ChatChannel.objects.create(
        name="#service",
        kind=ChatChannel.Kind.SLACK,
        webhook_url="http://127.0.0.1:9/services/x",
        events=[ChatEvent.FEEDBACK_CASE],
        language="en",
        created_at=NOW,
    )
    ChatChannel.objects.create(
        name="#alerts",
        kind=ChatChannel.Kind.SLACK,
        webhook_url="http://127.0.0.1:9/services/y",
        events=[ChatEvent.KPI_ALERT],
        created_at=NOW,
    )
    give(ratings["T-1"], 1, "Too slow", execute=False)
    post = ChatPost.objects.get()
    assert (post.channel, post.event, post.status) == (channel, "feedback_case", "queued")
    text = str(post.payload)
    assert "Feedback case: Acme" in text and "Too slow" in text and "T-1" in text


def test_closing_records_the_note_and_the_time_to_close(ratings, give, manager, frozen):
    give(ratings["T-1"], 1)
    case = FeedbackCase.objects.get()
    frozen.move_to(NOW + 4 * HOUR)
    cases.close(case, manager, "Called Ada, replaced the printer", True)
    case.refresh_from_db()
    assert case.status == "closed" and case.contacted is True
    assert case.time_to_close == 3 * HOUR  # opened at NOW + 1 h
    cases.reopen(case)
    case.refresh_from_db()
    assert case.status == "open" and case.closed_at is None and case.time_to_close is None


def test_time_to_close_median_and_average_in_hours():
    durations = [HOUR, 2 * HOUR, 6 * HOUR]
    assert cases.time_to_close(durations) == {"median": 2.0, "average": 3.0}
    assert cases.time_to_close([]) == {"median": None, "average": None}


def test_a_second_close_keeps_the_first_time_to_close(ratings, give, manager, frozen):
    give(ratings["T-1"], 1)
    stale = FeedbackCase.objects.get()
    assert cases.close(FeedbackCase.objects.get(), manager, "Called", True)
    frozen.move_to(NOW + 9 * HOUR)
    assert not cases.close(stale, manager, "Called again", False)
    case = FeedbackCase.objects.get()
    assert case.time_to_close == datetime.timedelta() and case.note == "Called"
