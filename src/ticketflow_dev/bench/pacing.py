"""Puts tickets on a stream at a steady offered rate (or all at once), as a fleet of producers would."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ticketflow.model import TicketSubmitted
from ticketflow_dev.tickets import producer

# Producers buffer records this long and put them in one call, as the Kinesis Producer Library does by
# default (RecordMaxBufferedTime). A put per record would also cost the emulator a scan of the whole
# stream per call (it expires old records on every PutRecords).
BUFFER_SECONDS = 0.1

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

    from ticketflow_dev.tickets.put_journal import PutJournal


_ROUNDING = 1e-9


def submit_paced(
    kinesis: KinesisClient,
    stream_name: str,
    tickets: Sequence[TicketSubmitted],
    *,
    rate: float | None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    journal: PutJournal | None = None,
) -> list[producer.Submitted]:
    """Ticket i is due `i / rate` seconds after the start; every BUFFER_SECONDS the due ones are put.

    `rate=None` is a burst: everything at once, in batches of the PutRecords maximum.
    """
    if rate is None:
        return producer.submit(kinesis, stream_name, tickets, journal=journal)
    if rate <= 0:
        raise ValueError(f"the rate must be above zero, got {rate}")
    started = clock()
    submitted: list[producer.Submitted] = []
    while len(submitted) < len(tickets):
        # The epsilon absorbs float rounding: woken exactly at a tick, `clock() - started` can fall a hair
        # short of it, which left that tick's tickets undue and the loop spinning on zero-length sleeps.
        due = math.floor((clock() - started) * rate + _ROUNDING) + 1
        end = min(len(tickets), due, len(submitted) + producer.MAX_RECORDS_PER_PUT)
        batch = tickets[len(submitted) : end]
        submitted += producer.put_batch(kinesis, stream_name, batch, timeout=60.0, journal=journal)
        # Pacing, not waiting for a condition: sleep until the next tick at which a ticket is due.
        next_due = len(submitted) / rate
        next_tick = math.ceil(next_due / BUFFER_SECONDS) * BUFFER_SECONDS
        sleep(max(0.0, started + next_tick - clock()))
    return submitted
