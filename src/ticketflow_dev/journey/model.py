"""What a ticket's journey is: spans on one clock, each from one service, and what could not be found."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

Outcome = Literal["ok", "error", "retry", "missing"]


@dataclass(frozen=True)
class Span:
    """One step the ticket took. `ended` is None for an instant (a put, a write, a log line)."""

    service: str  # "kinesis" | "trigger" | "stepfunctions" | "lambda:<function>" | "dynamodb" | "s3" | ...
    name: str
    started: datetime  # aware UTC
    ended: datetime | None
    outcome: str  # Outcome
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds(self) -> float | None:
        return None if self.ended is None else (self.ended - self.started).total_seconds()

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {
            "started": self.started.isoformat(),
            "ended": None if self.ended is None else self.ended.isoformat(),
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class Journey:
    ticket_id: str
    status: str | None  # the item's final status, None if no item
    reason: str | None  # why FAILED / REJECTED
    spans: list[Span]  # ordered by started
    gaps: list[str]  # what could not be found, in words

    def pipeline_end(self) -> datetime | None:
        """When the pipeline's last span ended: the warehouse row, loaded by a later ETL run, is left out, so
        that a waterfall's scale is the ticket's own."""
        ends = [s.ended or s.started for s in self.spans if s.service != "warehouse"]
        return max(ends, default=None)

    def as_json(self) -> dict[str, Any]:
        return {
            "ticket_id": self.ticket_id,
            "status": self.status,
            "reason": self.reason,
            "spans": [span.as_json() for span in self.spans],
            "gaps": list(self.gaps),
        }
