"""Ticket items rebuilt from the archive, after a crash of the emulator took them from its memory.

The archive object is the whole processed ticket (`ProcessedTicket`), written before its item becomes
RESPONDED, and MiniStack keeps S3 bodies on disk at every put: it outlives the crash that takes the item. From
it the item is rebuilt as the pipeline writes it (the trigger's RECEIVED attributes, content hash included,
and the state machine's MarkResponded ones), except what only the lost item held, which is left out rather
than made up: when the ticket was received and when its processing began (`received_at`, `processing_at`,
their history entries) and its execution (`execution_arn`; the execution is gone too). `responded_at` and
`status_at` are the archive's `processed_at` (the reply was final then; MarkResponded came milliseconds
later), its one history entry says it was rebuilt, and `rebuilt_from` names the archive object.

An item is written only where none is, or where the one that came back is still RECEIVED or PROCESSING (its
execution was cut short by the crash): a final item is never overwritten.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from ticketflow.model import ProcessedTicket, TicketSubmitted
from ticketflow.ticket_store import Status, content_hash

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

REBUILT_REASON = (
    "rebuilt from its archive object after a crash of the emulator lost the item;"
    " when it was received, when its processing began and its execution are not known"
)
WORKERS = 8
# Where no item is, or one whose execution the crash cut short: never over a final one.
REPLACEABLE = {
    "ConditionExpression": "attribute_not_exists(ticket_id) OR #status IN (:received, :processing)",
    "ExpressionAttributeNames": {"#status": "status"},
    "ExpressionAttributeValues": {
        ":received": {"S": Status.RECEIVED.value},
        ":processing": {"S": Status.PROCESSING.value},
    },
}


@dataclass(frozen=True)
class Rebuilt:
    rebuilt: list[str] = field(default_factory=list)  # items written from the archive
    kept: list[str] = field(default_factory=list)  # a final item was there: left as it is
    unreadable: dict[str, str] = field(default_factory=dict)  # ticket id → why no item could be built


def submitted_ticket(ticket: ProcessedTicket) -> TicketSubmitted:
    """The ticket as it was put on the stream: every field of it is in the archive record."""
    return TicketSubmitted.model_validate(
        {
            "ticketId": ticket.ticket_id,
            "submittedAt": ticket.submitted_at,
            "data": {
                "subject": ticket.subject,
                "description": ticket.description,
                "customer_contact_information": {
                    "first_name": ticket.customer_first_name,
                    "last_name": ticket.customer_last_name,
                    "full_name": ticket.customer_full_name,
                    "email": ticket.customer_email,
                    "company": ticket.customer_company,
                },
                "product_issue_information": {"product": ticket.product, "issue_type": ticket.issue_type},
            },
        }
    )


def step_functions_time(moment: datetime) -> str:
    """UTC, milliseconds, `Z`: how Step Functions writes `$$.State.EnteredTime`, which the item holds."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def responded_item(ticket: ProcessedTicket, key: str) -> dict[str, Any]:
    """The RESPONDED item of an archived ticket, as far as the archive tells (see the module docstring)."""
    at = {"S": step_functions_time(ticket.processed_at)}
    entry = {"M": {"status": {"S": Status.RESPONDED.value}, "at": at, "reason": {"S": REBUILT_REASON}}}
    texts = {
        "subject": ticket.subject,
        "description": ticket.description,
        "customer_full_name": ticket.customer_full_name,
        "customer_email": ticket.customer_email,
        "customer_company": ticket.customer_company,
        "product": ticket.product,
        "issue_type": ticket.issue_type,
        "sentiment": ticket.sentiment.value,
        "priority": ticket.priority.value,
        "priority_reasoning": ticket.priority_reasoning,
        "response_text": ticket.response_text,
    }
    scores = {
        "sentiment_score_positive": ticket.sentiment_score_positive,
        "sentiment_score_negative": ticket.sentiment_score_negative,
        "sentiment_score_neutral": ticket.sentiment_score_neutral,
        "sentiment_score_mixed": ticket.sentiment_score_mixed,
    }
    return (
        {
            "ticket_id": {"S": ticket.ticket_id},
            "status": {"S": Status.RESPONDED.value},
            "status_at": at,
            "responded_at": at,
            "processed_at": at,
            "history": {"L": [entry]},
            "content_hash": {"S": content_hash(submitted_ticket(ticket))},
            "submitted_at": {"S": ticket.submitted_at.isoformat()},
            "rebuilt_from": {"S": key},
        }
        | {name: {"S": value} for name, value in texts.items() if value is not None}
        | {name: {"N": json.dumps(value)} for name, value in scores.items()}
    )


def read_archived(s3: S3Client, bucket: str, key: str) -> ProcessedTicket:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return ProcessedTicket.model_validate_json(body)


def rebuild_items(
    s3: S3Client, dynamodb: DynamoDBClient, bucket: str, table: str, keys: Mapping[str, str]
) -> Rebuilt:
    """Write the items of the archived tickets `keys` (ticket id → archive key) where the table lacks them."""

    def one(ticket_id: str) -> tuple[str, str, str | None]:
        try:
            ticket = read_archived(s3, bucket, keys[ticket_id])
            item = responded_item(ticket, keys[ticket_id])
        except (BotoCoreError, ClientError, ValidationError, ValueError) as error:
            return ticket_id, "unreadable", f"{type(error).__name__}: {str(error).splitlines()[0]}"
        try:
            dynamodb.put_item(TableName=table, Item=item, **REPLACEABLE)  # type: ignore[arg-type]
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return ticket_id, "kept", None
        return ticket_id, "rebuilt", None

    result = Rebuilt()
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="rebuild") as pool:
        outcomes: Sequence[tuple[str, str, str | None]] = list(pool.map(one, sorted(keys)))
    for ticket_id, outcome, reason in outcomes:
        if outcome == "rebuilt":
            result.rebuilt.append(ticket_id)
        elif outcome == "kept":
            result.kept.append(ticket_id)
        else:
            result.unreadable[ticket_id] = reason or "?"
    return result
