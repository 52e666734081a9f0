"""Log sources for `ticketflow logs`: the local services' log files and the functions' CloudWatch log
groups, each read from where the last read stopped, so one loop can show them and follow them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ticketflow_dev.journey.evidence import LogEvent
from ticketflow_dev.journey.log_lines import ticket_lines

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient


class LogSource(Protocol):
    name: str

    def read(self) -> list[LogEvent]:
        """The events written since the last read (the first read: since the source's start)."""
        ...


@dataclass
class FileSource:
    """A local service's log file; only complete lines, from `offset` on."""

    name: str
    path: Path
    offset: int = 0

    def read(self) -> list[LogEvent]:
        if not self.path.is_file():
            return []
        with self.path.open("rb") as log:
            log.seek(self.offset)
            data = log.read()
        complete = data[: data.rfind(b"\n") + 1]
        self.offset += len(complete)
        now = datetime.now(UTC)
        text = complete.decode("utf-8", errors="replace")
        return [LogEvent(self.name, str(self.path), now, line) for line in text.splitlines() if line.strip()]


@dataclass
class GroupSource:
    """A function's log group, from `since` on; events are remembered by id, so a poll repeats none."""

    name: str
    group: str
    logs: CloudWatchLogsClient
    since_ms: int
    pattern: str | None = None  # a FilterLogEvents pattern: only the lines naming a ticket
    _seen: set[str] = field(default_factory=set)

    def read(self) -> list[LogEvent]:
        kwargs: dict[str, Any] = {"logGroupName": self.group, "startTime": self.since_ms}
        if self.pattern:
            kwargs["filterPattern"] = f'"{self.pattern}"'
        found = []
        for page in self.logs.get_paginator("filter_log_events").paginate(**kwargs):
            for event in page["events"]:
                key = event.get("eventId") or f"{event['timestamp']}:{event['message']}"
                if key in self._seen:
                    continue
                self._seen.add(key)
                at = datetime.fromtimestamp(event["timestamp"] / 1000, UTC)
                found.append(LogEvent(self.name, self.group, at, event["message"]))
                self.since_ms = max(self.since_ms, event["timestamp"])
        return found


def poll(
    sources: Iterable[LogSource],
    emit: Callable[[LogEvent], None],
    *,
    ticket_id: str | None = None,
    follow: bool = False,
    interval: float = 1.0,
    until: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None],
) -> None:
    """Read every source once (in time order), and with `follow` again every `interval` seconds until
    `until()` holds (Ctrl-C, for a person); with `ticket_id`, only the lines naming that ticket."""
    sources = list(sources)
    while True:
        events = sorted((e for source in sources for e in source.read()), key=lambda e: e.timestamp)
        chosen = [line.event for line in ticket_lines(ticket_id, events)] if ticket_id else events
        for event in chosen:
            emit(event)
        if not follow or until():
            return
        sleep(interval)
