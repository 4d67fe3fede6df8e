"""The benchmark's own arithmetic: percentiles, medians of runs, and the verdicts."""

import pytest

from bench import report
from bench.stats import latency_summary, median_of_runs, percentile


def test_percentiles_by_nearest_rank():
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert percentile(values, 50) == 10
    assert percentile(values, 95) == 19
    assert percentile(values, 100) == 20
    assert percentile([7.0], 95) == 7
    assert percentile([3.0, 1.0, 2.0], 50) == 2


def test_percentile_of_nothing_is_an_error():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_a_figure_is_the_median_of_its_runs():
    runs = [latency_summary([10, 20, 30]), latency_summary([40, 50, 60]), latency_summary([1, 2])]
    assert [r["p50"] for r in runs] == [20, 50, 1]
    assert median_of_runs(runs, "p50") == 20


def _results(**overrides):
    results = {
        "pages": [
            {
                "key": "dashboard",
                "label": "Dashboard",
                "p50_ms": 40.0,
                "p95_ms": 79.0,
                "queries": 19,
            },
            {
                "key": "dashboard_year",
                "label": "Dashboard, year",
                "p50_ms": 60.0,
                "p95_ms": 100.0,
                "queries": 20,
                "same_queries_as": "dashboard",
            },
        ],
        "survey_post": {
            "connections": 32,
            "seconds": 15,
            "post_rps": 240.0,
            "trivial_rps": 1000.0,
            "limit_rps": 489.8,
            "ratio": 0.24,
            "limit_ratio": 0.4898,
            "post_vs_limit": 0.49,
            "post_bad_status": 0,
            "limit_bad_status": 0,
        },
    }
    results.update(overrides)
    return results


def test_verdicts_say_what_was_missed_and_by_how_much():
    rows = {figure: met for figure, _result, _budget, met in report.rows(_results())}
    assert rows["Dashboard"] == "yes"
    # Over the time budget and a query count that moved with the data.
    assert rows["Dashboard, year"].startswith("**no**")
    assert "over by 20.0 ms" in rows["Dashboard, year"]
    # The answer POST against half the limit view's throughput in the same run.
    post = next(met for figure, *_x, met in report.rows(_results()) if "POST" in figure)
    assert post.startswith("**no**") and "short by 1.00 pp" in post
    limit = next(met for figure, *_x, met in report.rows(_results()) if "Limit" in figure)
    assert limit == "yes"


def test_a_partial_run_replaces_only_its_own_rows(monkeypatch):
    table = "\n".join(
        [
            report.START,
            "",
            "Run: 2026-11-23T08:28:29+00:00 with `make bench`",
            "",
            "| Figure | Result | Budget | Met? |",
            "| --- | --- | --- | --- |",
            "| Dashboard | p95 577 ms | p95 ≤ 100 ms | **no** |",
            "| Survey POST | 109 req/s (re-run by hand) | ≥ 25 % | **no** |",
            "| CSV import | 36.6 s | ≤ 30 s | **no** |",
            "",
            report.END,
        ]
    )
    monkeypatch.setattr(
        report,
        "rows",
        lambda results: [
            ("Dashboard", "p95 80 ms", "p95 ≤ 100 ms", "yes"),
            ("CSV import", "8.2 s", "≤ 30 s", "yes"),
            ("New figure", "1 s", "≤ 2 s", "yes"),
        ],
    )
    results = {
        "argv": ["--only", "pages,import"],
        "started_at": "2026-11-23T09:11:13+00:00",
        "machine": {"loadavg": [3.06, 3.2, 3.3]},
        "machine_after": {"loadavg": [2.17, 2.7, 3.0]},
    }
    merged = report.merge_partial(table, results).splitlines()
    note = " (re-run 2026-11-23 09:11 with `--only pages,import`, load average 3.1 to 2.2)"
    assert merged[2] == "Run: 2026-11-23T08:28:29+00:00 with `make bench`"
    assert merged[6] == f"| Dashboard | p95 80 ms{note} | p95 ≤ 100 ms | yes |"
    assert merged[7] == "| Survey POST | 109 req/s (re-run by hand) | ≥ 25 % | **no** |"
    assert merged[8] == f"| CSV import | 8.2 s{note} | ≤ 30 s | yes |"
    assert merged[9] == f"| New figure | 1 s{note} | ≤ 2 s | yes |"
    assert merged[-1] == report.END
    assert report._only({"argv": ["--only=import"]}) == "import"
    assert report._only({"argv": []}) is None
