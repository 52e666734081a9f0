"""DetectSentiment: the ticket's description through Comprehend (or its stand-in)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from ticketflow import composition
from ticketflow.enrichment import SentimentDetector
from ticketflow.entry_point import EntryPoint
from ticketflow.model import TicketSubmitted

logger = Logger()


def handle(event: dict[str, Any], detector: SentimentDetector) -> dict[str, Any]:
    ticket = TicketSubmitted.model_validate(event)
    result = detector.detect(ticket.data.description)
    logger.info("sentiment detected", ticket_id=ticket.ticket_id, sentiment=result.sentiment.value)
    return result.model_dump(mode="json")


lambda_handler = EntryPoint(handle, composition.sentiment_detector, logger)
