"""The raw pieces a trace reads from each service, before they are correlated into one timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class StreamRecord:
    """The ticket's record on the Kinesis stream."""

    sequence_number: str
    shard_id: str
    partition_key: str
    arrived: datetime  # ApproximateArrivalTimestamp
    size: int


@dataclass(frozen=True)
class LogEvent:
    """One CloudWatch Logs event of one function's log group."""

    service: str  # "trigger" or "lambda:<function folder>"
    group: str
    timestamp: datetime
    message: str


@dataclass(frozen=True)
class ArchiveObject:
    key: str
    etag: str
    size: int
    last_modified: datetime


@dataclass(frozen=True)
class Evidence:
    ticket_id: str
    item: dict[str, Any] | None = None  # the ticket table's item, plain values
    record: StreamRecord | None = None
    history: list[dict[str, Any]] = field(default_factory=list)  # GetExecutionHistory events
    definition: dict[str, Any] | None = None  # the execution's state machine definition
    execution_arn: str | None = None
    log_events: list[LogEvent] = field(default_factory=list)
    archive: ArchiveObject | None = None
    warehouse_row: dict[str, Any] | None = None
    gaps: list[str] = field(default_factory=list)  # what the fetching could not read, and why
