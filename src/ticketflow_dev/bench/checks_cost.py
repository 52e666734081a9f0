"""What the AWS checks cost the functions' requests of a ticket, offline, in this process: the pipeline's
own adapters (the trigger's RECEIVED transaction and start, the sentiment and triage calls, the archive
write) make their requests on clients of a local endpoint whose answers are stubbed, without the checks and
with them; the difference in CPU is the checks' own. The end-to-end bench (tools/bench_parity.py) measures
the same through the emulator, where a shared machine's noise is larger than this figure.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.stub import Stubber

from ticketflow.archive_writer import TicketArchive
from ticketflow.carriage import S3Descriptions
from ticketflow.enrichment import BedrockTriage, ComprehendSentiment
from ticketflow.ingest import Arrived, Intake
from ticketflow.model import ProcessedTicket, TicketSubmitted
from ticketflow.prompts import TRIAGE_TOOL_NAME
from ticketflow.ticket_store import DynamoTicketStore
from ticketflow_parity import PLUGIN_VARIABLE
from ticketflow_parity.plugin import initialize_client_plugin

_LOCAL = "http://127.0.0.1:9"  # nothing is sent: every answer is stubbed
_ARN = "arn:aws:states:us-east-1:000000000000:stateMachine:TicketFlow"
_MODEL = "amazon.nova-pro-v1:0"
_SENTIMENT = {
    "Sentiment": "NEGATIVE",
    "SentimentScore": {"Positive": 0.05, "Negative": 0.8, "Neutral": 0.1, "Mixed": 0.05},
}


def local_client(service: str, *, checked: bool) -> Any:
    """A client of a local endpoint with the checks or without, whatever this process's plugin setting."""
    named = os.environ.pop(PLUGIN_VARIABLE, None)
    try:
        client = boto3.session.Session().client(
            service,  # type: ignore[call-overload]
            endpoint_url=_LOCAL,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",  # noqa: S106 (the emulator's dummy credentials)
        )
    finally:
        if named is not None:
            os.environ[PLUGIN_VARIABLE] = named
    if checked:
        initialize_client_plugin(client)
    return client


def _converse_answer(ticket_id: str) -> dict[str, Any]:
    triage = {
        "customer_response": f"We are on it (ticket {ticket_id}).",
        "priority": "HIGH",
        "priority_reasoning": "A blocked user.",
    }
    tool_use = {"toolUseId": "t-1", "name": TRIAGE_TOOL_NAME, "input": triage}
    return {
        "output": {"message": {"role": "assistant", "content": [{"toolUse": tool_use}]}},
        "stopReason": "tool_use",
        "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
        "metrics": {"latencyMs": 1},
    }


@contextmanager
def _stubbed(clients: dict[str, Any], tickets: Sequence[TicketSubmitted]) -> Iterator[None]:
    """Each client's answers for the tickets' requests (one transaction records them all)."""
    started = {"executionArn": _ARN, "startDate": datetime.now(UTC)}
    answers: dict[str, list[tuple[str, dict[str, Any]]]] = {
        "dynamodb": [("transact_write_items", {})],
        "stepfunctions": [("start_execution", started)] * len(tickets),
        "comprehend": [("detect_sentiment", _SENTIMENT)] * len(tickets),
        "bedrock-runtime": [("converse", _converse_answer(ticket.ticket_id)) for ticket in tickets],
        "s3": [("put_object", {})] * len(tickets),
    }
    with ExitStack() as stack:
        for service, responses in answers.items():
            stubber = stack.enter_context(Stubber(clients[service]))
            for method, response in responses:
                stubber.add_response(method, response)
        yield


def _path(clients: dict[str, Any], tickets: Sequence[TicketSubmitted]) -> Callable[[], None]:
    store = DynamoTicketStore(clients["dynamodb"], "tickets")
    intake = Intake(
        clients["stepfunctions"], _ARN, store, descriptions=S3Descriptions(clients["s3"], "archive")
    )
    sentiment = ComprehendSentiment(clients["comprehend"])
    triage = BedrockTriage(clients["bedrock-runtime"], _MODEL)
    archive = TicketArchive(clients["s3"], "archive")

    def run() -> None:
        arrived = intake.receive([Arrived(ticket) for ticket in tickets])
        for parsed, ticket in zip(arrived, tickets, strict=True):
            intake.accept(parsed)
            found = sentiment.detect(ticket.data.description)
            answer = triage.triage(ticket, found)
            archive.write(ProcessedTicket.build(ticket, found, answer, processed_at=datetime.now(UTC)))

    return run


def checks_cpu_per_ticket(tickets: Sequence[TicketSubmitted], *, repeat: int = 5) -> dict[str, float]:
    """CPU milliseconds a ticket for the functions' requests without and with the checks (the best of
    `repeat` runs of each, alternated, so a busy machine's interruptions count least), and the difference.
    `tickets`: 2 to 100, recorded in one transaction as a batch is."""
    if not 2 <= len(tickets) <= 100:
        raise ValueError(f"2 to 100 tickets, one transaction's worth; got {len(tickets)}")
    best: dict[bool, float] = {}
    for checked in (False, True, False, True):
        for _ in range(repeat):
            clients = {
                service: local_client(service, checked=checked)
                for service in ("dynamodb", "stepfunctions", "comprehend", "bedrock-runtime", "s3")
            }
            run = _path(clients, tickets)
            with _stubbed(clients, tickets):
                started = time.process_time()
                run()
                used = (time.process_time() - started) / len(tickets)
            best[checked] = min(best.get(checked, used), used)
    return {
        "requests_ms_per_ticket_unchecked": round(1000 * best[False], 3),
        "requests_ms_per_ticket_checked": round(1000 * best[True], 3),
        "checks_ms_per_ticket": round(1000 * (best[True] - best[False]), 3),
    }
