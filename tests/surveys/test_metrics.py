"""The survey formulas against hand-computed sets, and the database aggregates."""

import datetime

import pytest

from core.periods import Period, day_start
from surveys import metrics
from surveys.models import Campaign, SurveyKind
from tests.surveys.helpers import (
    answer,
    campaign,
    client_answer,
    invite,
    make_client,
    make_contact,
    make_technician,
    publish_quarters,
)

D = datetime.date
P = Period


# --- Formulas on counts -------------------------------------------------------------


def test_nps_is_share_of_promoters_minus_share_of_detractors_in_points():
    # 3 promoters, 2 detractors of 7 answers: (3 - 2) / 7 * 100 = 14.2857...
    assert metrics.nps_from_counts(3, 2, 7) == pytest.approx(100 / 7)
    assert metrics.nps_from_counts(1, 0, 1) == 100
    assert metrics.nps_from_counts(0, 1, 1) == -100
    assert metrics.nps_from_counts(0, 0, 0) is None


def test_a_share_is_part_of_whole_between_0_and_1():
    assert metrics.share(2, 5) == pytest.approx(0.4)
    assert metrics.share(3, 3) == 1
    assert metrics.share(0, 1) == 0
    assert metrics.share(0, 0) is None


# --- Database aggregates ----------------------------------------------------------------


@pytest.fixture
def client_set(db):
    """Two clients, hand-computed:

    A (Jan): csat 5, 4, 2 | nps 10, 9, 3 | ces 7, 6, 2   -> CSAT 2/3, NPS 33.3, CES 5
    B (Feb): csat 3       | nps 7        | ces 4         -> CSAT 0,   NPS 0,    CES 4
    All:     CSAT 2/4 = 0.5, NPS (2 - 1)/4 = 25 points, CES 19/4 = 4.75
    One more invitation to B is sent in February and not answered.
    """
    camp = campaign(SurveyKind.CLIENT_ONBOARDING)
    a, b = make_client("A"), make_client("B")
    client_answer(camp, a, 5, 10, 7, D(2026, 1, 5))
    client_answer(camp, a, 4, 9, 6, D(2026, 1, 20))
    client_answer(camp, a, 2, 3, 2, D(2026, 1, 31))
    client_answer(camp, b, 3, 7, 4, D(2026, 2, 3))
    invite(camp, make_contact(b), sent_at=day_start(D(2026, 2, 10)))
    return a, b


def test_client_onboarding_summary_matches_the_hand_computed_set(client_set):
    summary = metrics.client_onboarding_summary(P(D(2026, 1, 1), D(2026, 3, 1)))
    assert summary["csat"] == pytest.approx(0.5)
    assert summary["nps"] == pytest.approx(25)
    assert summary["ces"] == pytest.approx(4.75)
    assert summary["responses"] == 4
    assert summary["invited"] == 5
    assert summary["response_rate"] == pytest.approx(0.8)


def test_the_end_date_is_excluded_and_the_start_included(client_set):
    january = metrics.client_onboarding_summary(P(D(2026, 1, 5), D(2026, 1, 31)))
    assert january["responses"] == 2  # 5 Jan and 20 Jan, not 31 Jan
    assert january["csat"] == 1


def test_client_onboarding_summary_of_an_empty_period_is_none_everywhere(client_set):
    summary = metrics.client_onboarding_summary(P(D(2025, 1, 1), D(2025, 6, 1)))
    assert summary == {
        "nps": None,
        "csat": None,
        "ces": None,
        "responses": 0,
        "invited": 0,
        "response_rate": None,
    }


def test_client_filter_and_by_client(client_set):
    a, b = client_set
    only_b = metrics.client_onboarding_summary(P(D(2026, 1, 1), D(2026, 3, 1)), client_ids=[b.id])
    assert only_b["responses"] == 1 and only_b["invited"] == 2
    by_client = metrics.client_onboarding_by_client(P(D(2026, 1, 1), D(2026, 3, 1)))
    assert set(by_client) == {a.id, b.id}
    assert by_client[a.id]["csat"] == pytest.approx(2 / 3)
    assert by_client[a.id]["nps"] == pytest.approx(100 / 3)
    assert by_client[a.id]["ces"] == pytest.approx(5)
    assert by_client[b.id]["nps"] == 0
    assert by_client[b.id]["response_rate"] == 0.5


def test_by_month_lists_every_month_with_empty_months_as_none(client_set):
    months = metrics.client_onboarding_by_month(P(D(2026, 1, 1), D(2026, 4, 1)))
    assert [m["month"] for m in months] == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]
    assert months[0]["responses"] == 3 and months[0]["ces"] == pytest.approx(5)
    assert months[1]["csat"] == 0 and months[1]["invited"] == 2
    assert months[2]["nps"] is None and months[2]["responses"] == 0


