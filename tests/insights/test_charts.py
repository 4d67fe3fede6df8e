"""The insights charts (insights.charts) and what the pages draw with them: buckets per
period, a sentence below three points, "no data", states as colours, the threshold as a
line, quarter labels, labelled images. Expectations worked out by hand."""

import datetime
import json
import re
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from core.charts import STATE_COLORS, THRESHOLD_COLOR
from insights import charts
from kpis import rollups
from tests.kpis.conftest import make_client, tickets

NOW = datetime.datetime(2026, 3, 20, 11, tzinfo=datetime.UTC)


def week(start, tickets=0, escalated=0):
    """A row as kpis.metrics.series gives it, for the escalation figures."""
    return {
        "start": start,
        "tickets": tickets,
        "share": escalated / tickets if tickets else None,
        "totals": {"tickets": tickets, "escalated": escalated},
    }


MONDAYS = [datetime.date(2026, 6, 1) + datetime.timedelta(weeks=n) for n in range(4)]


def test_an_empty_period_says_no_data():
    rows = [week(day) for day in MONDAYS]
    result = charts.escalation_trend(rows, "week", "c")
    assert result["note"] == "No data in this period" and result["empty"]
    assert "spec" not in result


def test_fewer_than_three_points_become_a_sentence():
    # 1 of 5 and 0 of 7: 1 of 12 tickets escalated = 8.33 %
    rows = [week(MONDAYS[0], 5, 1), week(MONDAYS[1]), week(MONDAYS[2], 7, 0), week(MONDAYS[3])]
    result = charts.escalation_trend(rows, "week", "c")
    assert result["note"] == "In this period: 12 tickets, 8.3 % escalated"
    assert "spec" not in result


def test_the_sentence_groups_thousands():
    rows = [week(MONDAYS[0], 15183, 1260)]  # 1260 / 15183 = 8.2987 %
    with translation.override("de"):
        # the German catalogue may still lack the sentence: the figures are German anyway
        assert "15.183" in charts.escalation_trend(rows, "week", "c")["note"]
        assert "8,3 %" in charts.escalation_trend(rows, "week", "c")["note"]


def test_three_points_are_drawn_as_percentages_over_the_weeks():
    rows = [
        week(MONDAYS[0], 4, 1),
        week(MONDAYS[1]),
        week(MONDAYS[2], 8, 1),
        week(MONDAYS[3], 5, 0),
    ]
    result = charts.escalation_trend(rows, "week", "c", since=datetime.date(2026, 6, 3))
    [line] = result["spec"]["data"]
    # the first week is drawn on the period's first day, Wednesday 3 June
    assert line["x"] == ["2026-06-03", "2026-06-08", "2026-06-15", "2026-06-22"]
    assert line["y"] == [25.0, None, 12.5, 0.0]
    layout = result["spec"]["layout"]
    assert layout["yaxis"]["tickvals"] == [0, 10, 20, 30]  # 0..25: steps of 10
    assert layout["xaxis"]["ticktext"] == ["Jun 3", "Jun 8", "Jun 15", "Jun 22"]
    assert result["title"] == "Escalation share per week"
    assert result["label"].startswith("Escalation share per week (Jun 3 – Jun 22).")
    assert "Escalation share: last 0.0 %, from 0.0 % to 25.0 %." in result["label"]


def test_the_proactive_lines_are_named_in_the_language_of_the_page():
    rows = [
        {**week(monday, 4, 1), **dict.fromkeys(key for key, _label in charts.PROACTIVE_SERIES)}
        for monday in MONDAYS[:3]
    ]
    for language, first in (
        ("de", "Vor einem Ausfall gelöst"),
        ("en", "Resolved before a failure"),
    ):
        with translation.override(language):
            result = charts.proactive_trend(rows, "week", "c")
        assert result["spec"]["data"][0]["name"] == first


def _state(name, share, threshold, state):
    return {"state": SimpleNamespace(name=name, share=share, threshold=threshold, state=state)}


