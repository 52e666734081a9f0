"""What the fake_bedrock integration tests share: boto3 clients without retries, and one outage ticket."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from ticketflow.model import SentimentResult, SentimentScores, TicketSubmitted
from ticketflow_parity import PLUGIN_NAME
from ticketflow_parity.plugin import checked_event

# One attempt: a test of an error response must see that response, not a retry's.
NO_RETRIES = Config(retries={"total_max_attempts": 1})
TICKET_ID = "TKT-20240315-0007"


def aws_client(service: str, url: str) -> Any:
    """A client for the stand-in: dummy credentials given explicitly, none looked up on the machine. These
    tests hold the stand-in itself to AWS's answers, so the session's AWS checks (which would answer first)
    are taken off this client."""
    client: Any = boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=NO_RETRIES,
    )
    client.meta.events.unregister(checked_event(client), unique_id=PLUGIN_NAME)
    return client


def outage_ticket() -> TicketSubmitted:
    return TicketSubmitted.model_validate(
        {
            "ticketId": TICKET_ID,
            "submittedAt": "2024-03-15T09:30:00Z",
            "data": {
                "subject": "Production database down",
                "description": "Our production RDS instance has been unreachable for two hours; orders fail.",
                "customer_contact_information": {
                    "first_name": "Ana",
                    "last_name": "Diaz",
                    "full_name": "Ana Diaz",
                    "email": "ana@example.com",
                    "company": "Acme",
                },
                "product_issue_information": {"product": "Amazon RDS", "issue_type": "Outage"},
            },
        }
    )


def negative() -> SentimentResult:
    return SentimentResult(
        sentiment="NEGATIVE", scores=SentimentScores(positive=0.01, negative=0.9, neutral=0.05, mixed=0.04)
    )
