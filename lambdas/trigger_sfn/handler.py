"""Kinesis → one Step Functions execution per ticket, started concurrently, failures reported per record."""

from __future__ import annotations

import asyncio
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError, ExceptionInfo
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from botocore.exceptions import BotoCoreError, ClientError

from ticketflow import composition
from ticketflow.admission import NoCapacityError
from ticketflow.dead_letters import DeadLetter, DeadLetterQueue
from ticketflow.entry_point import EntryPoint
from ticketflow.ingest import (
    ADMISSION_WAIT_SECONDS,
    START_CONCURRENCY,
    Arrived,
    Intake,
    IntakeResult,
    Outcome,
    Parsed,
    parse_record,
)

logger = Logger()
# A batch with any record unfinished fails whole, by BatchRetriedError below; Powertools' own error for an
# entirely failed batch would quote each record's exception (a service's message may echo ticket data).
processor = AsyncBatchProcessor(event_type=EventType.KinesisDataStreams, raise_on_entire_batch_failure=False)
# The mapping hands one batch at a time to one invocation: its records start START_CONCURRENCY at a time.
_STARTERS = ThreadPoolExecutor(max_workers=START_CONCURRENCY, thread_name_prefix="start")


@dataclass(frozen=True)
class Trigger:
    intake: Intake
    dead_letters: DeadLetterQueue


def _trigger() -> Trigger:
    env = composition.FunctionEnvironment.current()
    return Trigger(composition.intake(env), composition.dead_letter_queue(env))


class BatchRetriedError(BatchProcessingError):
    """Some records were left unfinished: the whole batch is failed so the mapping delivers it again.

    Powertools' own error for a failed batch, the records' exceptions kept as its `child_exceptions`; its
    message counts them by kind and, unlike Powertools', never prints them (a service's message may echo
    ticket data)."""

    def __init__(self, failures: list[ExceptionInfo]) -> None:
        errors = [error for _, error, _ in failures]
        refused = sum(isinstance(error, BotoCoreError | ClientError) for error in errors)
        waiting = sum(isinstance(error, NoCapacityError) for error in errors)
        super().__init__(
            f"the dead-letter queue (or the bucket that keeps a large letter's record) refused the letters of"
            f" {refused} record(s), {waiting} record(s) found no execution slot before the batch's deadline;"
            " batch retried",
            failures,
        )

    def __str__(self) -> str:
        return str(self.msg)


def failure_reason(error: BotoCoreError | ClientError) -> str:
    """The error's code and operation, never its message: a service may echo request values (ticket data)."""
    if isinstance(error, ClientError):
        return f"{error.response['Error'].get('Code', 'ClientError')} from {error.operation_name}"
    return type(error).__name__


def accept(
    record: KinesisStreamRecord, parsed: Parsed, trigger: Trigger, deadline: float = math.inf
) -> IntakeResult:
    try:
        result = trigger.intake.accept(parsed, deadline=deadline)
    except (BotoCoreError, ClientError) as error:
        # The clients' own retries are spent: park the record whole rather than hold up the shard (a record
        # too large for a message is kept in S3, its letter names it). If the queue (or S3) fails too, the
        # error propagates and the mapping retries the record.
        reason, sequence_number, data = (
            failure_reason(error),
            record.kinesis.sequence_number,
            record.kinesis.data_as_bytes(),
        )
        trigger.dead_letters.send(DeadLetter.of(record.kinesis.partition_key, sequence_number, data, reason))
        # Not logger.exception: the traceback would carry the message, which may echo ticket data.
        logger.error("record dead-lettered", sequence_number=sequence_number, reason=reason)  # noqa: TRY400
        return IntakeResult(Outcome.DEAD_LETTERED, None, reason)
    # Each line names the ticket and its record, so that a trace finds the put on the stream by ticket id.
    sequence_number, shard_id = record.kinesis.sequence_number, record.event_id.split(":")[0]
    if result.outcome is Outcome.REJECTED:
        # The reason names fields, never their values: tickets carry customers' personal data.
        logger.warning(
            "ticket rejected",
            ticket_id=result.ticket_id,
            reason=result.reason,
            sequence_number=sequence_number,
            shard_id=shard_id,
        )
    else:
        logger.info(
            "ticket accepted",
            ticket_id=result.ticket_id,
            outcome=result.outcome.value,
            sequence_number=sequence_number,
            shard_id=shard_id,
        )
    return result


def handle(event: dict[str, Any], trigger: Trigger) -> dict[str, Any]:
    # Records still waiting for admission then fail the batch: the mapping hands it on again.
    deadline = time.monotonic() + ADMISSION_WAIT_SECONDS
    records = event.get("Records", [])
    parsed = trigger.intake.receive(
        [parse_record(KinesisStreamRecord(r).kinesis.data_as_bytes()) for r in records]
    )
    by_sequence = {r["kinesis"]["sequenceNumber"]: p for r, p in zip(records, parsed, strict=True)}

    async def record_handler(record: KinesisStreamRecord) -> str:
        # boto3 blocks: each record runs on a thread of its own, so a batch starts its executions at once.
        loop = asyncio.get_running_loop()
        mine = by_sequence[record.kinesis.sequence_number]
        result = await loop.run_in_executor(_STARTERS, accept, record, mine, trigger, deadline)
        return result.outcome.value

    with processor(records=records, handler=record_handler):
        results = processor.async_process()
    failures = [info for info in processor.exceptions if info[1] is not None]
    if failures:
        # A record left unfinished (the dead-letter queue refused its letter, or no execution slot freed
        # before the batch's deadline) fails the whole batch, so the mapping delivers it again (AWS bisects
        # it; re-deliveries start nothing twice). A partial response would do on AWS, but MiniStack's
        # Kinesis mapping (1.5.33) advances past a batch's reported failures, and the records would be lost.
        raise BatchRetriedError(failures) from failures[0][1]
    # Nothing failed (a failure raised above), so the response reports no item failures.
    response: dict[str, Any] = dict(processor.response())
    outcomes = [result for status, result, _ in results if status == "success"]
    logger.info(
        "batch done",
        records=len(records),
        received_together=sum(isinstance(p, Arrived) and p.recorded for p in parsed),
        started=outcomes.count(Outcome.STARTED.value),
        already_started=outcomes.count(Outcome.ALREADY_STARTED.value),
        rejected=outcomes.count(Outcome.REJECTED.value),
        dead_lettered=outcomes.count(Outcome.DEAD_LETTERED.value),
    )
    return response


lambda_handler = EntryPoint(handle, _trigger, logger)
