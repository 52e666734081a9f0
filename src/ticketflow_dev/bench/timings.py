"""Per-ticket timings (put → execution start → final status) and their summary for one run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ticketflow_dev.stats import latency_summary


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
        }
