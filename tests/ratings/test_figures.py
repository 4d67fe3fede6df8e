"""The ticket CSAT figures, hand-computed; the page's and the CSV's query counts; the
client page's ticket CSAT and open cases."""

import datetime

import pytest
from django.urls import reverse

from kpis.models import Ticket
from organisation.models import Client
from ratings import figures
from ratings.models import TicketRating

from .conftest import NOW, make_rating

DAY = datetime.timedelta(days=1)


@pytest.fixture
def beta(db):
    return Client.objects.create(
        external_id="C-2", name="Beta", contract_start=datetime.date(2026, 1, 1)
    )


@pytest.fixture
def rated(cast, beta):
    acme, tina, tom = cast["acme"], cast["tina"], cast["tom"]
    make_rating("A1", acme, tina, "high", 5, resolved_at=NOW - 2 * DAY)
    make_rating("A2", acme, tina, "high", 4, resolved_at=NOW - 3 * DAY)
    make_rating("A3", acme, tom, "low", 1, "Broke again", resolved_at=NOW - 4 * DAY)
    make_rating("A4", acme, tom, "low", None, resolved_at=NOW - 5 * DAY)
    make_rating("B1", beta, tina, "low", 3, "Slow", resolved_at=NOW - 6 * DAY)
    make_rating("B2", beta, None, "high", 5, resolved_at=NOW - 7 * DAY)
    # Outside the last 90 days: only in the trend.
    make_rating(
        "O1",
        acme,
        tina,
        "high",
        1,
        resolved_at=datetime.datetime(2026, 6, 10, 9, tzinfo=datetime.UTC),
    )
    # Resolved in the period, never surveyed.
    Ticket.objects.create(
        external_id="N1",
        client=acme,
        priority="high",
        opened_at=NOW - 3 * DAY,
        resolved_at=NOW - 2 * DAY,
        source="client",
    )
    return cast


def _period():
    from core.periods import preset_period

    return preset_period("90d", NOW.date())


def test_the_totals_count_positive_ratings_and_answers(rated):
    totals = figures.totals(figures.invited(_period()))
    assert totals == {
        "invited": 6,
        "rated": 5,
        "positive": 3,
        "csat": pytest.approx(3 / 5),
        "response_rate": pytest.approx(5 / 6),
    }
    assert figures.surveyed_share(_period()) == {
        "resolved": 7,
        "surveyed": 6,
        "share": pytest.approx(6 / 7),
    }


def test_ticket_csat_per_client_technician_and_priority_worst_first(rated):
    ratings = figures.invited(_period())

    def shares(by):
        return [(r["label"], r["rated"], r["csat"]) for r in figures.grouped(ratings, by)]

    assert shares("client") == [("Beta", 2, 0.5), ("Acme", 3, pytest.approx(2 / 3))]
    assert shares("technician") == [
        ("Tom Tech", 1, 0.0),
        ("Tina Tech", 3, pytest.approx(2 / 3)),
        (None, 1, 1.0),
    ]
    assert [(r["key"], r["csat"]) for r in figures.grouped(ratings, "priority")] == [
        ("low", 0.0),
        ("high", 1.0),
    ]


def test_the_trend_counts_each_month_and_the_latest_comments_come_first(rated):
    from core.periods import Period

    months = figures.monthly(figures.invited(Period(datetime.date(2026, 1, 1), NOW.date())))
    assert [(m["month"], m["rated"], m["positive"]) for m in months] == [
        (datetime.date(2026, 6, 1), 1, 0),
        (datetime.date(2026, 11, 1), 5, 3),
    ]
    comments = figures.latest_comments(figures.invited(_period()))
    assert [r.comment for r in comments] == ["Broke again", "Slow"]


def test_the_figures_page_and_csv_show_the_figures(rated, client, manager):
    client.force_login(manager)
    page = client.get(reverse("ratings:figures")).content.decode()
    assert 'data-testid="figures-client"' in page and "Broke again" in page
    assert "3 von 5 Bewertungen positiv" in page and "6 von 7 gelösten Tickets" in page
    csv = client.get(reverse("ratings:figures_export")).content.decode()
    assert "Beta,2,2,1,50" in csv.replace(".00", "")


@pytest.mark.parametrize("extra", [0, 20])
def test_the_figures_pages_keep_a_fixed_number_of_queries(
    rated, client, manager, technician_user, django_assert_max_num_queries, extra
):
    for n in range(extra):
        make_rating(f"X{n}", rated["acme"], rated["tom"], "low", 1 + n % 5, f"c{n}", NOW - DAY)
    client.force_login(manager)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("ratings:figures")).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("ratings:figures_export")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("ratings:case_list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("ratings:case_list"), {"status": "all"}).status_code == 200


def test_the_client_page_shows_its_ticket_csat_and_open_cases(rated, client, manager):
    client.force_login(manager)
    page = client.get(reverse("insights:client_detail", args=[rated["acme"].pk]))
    assert page.context["ticket_csat"]["csat"] == pytest.approx(2 / 3)
    cases = page.context["open_cases"]
    # O1 (June) and A3 are open cases of Acme; Beta's B1 is not shown here.
    assert [c.rating.ticket.external_id for c in cases] == ["O1", "A3"]
    html = page.content.decode()
    assert 'data-testid="client-ticket-csat"' in html and "Broke again" in html


def test_ratings_of_skipped_tickets_do_not_count(rated):
    TicketRating.objects.filter(ticket__external_id="A4").update(status=TicketRating.Status.SKIPPED)
    assert figures.totals(figures.invited(_period()))["invited"] == 5
