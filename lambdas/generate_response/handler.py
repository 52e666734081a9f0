"""GenerateResponse: the reply and the priority from the language model, validated before it goes on."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketflow import composition
from ticketflow.enrichment import TicketTriager
from ticketflow.model import SentimentResult, TicketSubmitted
from ticketflow.warmup import answers_warmup

logger = Logger()


@cache
def _triager() -> TicketTriager:
    return composition.triager(composition.FunctionEnvironment.current())


def handle(event: dict[str, Any], triager: TicketTriager) -> dict[str, Any]:
    ticket = TicketSubmitted.model_validate(event)
    triage = triager.triage(ticket, SentimentResult.model_validate(event["sentiment"]))
    logger.info("ticket triaged", ticket_id=ticket.ticket_id, priority=triage.priority.value)
    return triage.model_dump(mode="json")


@answers_warmup(_triager)
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, _triager())
