"""S3Writer: the processed ticket as one JSON object in the archive the ETL loads."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketflow import composition
from ticketflow.archive_writer import Archive
from ticketflow.model import ProcessedTicket, SentimentResult, TicketSubmitted, Triage
from ticketflow.warmup import answers_warmup

logger = Logger()


@cache
def _archive() -> Archive:
    return composition.archive(composition.FunctionEnvironment.current())


def handle(event: dict[str, Any], archive: Archive) -> dict[str, Any]:
    ticket = ProcessedTicket.build(
        TicketSubmitted.model_validate(event),
        SentimentResult.model_validate(event["sentiment"]),
        Triage.model_validate(event["triage"]),
        processed_at=datetime.fromisoformat(event["processedAt"]),
    )
    key = archive.write(ticket)
    logger.info("ticket archived", ticket_id=ticket.ticket_id, key=key)
    return {"key": key}


@answers_warmup(_archive)
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, _archive())
