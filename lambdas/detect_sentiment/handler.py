"""DetectSentiment: the ticket's description through Comprehend (or its stand-in)."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketflow import composition
from ticketflow.enrichment import SentimentDetector
from ticketflow.model import TicketSubmitted
from ticketflow.warmup import answers_warmup

logger = Logger()


@cache
def _detector() -> SentimentDetector:
    return composition.sentiment_detector()


def handle(event: dict[str, Any], detector: SentimentDetector) -> dict[str, Any]:
    ticket = TicketSubmitted.model_validate(event)
    result = detector.detect(ticket.data.description)
    logger.info("sentiment detected", ticket_id=ticket.ticket_id, sentiment=result.sentiment.value)
    return result.model_dump(mode="json")


@answers_warmup(_detector)
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, _detector())
