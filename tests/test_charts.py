"""The shared chart helpers (core.charts), the bucket per period (core.periods) and the
number formats (core.units): every expectation worked out by hand."""

import datetime
import json

import pytest
from django.template import Context, Template
from django.utils import translation

from core.charts import (
    CONFIG,
    chart,
    clipped,
    date_label,
    nice_ticks,
    no_data,
    sparkline,
    time_axis,
    value_axis,
)
from core.periods import Period, chart_step
from core.units import MINUS, number
from insights import formatting as fmt

JUNE = datetime.date(2026, 6, 1)


# --- Buckets follow the period ---------------------------------------------------------


@pytest.mark.parametrize(
    "days,step",
    [
        (7, "day"),
        (14, "day"),
        (15, "week"),
        (30, "week"),  # the default period: weekly points, not one monthly dot
        (90, "week"),
        (120, "week"),
        (121, "month"),
        (365, "month"),
    ],
)
def test_the_bucket_follows_the_length_of_the_period(days, step):
    period = Period(JUNE, JUNE + datetime.timedelta(days=days))
    assert chart_step(period) == step


def test_the_default_thirty_days_give_five_or_six_weekly_points():
    # Wednesday 2026-06-03 to Thursday 2026-07-02: Mondays 1.6., 8.6., 15.6., 22.6., 29.6.
    period = Period.through(datetime.date(2026, 6, 3), datetime.date(2026, 7, 2))
    assert period.days == 30
    assert period.steps(chart_step(period)) == [
        datetime.date(2026, 6, 1),
        datetime.date(2026, 6, 8),
        datetime.date(2026, 6, 15),
        datetime.date(2026, 6, 22),
        datetime.date(2026, 6, 29),
    ]


def test_a_short_period_is_drawn_per_day():
    period = Period.through(datetime.date(2026, 2, 27), datetime.date(2026, 3, 2))
    assert period.steps("day") == [
        datetime.date(2026, 2, 27),
        datetime.date(2026, 2, 28),
        datetime.date(2026, 3, 1),
        datetime.date(2026, 3, 2),
    ]


def test_the_first_partial_week_is_drawn_on_the_periods_first_day():
    days = [datetime.date(2026, 6, 1), datetime.date(2026, 6, 8)]
    assert clipped(days, datetime.date(2026, 6, 3)) == [
        datetime.date(2026, 6, 3),
        datetime.date(2026, 6, 8),
    ]
    assert clipped(days, None) == days


# --- Round ticks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "low,high,kwargs,ticks",
    [
        # shares of 7 answers (28.6, 57.1, 85.7 %) get quarters, not their own values
        (0, 85.7, {}, [0, 25, 50, 75, 100]),
        (0, 100, {}, [0, 25, 50, 75, 100]),
        (0, 38, {}, [0, 10, 20, 30, 40]),
        (0, 12, {}, [0, 5, 10, 15]),
        (0, 10, {}, [0, 2.5, 5, 7.5, 10]),
        (-100, 100, {}, [-100, -50, 0, 50, 100]),
        (0, 15183, {"integer": True}, [0, 5000, 10000, 15000, 20000]),
        (0, 3, {"integer": True}, [0, 1, 2, 3]),
        (0, 10, {"integer": True, "most": 5}, [0, 2, 4, 6, 8, 10]),
        (0, 0, {}, [0, 0.25, 0.5, 0.75, 1]),
    ],
)
def test_ticks_are_round(low, high, kwargs, ticks):
    assert nice_ticks(low, high, **kwargs) == ticks


def test_a_percent_axis_prints_round_ticks_in_the_pages_language():
    with translation.override("de"):
        axis = value_axis([28.6, 57.1, 85.7], percent=True)
        assert axis["tickvals"] == [0, 25, 50, 75, 100]
        assert axis["ticktext"] == ["0 %", "25 %", "50 %", "75 %", "100 %"]
        # 4 % of the 100 points of the span on each side, so markers on 0 and 100 show
        assert axis["range"] == [-4, 104]
        assert value_axis([10], percent=True)["ticktext"][1] == "2,5 %"
    with translation.override("en"):
        assert value_axis([10], percent=True)["ticktext"][1] == "2.5 %"
        assert value_axis([15183])["ticktext"][-1] == "20,000"
    with translation.override("de"):
        assert value_axis([15183])["ticktext"][-1] == "20.000"


# --- Dates -----------------------------------------------------------------------------


def test_tick_labels_use_the_pages_month_names():
    march = datetime.date(2026, 3, 2)
    with translation.override("de"):
        assert date_label(march, "week") == "2. Mär"
        assert date_label(march, "month") == "Mär 2026"
        assert date_label(march, "quarter") == "2026 Q1"
    with translation.override("en"):
        assert date_label(march, "week") == "Mar 2"
        assert date_label(march, "month") == "Mar 2026"
        assert date_label(datetime.date(2026, 8, 1), "quarter") == "2026 Q3"


