"""S3Writer: the processed ticket as one JSON object in the archive the ETL loads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from ticketflow import carriage, composition
from ticketflow.archive_writer import Archive
from ticketflow.entry_point import EntryPoint
from ticketflow.model import ProcessedTicket, SentimentResult, TicketSubmitted, Triage

logger = Logger()


@dataclass(frozen=True)
class Writer:
    archive: Archive
    descriptions: carriage.DescriptionStore  # a description too long to travel inline is read from here


def _writer() -> Writer:
    env = composition.FunctionEnvironment.current()
    return Writer(composition.archive(env), composition.descriptions(env))


def handle(event: dict[str, Any], writer: Writer) -> dict[str, Any]:
    ticket = ProcessedTicket.build(
        carriage.whole(TicketSubmitted.model_validate(event), event["data"], writer.descriptions),
        SentimentResult.model_validate(event["sentiment"]),
        Triage.model_validate(event["triage"]),
        processed_at=datetime.fromisoformat(event["processedAt"]),
    )
    key = writer.archive.write(ticket)
    logger.info("ticket archived", ticket_id=ticket.ticket_id, key=key)
    # processedAt goes back to the state machine, which stores the same moment on the ticket item.
    return {"key": key, "processedAt": event["processedAt"]}


lambda_handler = EntryPoint(handle, _writer, logger)
