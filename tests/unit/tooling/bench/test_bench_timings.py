"""A run's summary: lost and failed tickets, latency per stage and end to end, achieved throughput."""

from __future__ import annotations

import pytest

from ticketflow_dev.bench.timings import RunSummary, Timing, backlog_figures, overtaken_seconds, timeline


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


def test_overtaken_is_how_long_a_ticket_waited_after_a_later_one_was_final() -> None:
    # GIVEN three tickets in put order: the first final last, 4 s after the third (put later) was
    timings = [
        Timing("a", put_at=0.0, final_at=10.0, status="RESPONDED"),
        Timing("b", put_at=1.0, final_at=5.0, status="RESPONDED"),
        Timing("c", put_at=2.0, final_at=6.0, status="RESPONDED"),
    ]

    # WHEN / THEN "a" was overtaken by 5 s ("b" finished at 5), "b" by nobody, "c" is last put
    assert sorted(overtaken_seconds(timings)) == [0.0, 0.0, 5.0]


def test_backlog_figures_split_goodput_while_offered_from_the_drain_after() -> None:
    # GIVEN tickets put over 10 s: 5 final while puts went on, 5 more final over the 5 s after the last put
    timings = [
        Timing(f"t{i}", put_at=float(i), final_at=float(i) + 0.5, status="RESPONDED") for i in range(5)
    ]
    timings += [Timing(f"u{i}", put_at=10.0, final_at=11.0 + i, status="RESPONDED") for i in range(5)]
    timings.append(Timing("first", put_at=0.0))  # never final

    # WHEN summarised
    figures = backlog_figures(timings)

    # THEN goodput is 5 in 10 s, 6 were still open at the last put, and the drain ran 5 in 5 s
    assert figures["goodput_while_offered"] == pytest.approx(0.5)
    assert figures["backlog_at_last_put"] == 6
    assert figures["drain_rate"] == pytest.approx(1.0)


def test_the_timeline_counts_puts_and_finals_per_second() -> None:
    # GIVEN two tickets put in the first second, final in the first and third
    timings = [
        Timing("a", put_at=100.0, final_at=100.5, status="RESPONDED"),
        Timing("b", put_at=100.2, final_at=102.1, status="RESPONDED"),
    ]

    # WHEN / THEN each second since the first put has its counts
    assert timeline(timings) == {"put": [2, 0, 0, 0], "final": [1, 0, 1, 0]}
