"""Small statistics for the benchmark: percentiles and medians of runs."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (0..100) by the nearest-rank method: the smallest value
    with at least pct % of the values at or below it. Raises ValueError when empty."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= pct <= 100:
        raise ValueError("pct must lie in 0..100")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_summary(samples_ms: Sequence[float]) -> dict:
    """{"p50", "p95", "max", "n"} of one run's latencies in milliseconds."""
    return {
        "p50": percentile(samples_ms, 50),
        "p95": percentile(samples_ms, 95),
        "max": max(samples_ms),
        "n": len(samples_ms),
    }


def median_of_runs(runs: Sequence[dict], key: str) -> float:
    """The median of ``key`` over several runs (each a dict)."""
    return statistics.median(run[key] for run in runs)
