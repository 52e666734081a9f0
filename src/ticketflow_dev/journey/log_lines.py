"""Function log lines → the lines naming a ticket, and the invocations (START…REPORT) that wrote them.

The functions log structured JSON (Powertools) with `ticket_id` and `function_request_id`; the runtime's
own REPORT line of the same request gives the invocation's duration and, by its time, its start.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ticketflow_dev.journey.evidence import LogEvent
from ticketflow_dev.journey.model import Span

_REPORT = re.compile(r"^REPORT RequestId: (?P<id>\S+)\s+Duration: (?P<ms>[\d.]+) ms")
_TROUBLE = ("WARNING", "ERROR", "CRITICAL")  # the trigger warns when it rejects a ticket
# Powertools' fields every line has; what is left is what the line says about the ticket.
_BOILERPLATE = frozenset(
    {
        "level",
        "location",
        "message",
        "timestamp",
        "service",
        "cold_start",
        "function_name",
        "function_memory_size",
        "function_arn",
        "function_request_id",
        "xray_trace_id",
        "ticket_id",
    }
)


@dataclass(frozen=True)
class TicketLine:
    event: LogEvent
    fields: dict[str, Any]  # the JSON line; {} for a plain-text line
    at: datetime

    @property
    def request_id(self) -> str | None:
        value = self.fields.get("function_request_id")
        return str(value) if value else None


def _fields(message: str) -> dict[str, Any]:
    start = message.find("{")
    if start < 0:
        return {}
    try:
        found = json.loads(message[start:])
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _line_time(fields: dict[str, Any], fallback: datetime) -> datetime:
    """The line's own timestamp (Powertools: `2026-12-01 21:55:09,440+0000`), else the event's."""
    try:
        return datetime.strptime(str(fields["timestamp"]), "%Y-%m-%d %H:%M:%S,%f%z").astimezone(UTC)
    except (KeyError, ValueError):
        return fallback


def ticket_lines(ticket_id: str, events: Iterable[LogEvent]) -> list[TicketLine]:
    """The lines naming the ticket: its `ticket_id` field, or the id anywhere in a plain-text line."""
    found = []
    for event in events:
        fields = _fields(event.message)
        named = fields.get("ticket_id") == ticket_id if fields else ticket_id in event.message
        if named:
            found.append(TicketLine(event, fields, _line_time(fields, event.timestamp)))
    return found


def log_spans(ticket_id: str, events: Iterable[LogEvent]) -> tuple[list[Span], list[str]]:
    """A span per line naming the ticket and per invocation that wrote one; gaps for invocations without
    a REPORT line (not flushed yet, or expired)."""
    events = list(events)
    lines = ticket_lines(ticket_id, events)
    spans = [
        Span(
            "logs",
            str(line.fields.get("message") or line.event.message.strip()[:120]),
            line.at,
            None,
            "error" if str(line.fields.get("level", "")).upper() in _TROUBLE else "ok",
            {
                "function": line.event.service,
                "group": line.event.group,
                "level": line.fields.get("level"),
                "request_id": line.request_id,
                **{k: v for k, v in line.fields.items() if k not in _BOILERPLATE},
            },
        )
        for line in lines
    ]
    reports = {
        (event.service, match["id"]): (event, float(match["ms"]))
        for event in events
        if (match := _REPORT.match(event.message.strip()))
    }
    gaps = []
    for service, request_id in dict.fromkeys((line.event.service, line.request_id) for line in lines):
        if request_id is None:
            continue
        if (service, request_id) not in reports:
            gaps.append(f"{service}: no REPORT line for request {request_id}, so its duration is unknown")
            continue
        report, ms = reports[(service, request_id)]
        started = report.timestamp - timedelta(milliseconds=ms)
        spans.append(
            Span(
                service,
                "invocation",
                started,
                report.timestamp,
                "ok",
                {"request_id": request_id, "duration_ms": ms, "group": report.group},
            )
        )
    return spans, gaps


def stream_position(lines: Iterable[TicketLine]) -> tuple[str, str | None] | None:
    """(sequence number, shard id) of the ticket's record, as the trigger logged it."""
    for line in lines:
        if sequence := line.fields.get("sequence_number"):
            shard = line.fields.get("shard_id")
            return str(sequence), str(shard) if shard else None
    return None
