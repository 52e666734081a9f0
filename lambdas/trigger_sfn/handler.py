"""Kinesis → one Step Functions execution per ticket, started concurrently, failures reported per record."""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketflow import composition
from ticketflow.ingest import Intake, IntakeResult, Outcome

logger = Logger()
processor = AsyncBatchProcessor(event_type=EventType.KinesisDataStreams)


@cache
def _intake() -> Intake:
    return composition.intake(composition.FunctionEnvironment.current())


def accept(record: KinesisStreamRecord, intake: Intake) -> IntakeResult:
    result = intake.accept(record.kinesis.data_as_bytes())
    if result.outcome is Outcome.REJECTED:
        # The reason names fields, never their values: tickets carry customers' personal data.
        logger.warning(
            "ticket rejected",
            ticket_id=result.ticket_id,
            reason=result.reason,
            sequence_number=record.kinesis.sequence_number,
        )
    return result


async def _record_handler(record: KinesisStreamRecord) -> str:
    # boto3 blocks: each record runs on the default executor, so a batch starts its executions concurrently.
    result = await asyncio.to_thread(accept, record, _intake())
    return result.outcome.value


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with processor(records=event.get("Records", []), handler=_record_handler, lambda_context=context):
        results = processor.async_process()
    response: dict[str, Any] = dict(processor.response())
    outcomes = [result for status, result, _ in results if status == "success"]
    logger.info(
        "batch done",
        records=len(event.get("Records", [])),
        started=outcomes.count(Outcome.STARTED.value),
        already_started=outcomes.count(Outcome.ALREADY_STARTED.value),
        rejected=outcomes.count(Outcome.REJECTED.value),
        failed=len(response.get("batchItemFailures", [])),
    )
    return response
