"""The survey charts (surveys.charts): a sentence below three points, "no data", round
axes; worked out by hand."""

import datetime

from django.utils import translation

from surveys import charts

MONTHS = [datetime.date(2026, month, 1) for month in (4, 5, 6, 7)]


def month(day, responses=0, nps=None, csat=None, ces=None, rate=None):
    return {
        "month": day,
        "responses": responses,
        "nps": nps,
        "csat": csat,
        "ces": ces,
        "response_rate": rate,
    }


SUMMARY = {"responses": 3, "nps": -33.3, "csat": 0.6667, "ces": 4.5, "response_rate": 0.25}


def test_no_answers_say_no_data():
    rows = [month(day) for day in MONTHS]
    with translation.override("en"):
        assert charts.client_trend(rows, SUMMARY, "c")["note"] == "No data in this period"


def test_two_answered_months_are_a_sentence_with_a_real_minus():
    rows = [month(MONTHS[0], 1, -100, 0.0), month(MONTHS[1], 2, 0, 1.0), month(MONTHS[2])]
    with translation.override("en"):
        trend = charts.client_trend(rows, SUMMARY, "c")
        effort = charts.client_effort(rows, SUMMARY, "e")
    # 0.6667 -> 66.67 % shown without decimals: 67 %
    assert trend["note"] == "In this period: 3 responses, NPS −33, CSAT 67 %"
    assert effort["note"] == "In this period: CES 4.50, response rate 25 %"


def test_three_answered_months_are_drawn_on_a_round_axis():
    rows = [
        month(MONTHS[0], 1, -100, 0.0, 2.0, 0.5),
        month(MONTHS[1], 2, 0, 1.0, 5.0, 1.0),
        month(MONTHS[2], 1, 100, 1.0, 7.0, 0.25),
        month(MONTHS[3]),
    ]
    with translation.override("de"):
        trend = charts.client_trend(rows, SUMMARY, "c")
    nps, csat = trend["spec"]["data"]
    assert nps["y"] == [-100, 0, 100, None]
    assert csat["y"] == [0.0, 100.0, 100.0, None]
    assert trend["spec"]["layout"]["yaxis"]["tickvals"] == [-100, -50, 0, 50, 100]
    assert trend["spec"]["layout"]["yaxis"]["ticktext"][0] == "−100"
    assert trend["spec"]["layout"]["xaxis"]["ticktext"] == [
        "Apr 2026",
        "Mai 2026",
        "Jun 2026",
        "Jul 2026",
    ]


def test_the_pulse_of_two_weeks_is_a_sentence():
    team = [
        {"week": datetime.date(2026, 6, 1), "average": 3.5, "responses": 4},
        {"week": datetime.date(2026, 6, 8), "average": None, "responses": 0},
        {"week": datetime.date(2026, 6, 15), "average": 4.25, "responses": 4},
    ]
    with translation.override("en"):
        result = charts.pulse_team(team, "c")
    assert result["note"] == (
        "Week of 1 Jun 2026: average 3.50 from 4 answers. "
        "Week of 15 Jun 2026: average 4.25 from 4 answers."
    )
