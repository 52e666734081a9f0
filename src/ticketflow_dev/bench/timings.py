"""Per-ticket timings (put → execution start → final status) and their summary for one run."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ticketflow_dev.core.stats import latency_summary, percentile


@dataclass(frozen=True)
class Timing:
    """Epoch seconds; `final_at` is None for a ticket that did not reach a final status (lost)."""

    ticket_id: str
    put_at: float
    started_at: float | None = None
    final_at: float | None = None
    status: str | None = None


def _ms(pairs: list[tuple[float | None, float | None]]) -> list[float]:
    return [(end - start) * 1000 for start, end in pairs if start is not None and end is not None]


def overtaken_seconds(timings: Sequence[Timing]) -> list[float]:
    """Per finished ticket: how long before it a ticket put after it was already final (0: none was).

    A queue served in order gives about 0 to everyone; minutes mean tickets waited while later ones passed.
    """
    finished = sorted((t for t in timings if t.final_at is not None), key=lambda t: t.put_at)
    earliest_later = float("inf")
    overtaken: list[float] = []
    for timing in reversed(finished):
        final_at = timing.final_at or 0.0
        overtaken.append(max(0.0, final_at - earliest_later))
        earliest_later = min(earliest_later, final_at)
    return overtaken


def backlog_figures(timings: Sequence[Timing]) -> dict[str, float | None]:
    """Goodput while tickets were still being offered, the drain rate after the last put, and overtaking."""
    finished = [t for t in timings if t.final_at is not None]
    first_put, last_put = min(t.put_at for t in timings), max(t.put_at for t in timings)
    during = sum(1 for t in finished if (t.final_at or 0.0) <= last_put)
    after = [t.final_at or 0.0 for t in finished if (t.final_at or 0.0) > last_put]
    drain_span = max(after, default=last_put) - last_put
    overtaken = overtaken_seconds(timings)
    return {
        "goodput_while_offered": round(during / (last_put - first_put), 1) if last_put > first_put else None,
        "backlog_at_last_put": len(timings) - during,
        "drain_rate": round(len(after) / drain_span, 1) if drain_span > 0 else None,
        "overtaken_p99_s": round(percentile(overtaken, 0.99), 2),
        "overtaken_max_s": round(max(overtaken, default=0.0), 2),
    }


def timeline(timings: Sequence[Timing]) -> dict[str, list[int]]:
    """Tickets put and tickets final in each whole second since the first put (for the overload's plot)."""
    start = min(t.put_at for t in timings)
    ends = [t.final_at - start for t in timings if t.final_at is not None]
    seconds = math.ceil(max([t.put_at - start for t in timings] + ends)) + 1
    put, final = [0] * seconds, [0] * seconds
    for t in timings:
        put[int(t.put_at - start)] += 1
    for end in ends:
        final[int(end)] += 1
    return {"put": put, "final": final}


@dataclass(frozen=True)
class RunSummary:
    target: str  # "pipeline" or "floor"
    offered_rate: float | None  # tickets per second; None for a burst
    timings: Sequence[Timing]

    @property
    def finished(self) -> list[Timing]:
        return [t for t in self.timings if t.final_at is not None]

    @property
    def achieved_rate(self) -> float:
        """Finished tickets per second, from the first put to the last final status."""
        finished = self.finished
        if not finished:
            return 0.0
        span = max(t.final_at or 0.0 for t in finished) - min(t.put_at for t in self.timings)
        return len(finished) / span if span > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        finished = self.finished
        puts = [t.put_at for t in self.timings]
        put_span = max(puts) - min(puts)
        return {
            "target": self.target,
            "offered_rate": self.offered_rate,
            "submitted_rate": round(len(puts) / put_span, 1) if put_span > 0 else None,  # None: one put
            "achieved_rate": round(self.achieved_rate, 1),
            "count": len(self.timings),
            "lost": len(self.timings) - len(finished),
            "failed": sum(1 for t in finished if t.status not in ("RESPONDED", "SUCCEEDED")),
            "latency_ms": latency_summary(_ms([(t.put_at, t.final_at) for t in finished])),
            "stages_ms": {
                "put_to_start": latency_summary(_ms([(t.put_at, t.started_at) for t in finished])),
                "start_to_final": latency_summary(_ms([(t.started_at, t.final_at) for t in finished])),
            },
            "backlog": backlog_figures(self.timings),
            "per_second": timeline(self.timings),
        }