def test_the_aggregates_take_a_bounded_number_of_queries(client_set, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        metrics.client_onboarding_summary(P(D(2026, 1, 1), D(2026, 3, 1)))
    with django_assert_max_num_queries(2):
        metrics.client_onboarding_by_month(P(D(2026, 1, 1), D(2026, 3, 1)))


def test_pulse_average_and_by_week(db):
    camp = campaign(SurveyKind.PULSE)
    # Week of 2 Nov 2026: 4 and 2 -> 3; week of 9 Nov: 5
    for value, day in [(4, D(2026, 11, 2)), (2, D(2026, 11, 6)), (5, D(2026, 11, 13))]:
        answer(invite(camp, make_technician()), {"week": value}, submitted_on=day)
    assert metrics.pulse_average(P(D(2026, 11, 1), D(2026, 11, 14))) == pytest.approx(11 / 3)
    assert metrics.pulse_average(P(D(2026, 12, 1), D(2026, 12, 14))) is None
    weeks = metrics.pulse_average_by_period(P(D(2026, 11, 2), D(2026, 11, 23)), "week")
    assert weeks == [
        {"period_start": D(2026, 11, 2), "average": 3.0, "responses": 2},
        {"period_start": D(2026, 11, 9), "average": 5.0, "responses": 1},
        {"period_start": D(2026, 11, 16), "average": None, "responses": 0},
    ]


def _in_depth_in_april(values, status=Campaign.Status.CLOSED):
    camp = campaign(SurveyKind.IN_DEPTH, status=status, send_at=day_start(D(2026, 4, 15)))
    for value in values:
        answer(
            invite(camp, make_technician()),
            {"job_satisfaction": value},
            submitted_on=D(2026, 4, 20),
        )
    return camp


def test_job_satisfaction_is_read_from_published_quarters_only(db, settings):
    settings.SURVEY_MIN_AGGREGATE = 5
    _in_depth_in_april([8, 6, 7, 9, 5])
    # Five people answered a closed campaign, but the quarter has not been decided yet.
    assert metrics.job_satisfaction_average(P(D(2026, 4, 1), D(2026, 7, 1))) is None
    assert metrics.job_satisfaction_by_quarter(P(D(2026, 4, 1), D(2026, 7, 1))) == [
        {"period_start": D(2026, 4, 1), "average": None, "responses": 0}
    ]
    assert publish_quarters(D(2026, 7, 1)) == {"published": 1, "withheld": 0}
    # (8 + 6 + 7 + 9 + 5) / 5 = 7
    assert metrics.job_satisfaction_average(P(D(2026, 4, 1), D(2026, 7, 1))) == pytest.approx(7)
    quarters = metrics.job_satisfaction_by_quarter(P(D(2026, 1, 1), D(2026, 7, 1)))
    assert quarters == [
        {"period_start": D(2026, 1, 1), "average": None, "responses": 0},
        {"period_start": D(2026, 4, 1), "average": 7.0, "responses": 5},
    ]


def test_job_satisfaction_of_four_people_is_withheld_for_good(db, settings):
    settings.SURVEY_MIN_AGGREGATE = 5
    camp = _in_depth_in_april([8, 6, 7, 9])
    assert publish_quarters(D(2026, 7, 1)) == {"published": 0, "withheld": 1}
    assert metrics.job_satisfaction_average(P(D(2026, 4, 1), D(2026, 7, 1))) is None
    # A fifth answer stored after the decision (only possible outside the product) changes
    # nothing: the quarter was decided once.
    answer(invite(camp, make_technician()), {"job_satisfaction": 5}, submitted_on=D(2026, 7, 2))
    assert publish_quarters(D(2026, 7, 3)) == {"published": 0, "withheld": 0}
    assert metrics.job_satisfaction_by_quarter(P(D(2026, 4, 1), D(2026, 7, 1))) == [
        {"period_start": D(2026, 4, 1), "average": None, "responses": 0}
    ]


def test_the_year_pools_published_quarters_by_people(db, settings):
    settings.SURVEY_MIN_AGGREGATE = 5
    _in_depth_in_april([8, 6, 7, 9, 5])  # 7.0 over 5 people
    july = campaign(
        SurveyKind.IN_DEPTH, status=Campaign.Status.CLOSED, send_at=day_start(D(2026, 7, 15))
    )
    for value in (4, 4, 4, 4, 4, 10):  # 30 / 6 = 5.0 over 6 people
        answer(invite(july, make_technician()), {"job_satisfaction": value})
    publish_quarters(D(2026, 10, 1))
    # (7 * 5 + 5 * 6) / 11 = 65 / 11
    assert metrics.job_satisfaction_average(P(D(2026, 1, 1), D(2027, 1, 1))) == pytest.approx(
        65 / 11
    )
