"""Latency statistics shared by the demo and the benchmark: nearest-rank percentiles, in milliseconds."""

from __future__ import annotations

import math
import statistics


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    # Rank ceil(share * n); rounded first, as 0.3 * 10 is 3.0000000000000004 in floating point.
    rank = math.ceil(round(share * len(ordered), 9))
    return ordered[min(len(ordered), max(1, rank)) - 1]


def latency_summary(latencies_ms: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(latencies_ms, 0.50), 1),
        "p95": round(percentile(latencies_ms, 0.95), 1),
        "p99": round(percentile(latencies_ms, 0.99), 1),
        "max": round(max(latencies_ms, default=0.0), 1),
        "mean": round(statistics.fmean(latencies_ms), 1) if latencies_ms else 0.0,
    }
