"""Puts tickets on the Kinesis stream in batches, partition key = ticket id, retrying throttled records."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ticketflow.model import TicketSubmitted
from ticketflow_dev.core.polling import wait_until

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_kinesis.type_defs import PutRecordsRequestEntryTypeDef

    from ticketflow_dev.tickets.put_journal import PutJournal

MAX_RECORDS_PER_PUT = 500


@dataclass(frozen=True)
class Submitted:
    ticket_id: str
    put_at: float  # epoch seconds, when Kinesis acknowledged the record


def encode(ticket: TicketSubmitted) -> bytes:
    return json.dumps(ticket.to_event()).encode("utf-8")


def submit(
    kinesis: KinesisClient,
    stream_name: str,
    tickets: Iterable[TicketSubmitted],
    *,
    timeout: float = 60.0,
    on_batch: Callable[[int], None] | None = None,
    journal: PutJournal | None = None,
) -> list[Submitted]:
    """Every ticket acknowledged by Kinesis, in order; raises TimeoutError if throttling never clears.
    `journal` records each acknowledged batch (see put_journal)."""
    submitted: list[Submitted] = []
    batch: list[TicketSubmitted] = []
    for ticket in tickets:
        batch.append(ticket)
        if len(batch) == MAX_RECORDS_PER_PUT:
            submitted += put_batch(kinesis, stream_name, batch, timeout=timeout, journal=journal)
            batch = []
            if on_batch:
                on_batch(len(submitted))
    if batch:
        submitted += put_batch(kinesis, stream_name, batch, timeout=timeout, journal=journal)
        if on_batch:
            on_batch(len(submitted))
    return submitted


def put_raw(kinesis: KinesisClient, stream_name: str, records: Sequence[tuple[bytes, str]]) -> None:
    """Records as given (data, partition key): for input that is not a valid ticket."""
    kinesis.put_records(
        StreamName=stream_name, Records=[{"Data": data, "PartitionKey": key} for data, key in records]
    )


def put_batch(
    kinesis: KinesisClient,
    stream_name: str,
    batch: Sequence[TicketSubmitted],
    *,
    timeout: float,
    journal: PutJournal | None = None,
) -> list[Submitted]:
    """One PutRecords of up to 500 tickets, re-putting throttled records until all are acknowledged."""
    pending: dict[str, PutRecordsRequestEntryTypeDef] = {
        t.ticket_id: {"Data": encode(t), "PartitionKey": t.ticket_id} for t in batch
    }
    acknowledged: dict[str, float] = {}

    def put_pending() -> bool:
        entries = list(pending.values())
        response = kinesis.put_records(StreamName=stream_name, Records=entries)
        now = time.time()
        for entry, result in zip(entries, response["Records"], strict=True):
            if "SequenceNumber" in result:
                ticket_id = entry["PartitionKey"]
                acknowledged[ticket_id] = now
                del pending[ticket_id]
        return not pending

    try:
        wait_until(
            put_pending, timeout=timeout, interval=0.2, description=f"Kinesis to accept {len(batch)} records"
        )
    finally:  # what was acknowledged is on the stream, even if the rest never is
        if journal is not None:
            journal.record([Submitted(t, at) for t, at in acknowledged.items()])
    return [Submitted(t.ticket_id, acknowledged[t.ticket_id]) for t in batch]
