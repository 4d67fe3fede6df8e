"""The managers' feedback cases pages and CSV; a technician's own ratings page."""

import datetime

import pytest
from django.urls import reverse

from organisation.models import Technician
from ratings.models import FeedbackCase

from .conftest import NOW, make_rating

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def three_cases(cast):
    acme, tina, tom = cast["acme"], cast["tina"], cast["tom"]
    newer = make_rating("T-7", acme, tina, "high", 2, "Late", resolved_at=NOW - 2 * HOUR)
    older = make_rating("T-8", acme, tom, "high", 1, "Rude", resolved_at=NOW - 30 * HOUR)
    make_rating("T-9", acme, tom, "low", 5, "Fine", resolved_at=NOW - 3 * HOUR)  # no case
    neutral = make_rating("T-6", acme, tina, "low", 3, "Meh", resolved_at=NOW - 5 * HOUR)
    return {
        "newer": newer.case,
        "older": older.case,
        "neutral": neutral.case,
    }


def test_open_cases_are_listed_oldest_first(three_cases, client, manager):
    client.force_login(manager)
    page = client.get(reverse("ratings:case_list"))
    numbers = [c.rating.ticket.external_id for c in page.context["page"].object_list]
    assert numbers == ["T-8", "T-6", "T-7"]
    assert page.context["open_count"] == 3


def test_a_case_is_closed_with_a_note_and_its_time_to_close_shown(
    three_cases, client, manager, frozen
):
    client.force_login(manager)
    case = three_cases["older"]  # opened an hour after its resolution: NOW - 29 h
    url = reverse("ratings:case_detail", args=[case.pk])
    refused = client.post(url, {"action": "close", "note": "  ", "contacted": "yes"})
    assert refused.status_code == 200
    assert "Beschreiben Sie vor dem Abschließen, was getan wurde." in refused.content.decode()
    assert FeedbackCase.objects.get(pk=case.pk).status == "open"
    done = client.post(url, {"action": "close", "note": "Called them", "contacted": "yes"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.note, case.contacted, case.closed_by) == (
        "closed",
        "Called them",
        True,
        manager,
    )
    assert case.time_to_close == 29 * HOUR
    listing = client.get(reverse("ratings:case_list"))
    assert [c.pk for c in listing.context["page"].object_list] == [
        three_cases["neutral"].pk,
        three_cases["newer"].pk,
    ]
    assert listing.context["time_to_close"] == {"median": 29.0, "average": 29.0}
    closed = client.get(reverse("ratings:case_list"), {"status": "closed"})
    assert [c.pk for c in closed.context["page"].object_list] == [case.pk]
    detail = client.get(url).content.decode()
    assert "29,0 Std." in detail
    csv = b"".join(
        client.get(reverse("ratings:case_export"), {"status": "all"}).streaming_content
    ).decode()
    assert "Called them" in csv and "Rude" in csv and "29" in csv
    reopened = client.post(url, {"action": "reopen"})
    assert reopened.status_code == 302
    case.refresh_from_db()
    assert case.status == "open" and case.closed_at is None


def test_a_bad_filter_is_a_clear_error_not_a_500(three_cases, client, manager):
    client.force_login(manager)
    page = client.get(reverse("ratings:case_list"), {"start": "2026-13-45"})
    assert page.status_code == 200
    csv = client.get(reverse("ratings:case_export"), {"start": "2026-13-45"})
    assert csv.status_code == 400


@pytest.fixture
def own_technician(technician_user):
    return Technician.objects.create(
        external_id="T-77",
        name="Tim Technik",
        email="tim@msp.example",
        hire_date=datetime.date(2024, 1, 1),
        user=technician_user,
    )


def test_a_technician_sees_only_their_own_ratings(cast, own_technician, client, technician_user):
    acme = cast["acme"]
    make_rating("T-31", acme, own_technician, "high", 5, "Tim was great", NOW - HOUR)
    make_rating("T-32", acme, own_technician, "high", 1, "Tim was slow", NOW - 2 * HOUR)
    make_rating("T-33", acme, cast["tina"], "high", 1, "Tina forgot us", NOW - HOUR)
    client.force_login(technician_user)
    page = client.get(reverse("ratings:mine"))
    html = page.content.decode()
    assert "Tim was great" in html and "Tim was slow" in html
    assert "Tina forgot us" not in html and "T-33" not in html
    assert page.context["totals"]["csat"] == 0.5
    assert html.count('data-testid="my-rating-row"') == 2
    assert "Contact T-31" in html  # the contact as on the ticket


def test_a_technician_without_a_record_sees_a_hint(client, technician_user):
    client.force_login(technician_user)
    page = client.get(reverse("ratings:mine"))
    assert page.status_code == 200 and page.context["technician"] is None


def test_the_ratings_list_links_a_rating_to_its_case(three_cases, client, manager):
    client.force_login(manager)
    page = client.get(reverse("ratings:list")).content.decode()
    assert page.count('data-testid="rating-case"') == 3  # T-9 (positive) has none
    assert reverse("ratings:case_detail", args=[three_cases["older"].pk]) in page
