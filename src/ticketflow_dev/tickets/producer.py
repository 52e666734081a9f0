"""Puts tickets on the Kinesis stream in batches, partition key = ticket id, retrying throttled records.

A ticket whose record Kinesis would refuse (over 1 MiB) is refused here, before anything of its batch is
sent; a batch goes in requests within PutRecords' limits (500 records, 5 MiB).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ticketflow import limits
from ticketflow.model import TicketSubmitted
from ticketflow_dev.core.polling import wait_until

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_kinesis.type_defs import PutRecordsRequestEntryTypeDef

    from ticketflow_dev.tickets.put_journal import PutJournal

MAX_RECORDS_PER_PUT = limits.KINESIS_PUT_RECORDS_MAX_RECORDS


@dataclass(frozen=True)
class Submitted:
    ticket_id: str
    put_at: float  # epoch seconds, when Kinesis acknowledged the record


class OverLimitTicketError(ValueError):
    """A ticket Kinesis would refuse; nothing of its batch was sent."""


def encode(ticket: TicketSubmitted) -> bytes:
    """The event as UTF-8 JSON; non-ASCII text as itself, not escaped (a third of the bytes, or less)."""
    return json.dumps(ticket.to_event(), ensure_ascii=False).encode("utf-8")


def record_problem(ticket: TicketSubmitted) -> str | None:
    """Why Kinesis would refuse this ticket's record, naming the field, or None. Every other field is
    bounded by the model (ticketflow.limits), so only the description can make a record too large."""
    problem = limits.kinesis_record_problem(encode(ticket), ticket.ticket_id)
    return f"data.description: {problem}" if problem else None


def _record(ticket: TicketSubmitted) -> PutRecordsRequestEntryTypeDef:
    problem = record_problem(ticket)
    if problem:
        raise OverLimitTicketError(f"ticket {ticket.ticket_id}: {problem}")
    return {"Data": encode(ticket), "PartitionKey": ticket.ticket_id}


def _requests(entries: Sequence[PutRecordsRequestEntryTypeDef]) -> list[list[PutRecordsRequestEntryTypeDef]]:
    """The entries in order, as requests within PutRecords' limits of records and bytes."""
    requests: list[list[PutRecordsRequestEntryTypeDef]] = []
    size = 0
    for entry in entries:
        entry_size = len(entry["Data"]) + len(entry["PartitionKey"].encode("utf-8"))  # type: ignore[arg-type]
        full = requests and (
            len(requests[-1]) == limits.KINESIS_PUT_RECORDS_MAX_RECORDS
            or size + entry_size > limits.KINESIS_PUT_RECORDS_MAX_BYTES
        )
        if not requests or full:
            requests.append([])
            size = 0
        requests[-1].append(entry)
        size += entry_size
    return requests


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
    """Up to 500 tickets, re-putting throttled records until all are acknowledged; OverLimitTicketError
    before anything is sent if one is over Kinesis' limits. One PutRecords unless they are over 5 MiB."""
    pending: dict[str, PutRecordsRequestEntryTypeDef] = {t.ticket_id: _record(t) for t in batch}
    acknowledged: dict[str, float] = {}

    def put_pending() -> bool:
        for entries in _requests(list(pending.values())):
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
