"""The demo report: nearest-rank percentiles, latency summary, counts by outcome."""

from __future__ import annotations

import pytest

from ticketflow_dev.core.stats import latency_summary, percentile
from ticketflow_dev.tickets.demo import summarise
from ticketflow_dev.tickets.producer import Submitted
from ticketflow_dev.tickets.tracking import TicketState

ONE_TO_TEN = [float(n) for n in range(1, 11)]


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [
        (ONE_TO_TEN, 0.5, 5.0),  # rank ceil(0.5 * 10) = 5
        (ONE_TO_TEN, 0.95, 10.0),  # rank ceil(9.5) = 10
        (ONE_TO_TEN, 0.3, 3.0),  # rank ceil(3.0) = 3 (0.3 * 10 is 3.0000000000000004 in floating point)
        (ONE_TO_TEN, 0.0, 1.0),
        (ONE_TO_TEN, 1.0, 10.0),
        ([2.0, 1.0], 0.5, 1.0),  # rank ceil(1) = 1, after sorting
        ([float(n) for n in range(1, 21)], 0.95, 19.0),
        ([float(n) for n in range(1, 101)], 0.95, 95.0),
        ([7.0], 0.99, 7.0),
        ([], 0.5, 0.0),
    ],
)
def test_percentile_is_nearest_rank(values: list[float], share: float, expected: float) -> None:
    # GIVEN values and a share
    # WHEN the percentile is taken
    result = percentile(values, share)

    # THEN it is the value at rank ceil(share * n), the smallest value with at least that share at or below it
    assert result == expected


def test_percentile_is_the_smallest_value_covering_the_share() -> None:
    # GIVEN every list length up to 200 and the shares the report uses
    for count in range(1, 201):
        values = [float(n) for n in range(1, count + 1)]
        for share in (0.5, 0.9, 0.95, 0.99):
            # WHEN the percentile is taken
            result = percentile(values, share)

            # THEN at least `share` of the values are at or below it, and not so for the value before it
            at_or_below = sum(v <= result for v in values)
            assert at_or_below >= share * count - 1e-9, (count, share)
            assert at_or_below - 1 < share * count - 1e-9, (count, share)


def test_latency_summary_rounds_and_handles_no_values() -> None:
    # GIVEN latencies
    latencies = [100.04, 200.0, 300.0, 400.0]

    # WHEN summarised
    summary = latency_summary(latencies)

    # THEN p50, p95, p99, max and mean, to one decimal; zeros without values
    assert summary == {"p50": 200.0, "p95": 400.0, "p99": 400.0, "max": 400.0, "mean": 250.0}
    assert latency_summary([]) == {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0, "mean": 0.0}


def test_summarise_counts_outcomes_latency_and_lost_tickets() -> None:
    # GIVEN four submitted tickets: two responded (the second submitted first), one failed, one never seen
    submitted = [Submitted(f"TKT-20250115-000{n}", put_at=1736933400.0) for n in (2, 1, 3, 4)]
    states = {
        "TKT-20250115-0001": TicketState(
            "TKT-20250115-0001",
            "RESPONDED",
            {"priority": "HIGH", "sentiment": "NEGATIVE", "processed_at": "2025-01-15T09:30:01.500Z"},
        ),
        "TKT-20250115-0002": TicketState(
            "TKT-20250115-0002",
            "RESPONDED",
            {
                "priority": "NORMAL",
                "sentiment": "POSITIVE",
                "processed_at": "2025-01-15T09:30:02.500Z",
                "subject": "Loving it",
                "description": "Thrilled!",
                "response_text": "Thank you. Ticket TKT-20250115-0002",
            },
        ),
        "TKT-20250115-0003": TicketState("TKT-20250115-0003", "FAILED", {}, "States.TaskFailed: boom"),
    }

    # WHEN summarised with one of one expected notification
    report = summarise(submitted, states, notifications=1, expected=1)

    # THEN every count, and latency from put to processed
    assert (report.submitted, report.processed, report.failed, report.rejected, report.lost) == (
        4,
        2,
        1,
        0,
        1,
    )
    assert report.by_priority == {"HIGH": 1, "NORMAL": 1}
    assert report.by_sentiment == {"NEGATIVE": 1, "POSITIVE": 1}
    assert report.latency_ms["max"] == 2500.0
    assert report.latency_ms["p50"] == 1500.0
    assert report.failures == {"TKT-20250115-0003": "States.TaskFailed: boom"}
    assert report.as_json()["notifications"] == 1
    assert report.as_json()["notifications_expected"] == 1
    # AND the sample is the first responded ticket in submission order, with its reply
    assert report.sample == {
        "ticket_id": "TKT-20250115-0002",
        "subject": "Loving it",
        "description": "Thrilled!",
        "sentiment": "POSITIVE",
        "priority": "NORMAL",
        "response_text": "Thank you. Ticket TKT-20250115-0002",
    }