def test_a_long_time_axis_labels_at_most_six_buckets():
    weeks = [JUNE + datetime.timedelta(weeks=n) for n in range(26)]
    with translation.override("en"):
        axis = time_axis(weeks, "week")
    # every ceil(26 / 6) = 5th week: weeks 0, 5, 10, 15, 20, 25
    assert axis["tickvals"] == [weeks[n].isoformat() for n in (0, 5, 10, 15, 20, 25)]
    assert axis["ticktext"][:2] == ["Jun 1", "Jul 6"]


# --- The chart context -----------------------------------------------------------------


def test_a_chart_has_no_mode_bar_a_label_and_the_languages_separators():
    spec = {"data": [{"type": "bar", "x": [JUNE], "y": [1]}], "layout": {}}
    with translation.override("de"):
        german = chart(spec, "c", "Tickets per month", height=200)
    with translation.override("en"):
        english = chart(spec, "c", "Tickets per month")
    assert german["spec"]["config"]["displayModeBar"] is False
    assert CONFIG["displayModeBar"] is False
    assert german["spec"]["layout"]["separators"] == ",."
    assert english["spec"]["layout"]["separators"] == ".,"
    assert german["spec"]["layout"]["height"] == 200
    assert german["label"] == "Tickets per month"
    # serialised by Plotly's encoder: the date becomes ISO text, the script is JSON
    script = str(german["script"])
    assert script.startswith('<script id="c-spec" type="application/json">')
    body = json.loads(script.split(">", 1)[1].rsplit("</script>", 1)[0])
    assert body["data"][0]["x"] == ["2026-06-01"]


def test_an_empty_period_says_so():
    with translation.override("en"):
        assert no_data("c") == {"id": "c", "note": "No data in this period", "empty": True}


# --- Sparklines ------------------------------------------------------------------------


def test_a_sparkline_spans_the_width_with_the_highest_value_at_the_top():
    # x: 0, 50, 100; y: 20 - 2 - (v - 0) / 10 * 16 -> 18, 10, 2
    assert sparkline([0, 5, 10], width=100, height=20) == "0,18 50,10 100,2"


def test_a_sparkline_skips_gaps_and_needs_two_values():
    # 4 values: x = i * 100 / 3 -> 0, 33.3, 66.7, 100; None at index 1 left out
    assert sparkline([1, None, 2, 1], height=24) == "0,22 66.7,2 100,22"
    assert sparkline([None, 3]) == ""
    assert sparkline([]) == ""
    assert sparkline([3, 3, 3], height=24) == "0,12 50,12 100,12"


# --- Numbers ---------------------------------------------------------------------------


def test_numbers_group_thousands_in_the_pages_language():
    with translation.override("de"):
        assert number(15183) == "15.183"
        assert number(3.456, 2) == "3,46"
        # rounded as written, not cut off as Django's number_format does with floats
        assert number(2.675, 2) == "2,68"
        assert number(200 / 3, 1) == "66,7"
        assert number(0.9999, 1) == "1,0"
    with translation.override("en"):
        assert number(15183) == "15,183"
        assert number(1234567.5, 1) == "1,234,567.5"


def test_negative_numbers_carry_a_real_minus_sign():
    with translation.override("de"):
        assert number(-20) == f"{MINUS}20"
        assert number(-1234.5, 1) == f"{MINUS}1.234,5"
        assert number(-0.04, 1) == "0,0"  # rounds to zero: no sign
        assert fmt.number(-33, 0) == "−33"
        assert fmt.signed(-2.5) == "−2,5"
        assert fmt.trend(0.05, 0.08, True, 100, "pp")[0].startswith("▼ −3,0 pp")
    assert MINUS == "\u2212"


def test_the_count_filter_groups_thousands():
    template = Template("{% load units %}{{ n|count }} / {{ none|count }}")
    with translation.override("de"):
        assert template.render(Context({"n": 15183, "none": None})) == "15.183 / —"
    with translation.override("en"):
        assert template.render(Context({"n": -15183, "none": None})) == "−15,183 / —"


def test_whole_hours_read_without_zero_minutes():
    with translation.override("en"):
        assert fmt.duration_minutes(3600) == "1 h"
        assert fmt.duration_minutes(4 * 3600) == "4 h"
        assert fmt.duration_minutes(3900) == "1 h 05 min"
        assert fmt.duration_minutes(12 * 60) == "12 min"
    with translation.override("de"):
        assert fmt.duration_minutes(3900) == "1 Std. 05 Min."
        assert "00" not in fmt.duration_minutes(3600)


def test_the_num_filter_rounds_groups_and_uses_the_minus_sign():
    template = Template("{% load units %}{{ a|num }} {{ b|num:2 }} {{ c|num:1 }}")
    with translation.override("de"):
        assert template.render(Context({"a": -57, "b": 5.675, "c": 1234.56})) == "−57 5,68 1.234,6"
