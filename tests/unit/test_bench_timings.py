"""A run's summary: lost and failed tickets, latency per stage and end to end, achieved throughput."""

from __future__ import annotations

import pytest

from ticketflow_dev.bench.timings import RunSummary, Timing


def test_the_summary_counts_lost_and_failed_and_measures_each_stage() -> None:
    # GIVEN four tickets put one per second: two responded, one failed, one never final
    timings = [
        Timing("TKT-20260101-0001", put_at=100.0, started_at=100.1, final_at=100.3, status="RESPONDED"),
        Timing("TKT-20260101-0002", put_at=101.0, started_at=101.2, final_at=101.6, status="RESPONDED"),
        Timing("TKT-20260101-0003", put_at=102.0, started_at=102.1, final_at=102.5, status="FAILED"),
        Timing("TKT-20260101-0004", put_at=103.0, started_at=103.1),
    ]

    # WHEN summarised
    summary = RunSummary("pipeline", 1.0, timings).as_json()

    # THEN the open ticket is lost and the failed one counted
    assert (summary["count"], summary["lost"], summary["failed"]) == (4, 1, 1)
    # AND latency covers the three final tickets, end to end and per stage, in milliseconds
    assert summary["latency_ms"]["p50"] == pytest.approx(500.0)
    assert summary["latency_ms"]["max"] == pytest.approx(600.0)
    assert summary["stages_ms"]["put_to_start"]["max"] == pytest.approx(200.0)
    assert summary["stages_ms"]["start_to_final"]["p50"] == pytest.approx(400.0)
    # AND throughput is the final tickets over first put to last final status
    assert summary["achieved_rate"] == pytest.approx(3 / 2.5, abs=0.05)
    assert summary["submitted_rate"] == pytest.approx(4 / 3, abs=0.05)
    assert (summary["target"], summary["offered_rate"]) == ("pipeline", 1.0)


def test_a_burst_has_no_submitted_rate_and_nothing_final_means_no_throughput() -> None:
    # GIVEN two tickets put in the same instant, neither final
    timings = [Timing("TKT-20260101-0001", put_at=5.0), Timing("TKT-20260101-0002", put_at=5.0)]

    # WHEN summarised
    summary = RunSummary("floor", None, timings).as_json()

    # THEN both are lost, no rate can be given and the latency figures are zero
    assert (summary["lost"], summary["submitted_rate"], summary["achieved_rate"]) == (2, None, 0.0)
    assert summary["latency_ms"]["p99"] == 0.0
