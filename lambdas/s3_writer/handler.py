"""S3Writer: the processed ticket as one JSON object in the archive the ETL loads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from ticketflow import composition
from ticketflow.archive_writer import Archive
from ticketflow.entry_point import EntryPoint
from ticketflow.model import ProcessedTicket, SentimentResult, TicketSubmitted, Triage

logger = Logger()


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
    # processedAt goes back to the state machine, which stores the same moment on the ticket item.
    return {"key": key, "processedAt": event["processedAt"]}


lambda_handler = EntryPoint(handle, _archive, logger)
