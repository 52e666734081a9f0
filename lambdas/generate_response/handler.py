"""GenerateResponse: the reply and the priority from the language model, validated before it goes on."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from ticketflow import composition
from ticketflow.enrichment import TicketTriager
from ticketflow.entry_point import EntryPoint
from ticketflow.model import SentimentResult, TicketSubmitted

logger = Logger()


def _triager() -> TicketTriager:
    return composition.triager(composition.FunctionEnvironment.current())


def handle(event: dict[str, Any], triager: TicketTriager) -> dict[str, Any]:
    ticket = TicketSubmitted.model_validate(event)
    triage = triager.triage(ticket, SentimentResult.model_validate(event["sentiment"]))
    logger.info("ticket triaged", ticket_id=ticket.ticket_id, priority=triage.priority.value)
    return triage.model_dump(mode="json")


lambda_handler = EntryPoint(handle, _triager, logger)