def test_clients_are_horizontal_bars_coloured_by_state_with_their_threshold():
    rows = [
        _state("Acme", 0.125, 0.10, "breach"),
        _state("Beta", 0.085, 0.10, "warning"),
        _state("Gamma", 0.04, 0.08, "ok"),
        _state("Delta", 0.5, 0.10, "not_judged"),
        _state("Epsilon", None, 0.10, "not_judged"),  # no tickets: not drawn
    ]
    result = charts.clients_against_threshold(rows, "c")
    data = result["spec"]["data"]
    bars = {trace["name"]: trace for trace in data if trace["type"] == "bar"}
    assert all(trace["orientation"] == "h" for trace in bars.values())
    assert bars["Over threshold"]["y"] == ["Acme"]
    assert bars["Over threshold"]["x"] == [12.5]
    assert bars["Over threshold"]["marker"]["color"] == STATE_COLORS["breach"] == "#dc3545"
    assert bars["Approaching threshold"]["y"] == ["Beta"]
    assert bars["Approaching threshold"]["marker"]["color"] == STATE_COLORS["warning"]
    assert bars["OK"]["x"] == [4.0]
    assert bars["OK"]["marker"]["color"] == STATE_COLORS["ok"]
    [threshold] = [trace for trace in data if trace["type"] == "scatter"]
    assert threshold["name"] == "Threshold"
    assert threshold["y"] == ["Acme", "Beta", "Gamma", "Delta"]
    assert threshold["x"] == [10.0, 10.0, 8.0, 10.0]
    assert threshold["marker"]["symbol"] == "line-ns-open"
    assert threshold["marker"]["color"] == THRESHOLD_COLOR
    yaxis = result["spec"]["layout"]["yaxis"]
    assert yaxis["categoryarray"] == ["Acme", "Beta", "Gamma", "Delta"]
    assert yaxis["autorange"] == "reversed"  # the first (highest) on top
    assert result["spec"]["layout"]["xaxis"]["tickvals"] == [0, 20, 40, 60]  # 0..50
    assert result["label"].startswith(
        "Escalation share per client against its threshold: 1 above the threshold, "
        "1 close to it, 1 below it."
    )


def test_no_client_with_tickets_says_no_data():
    result = charts.clients_against_threshold([_state("Acme", None, 0.1, "not_judged")], "c")
    assert result["empty"]


def _quarter(label, job, rate, pulse=None):
    return {"label": label, "job_satisfaction": job, "rate": rate, "pulse": pulse}


def test_the_turnover_scatter_names_quarters_in_the_hover_not_beside_the_points():
    quarters = [
        _quarter("2025 Q1", 7.0, 0.1),
        _quarter("2025 Q2", 6.9, 0.0),
        _quarter("2025 Q3", None, 0.05),
        _quarter("2025 Q4", 8.5, 0.0),
    ]
    result = charts.turnover_scatter(quarters, 9.0, None, "c")
    [points] = result["spec"]["data"]
    assert points["mode"] == "markers" and "text" not in points
    assert points["customdata"] == ["2025 Q1", "2025 Q2", "2025 Q4"]
    assert points["x"] == [7.0, 6.9, 8.5]
    assert points["y"] == [10.0, 0.0, 0.0]
    xaxis = result["spec"]["layout"]["xaxis"]
    assert xaxis["tickvals"] == [0, 2, 4, 6, 8, 10]
    assert result["spec"]["layout"]["shapes"][0]["x0"] == 9.0


def test_two_quarters_are_a_sentence():
    quarters = [_quarter("2025 Q1", 7.0, 0.1), _quarter("2025 Q2", 6.5, 0.0)]
    result = charts.turnover_scatter(quarters, 9.0, None, "c")
    assert result["note"] == (
        "2025 Q1: job satisfaction 7.0, turnover 10.0 %. "
        "2025 Q2: job satisfaction 6.5, turnover 0.0 %."
    )


# --- The pages -------------------------------------------------------------------------


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _specs(html: str) -> dict:
    return {
        chart_id: json.loads(body)
        for chart_id, body in re.findall(
            r'<script id="([\w-]+)-spec" type="application/json">(.*?)</script>', html, re.S
        )
    }


def _march(kpi_settings):
    client = make_client("Acme", start=datetime.date(2025, 1, 1))
    # 20 February to 20 March (the default 30 days): tickets in four weeks
    for day, escalated in (
        (datetime.date(2026, 2, 24), 1),
        (datetime.date(2026, 3, 3), 2),
        (datetime.date(2026, 3, 10), 0),
        (datetime.date(2026, 3, 17), 1),
    ):
        tickets(client, day, 10, escalated=escalated)
    rollups.rebuild_all()
    return client


