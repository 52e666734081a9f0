"""What the e2e tests look at in the deployed stack: ids, executions, items, archive objects, dead letters."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from typer.testing import CliRunner

from tests.e2e.conftest import DeployedStack
from ticketflow.model import ProcessedTicket, TicketSubmitted, archive_key
from ticketflow_dev.cli.app import app
from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.generation import generator
from ticketflow_dev.tickets.dead_letter_inbox import DeadLetterInbox, Received


def fresh_number() -> int:
    """A ticket number no earlier run used (a re-used id would be taken for a re-delivery or a duplicate)."""
    return 1_000_000 + secrets.randbelow(8_000_000)


def fresh_ticket_id(day: str = "20250115") -> str:
    return f"TKT-{day}-{fresh_number()}"


def fresh_tickets(count: int, seed: int, mix: str | None = None) -> list[TicketSubmitted]:
    """Generated tickets (deterministic for the seed, realistic unless `mix` says otherwise) with ids no
    earlier run used."""
    return list(generator.tickets(count, seed=seed, first_number=fresh_number(), mix=mix))


def execution_arn(stack: DeployedStack, ticket_id: str) -> str:
    """Executions are named after their ticket, so a ticket has at most one."""
    return stack.outputs.state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":" + ticket_id


def execution_status(stack: DeployedStack, ticket_id: str, *, timeout: float = 60) -> str:
    """The execution's final status (an item is final before the execution's last steps end)."""
    sfn = stack.clients("stepfunctions")
    return str(
        wait_until(
            lambda: sfn.describe_execution(executionArn=execution_arn(stack, ticket_id))["status"],
            until=lambda status: status != "RUNNING",
            timeout=timeout,
            description=f"execution {ticket_id} to finish",
        )
    )


def execution_exists(stack: DeployedStack, ticket_id: str) -> bool:
    sfn = stack.clients("stepfunctions")
    try:
        sfn.describe_execution(executionArn=execution_arn(stack, ticket_id))
    except sfn.exceptions.ExecutionDoesNotExist:
        return False
    return True


def raw_item(stack: DeployedStack, key: str) -> dict[str, Any] | None:
    """The ticket table's item under `key`, with its DynamoDB type tags (history and all)."""
    response = stack.clients("dynamodb").get_item(
        TableName=stack.outputs.table_name, Key={"ticket_id": {"S": key}}, ConsistentRead=True
    )
    item: dict[str, Any] | None = response.get("Item")
    return item


def history(item: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The item's transitions as (status, reason) pairs, oldest first."""
    entries = item.get("history", {}).get("L", [])
    return [(e["M"]["status"]["S"], e["M"].get("reason", {}).get("S")) for e in entries]


def archived_objects(stack: DeployedStack, ticket_id: str, submitted_at: datetime) -> list[dict[str, Any]]:
    """Every archive object whose key starts with the ticket's key (so a stray second copy shows too)."""
    prefix = archive_key(ticket_id, submitted_at).removesuffix(".json")
    listing = stack.clients("s3").list_objects_v2(Bucket=stack.outputs.bucket_name, Prefix=prefix)
    return [dict(item) for item in listing.get("Contents", [])]


def read_object(stack: DeployedStack, key: str) -> bytes:
    return bytes(stack.clients("s3").get_object(Bucket=stack.outputs.bucket_name, Key=key)["Body"].read())


def archived_ticket(stack: DeployedStack, ticket: TicketSubmitted) -> ProcessedTicket:
    """The ticket's one archive object, validated; fails if there is none or more than one."""
    objects = archived_objects(stack, ticket.ticket_id, ticket.submitted_at)
    keys = [o["Key"] for o in objects]
    assert keys == [archive_key(ticket.ticket_id, ticket.submitted_at)], (ticket.ticket_id, keys)
    return ProcessedTicket.model_validate_json(read_object(stack, keys[0]))


def dead_letters_for(stack: DeployedStack, partition_keys: Iterable[str]) -> list[str]:
    """The partition keys among `partition_keys` that have a letter in the dead-letter queue. The letters are
    only peeked at: each is made visible again at once, for whoever replays them."""
    wanted = set(partition_keys)
    return sorted(
        r.letter.partition_key
        for r in peek_letters(stack)
        if r.letter is not None and r.letter.partition_key in wanted
    )


def peek_letters(stack: DeployedStack) -> list[Received]:
    """Every message in the dead-letter queue, each made visible again at once."""
    sqs = stack.clients("sqs")
    queue_url = stack.outputs.dead_letter_queue_url
    seen = list(DeadLetterInbox(sqs, queue_url).receive(max_messages=10_000, visibility_seconds=30))
    for start in range(0, len(seen), 10):
        sqs.change_message_visibility_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": r.receipt_handle, "VisibilityTimeout": 0}
                for i, r in enumerate(seen[start : start + 10])
            ],
        )
    return seen


def queue_depth(stack: DeployedStack) -> int:
    """Messages in the dead-letter queue, visible or in flight."""
    attributes = stack.clients("sqs").get_queue_attributes(
        QueueUrl=stack.outputs.dead_letter_queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def put_raw(stack: DeployedStack, events: Iterable[dict[str, Any]]) -> None:
    """Each event on the stream as the JSON a producer outside this project could write: its text as sent,
    control characters and all (`ticketflow submit` would clean them before sending)."""
    records: list[Any] = [
        {"Data": json.dumps(event, ensure_ascii=False).encode(), "PartitionKey": str(event["ticketId"])}
        for event in events
    ]
    response = stack.clients("kinesis").put_records(StreamName=stack.outputs.stream_name, Records=records)
    assert response.get("FailedRecordCount", 0) == 0, response["Records"]


def put_unclean_item(stack: DeployedStack, ticket_id: str, text: str) -> None:
    """A REJECTED item whose reason, history and product hold `text` as it is: what the table can hold from
    before intake cleaned text, for the displays to show."""
    at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    entry = {"M": {"status": {"S": "REJECTED"}, "at": {"S": at}, "reason": {"S": text}}}
    stack.clients("dynamodb").put_item(
        TableName=stack.outputs.table_name,
        Item={
            "ticket_id": {"S": ticket_id},
            "status": {"S": "REJECTED"},
            "status_at": {"S": at},
            "rejected_at": {"S": at},
            "status_reason": {"S": text},
            "product": {"S": text},
            "history": {"L": [entry]},
        },
    )


def ticketflow(*args: str) -> str:
    """`ticketflow ARGS` run in this process, as a user runs it; its output printed (`pytest -s` shows what
    the user sees) and returned; it must succeed."""
    result = CliRunner().invoke(app, list(args))
    print(result.output)  # noqa: T201 - what the user sees, for `pytest -s`
    assert result.exit_code == 0, result.output
    return result.output
