"""Evidence from every service → one Journey: spans on one clock, in order, and what is missing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ticketflow.model import Priority
from ticketflow.ticket_store import Status
from ticketflow_dev.journey.evidence import ArchiveObject, Evidence
from ticketflow_dev.journey.history import execution_timeline
from ticketflow_dev.journey.log_lines import log_spans, ticket_lines
from ticketflow_dev.journey.model import Journey, Span

NO_ITEM = "no item in the ticket table: never received (dropped by the stream filter, on its way, or a typo)"


def parse_time(text: str) -> datetime:
    """An ISO timestamp from the table (`…Z` or `+00:00`; naive taken as UTC) as aware UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def _status_writes(item: dict[str, Any]) -> list[Span]:
    """The item's transitions: RECEIVED by the trigger, the others by the state machine."""
    spans = []
    for entry in item.get("history", []):
        status = entry.get("status", "?")
        outcome = "error" if status in (Status.FAILED, Status.REJECTED) else "ok"
        detail = {"status": status} | ({"reason": entry["reason"]} if entry.get("reason") else {})
        spans.append(Span("dynamodb", f"{status} write", parse_time(entry["at"]), None, outcome, detail))
    return spans


def _archive_span(archive: ArchiveObject, evidence: Evidence) -> Span:
    """Placed when the writer logged the key: S3's LastModified has whole seconds only."""
    logged = [
        line.at
        for line in ticket_lines(evidence.ticket_id, evidence.log_events)
        if line.fields.get("key") == archive.key
    ]
    detail = {
        "key": archive.key,
        "etag": archive.etag,
        "bytes": archive.size,
        "last_modified": archive.last_modified.isoformat(),
    }
    return Span("s3", "archive object", logged[0] if logged else archive.last_modified, None, "ok", detail)


def _pieces(evidence: Evidence) -> list[Span]:
    """The stream record, the archive object and the warehouse row, each found or not."""
    spans: list[Span] = []
    if (record := evidence.record) is not None:
        spans.append(
            Span(
                "kinesis",
                "PutRecord",
                record.arrived,
                None,
                "ok",
                {
                    "sequence_number": record.sequence_number,
                    "shard_id": record.shard_id,
                    "partition_key": record.partition_key,
                    "bytes": record.size,
                },
            )
        )
    if (archive := evidence.archive) is not None:
        spans.append(_archive_span(archive, evidence))
    if (row := evidence.warehouse_row) is not None:
        loaded = row["loaded_at"]
        loaded_at = parse_time(loaded) if isinstance(loaded, str) else loaded.astimezone(UTC)
        spans.append(
            Span(
                "warehouse",
                "warehouse row",
                loaded_at,
                None,
                "ok",
                {k: v for k, v in row.items() if k != "loaded_at"},
            )
        )
    return spans


def _expected_but_absent(evidence: Evidence, spans: list[Span], execution_status: str | None) -> list[str]:
    """What a ticket in its status should have left behind and did not."""
    item = evidence.item or {}
    status = item.get("status")
    services = {span.service for span in spans}
    gaps = []
    if "kinesis" not in services:
        gaps.append("the ticket's record was not found on the stream (see above, or past its retention)")
    if status != Status.REJECTED and execution_status is None:
        gaps.append("no execution history: the execution was never started, or has expired")
    if status == Status.RESPONDED:
        if "s3" not in services:
            gaps.append("no archive object, though the ticket RESPONDED")
        if item.get("priority") in (Priority.HIGH, Priority.CRITICAL) and "sns" not in services:
            gaps.append(f"no notification recorded, though the ticket is {item['priority']}")
        if "warehouse" not in services:
            gaps.append("no warehouse row yet: `ticketflow etl` loads the archive")
    if not any(span.name == "invocation" and span.service == "trigger" for span in spans):
        gaps.append("no trigger invocation found: no trigger log line names the ticket")
    return gaps


def _order(span: Span) -> tuple[datetime, bool]:
    """By start; at the same start a span with a duration (the state) before the instants it holds (its
    write, its notification). The sort is stable: same-time states keep the order they were entered."""
    return (span.started, span.ended is None)


def correlate(evidence: Evidence) -> Journey:
    """Everything the evidence holds about the ticket, ordered by start; pieces may arrive in any order."""
    execution = execution_timeline(evidence.history, evidence.definition, evidence.execution_arn)
    lines, log_gaps = log_spans(evidence.ticket_id, evidence.log_events)
    spans = [*_pieces(evidence), *execution.spans, *lines]
    if evidence.item is not None:
        spans += _status_writes(evidence.item)
    gaps = [*evidence.gaps, *log_gaps]
    gaps += [NO_ITEM] if evidence.item is None else _expected_but_absent(evidence, spans, execution.status)
    ordered = sorted(spans, key=_order)
    item = evidence.item or {}
    return Journey(evidence.ticket_id, item.get("status"), item.get("status_reason"), ordered, gaps)