def test_the_escalation_page_draws_the_default_period_per_week(
    manager_client, frozen, kpi_settings
):
    _march(kpi_settings)
    html = manager_client.get(reverse("insights:escalations")).content.decode()
    trend = _specs(html)["chart-escalations-trend"]
    # 19 February (a Thursday) to 20 March: the weeks of 16.2., 23.2., 2.3., 9.3., 16.3.,
    # the first drawn on 19 February
    assert trend["data"][0]["x"] == [
        "2026-02-19",
        "2026-02-23",
        "2026-03-02",
        "2026-03-09",
        "2026-03-16",
    ]
    assert trend["data"][0]["y"] == [None, 10.0, 20.0, 0.0, 10.0]
    assert trend["config"]["displayModeBar"] is False
    assert 'role="img" aria-label="' in html
    clients = _specs(html)["chart-escalations-clients"]
    assert clients["data"][0]["orientation"] == "h"


def test_a_period_without_tickets_says_no_data_instead_of_blank_axes(
    manager_client, frozen, kpi_settings
):
    _march(kpi_settings)
    html = manager_client.get(
        reverse("insights:proactive"),
        {"period": "custom", "start": "2025-01-01", "end": "2025-01-31"},
    ).content.decode()
    assert 'data-testid="chart-empty"' in html
    assert "chart-proactive-spec" not in html


def test_every_chart_on_the_dashboard_is_a_labelled_image_and_tiles_have_trends(
    manager_client, frozen, kpi_settings
):
    _march(kpi_settings)
    html = manager_client.get(reverse("insights:dashboard")).content.decode()
    charts_drawn = re.findall(r'<div id="([\w-]+)" class="plotly-chart"[^>]*>', html)
    assert charts_drawn == ["chart-escalation-weekly"]
    # proactive IT per month: February and March only, said in a sentence
    assert 'id="chart-proactive-monthly" class="chart-note' in html
    for tag in re.findall(r'<div id="[\w-]+" class="plotly-chart"[^>]*>', html):
        assert 'role="img"' in tag
        label = re.search(r'aria-label="([^"]*)"', tag).group(1)
        assert len(label) > 20
    assert 'data-testid="spark-escalation"' in html
    assert '"displayModeBar": true' not in html


def test_the_dashboard_groups_thousands_of_tickets(manager_client, frozen, kpi_settings):
    client = make_client("Acme", start=datetime.date(2025, 1, 1))
    tickets(client, datetime.date(2026, 3, 10), 1234, escalated=0)
    rollups.rebuild_all()
    response = manager_client.get(reverse("insights:dashboard"))
    escalation = next(t for t in response.context["tiles"] if t["key"] == "escalation")
    assert "1.234" in escalation["hint"]


def test_the_benchmark_and_inflection_labels_never_overlap():
    quarters = [_quarter(f"2025 Q{n}", 5.0 + n, 0.1) for n in (1, 2, 3)]
    result = charts.turnover_scatter(quarters, 9.0, 6.3, "c")
    benchmark, inflection = result["spec"]["layout"]["annotations"]
    # above the plot, on two rows, each ending at its line
    assert (benchmark["x"], benchmark["xanchor"], benchmark["yshift"]) == (9.0, "right", 0)
    assert (inflection["x"], inflection["xanchor"], inflection["yshift"]) == (6.3, "right", 18)
    assert benchmark["y"] == inflection["y"] == 1 and benchmark["yanchor"] == "bottom"
    low = charts.turnover_scatter(quarters, 9.0, 2.5, "c")["spec"]["layout"]["annotations"][1]
    assert low["xanchor"] == "left"  # starts at a line in the left half: not cut off


def test_quarter_ticks_name_the_year_where_it_begins():
    labels = ["2025 Q3", "2025 Q4", "2026 Q1", "2026 Q2"]
    quarters = [_quarter(label, 7.0, 0.1) for label in labels]
    xaxis = charts.turnover_trend(quarters, "c")["spec"]["layout"]["xaxis"]
    assert xaxis["tickvals"] == labels
    # "\n" becomes Plotly's line break when the spec is escaped
    assert xaxis["ticktext"] == ["Q3<br>2025", "Q4", "Q1<br>2026", "Q2"]
    assert xaxis["tickangle"] == 0
