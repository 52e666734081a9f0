"""Reading the ticket table: one ticket by id, or the tickets in one status, newest transition first.

Items come back as plain JSON-ready dicts (DynamoDB numbers become int or float), so the command line can
print them as they are.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer

from ticketflow.ticket_store import STATUS_INDEX, Status

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_PAGE_SIZE = 100
_DESERIALIZER = TypeDeserializer()


class TicketNotFoundError(LookupError):
    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"no ticket {ticket_id!r} in the table")
        self.ticket_id = ticket_id


def parse_status(text: str) -> Status:
    """`failed` or `FAILED` → Status.FAILED; anything else raises ValueError naming the statuses."""
    try:
        return Status(text.strip().upper())
    except ValueError:
        choices = ", ".join(status.value for status in Status)
        raise ValueError(f"unknown status {text!r}: one of {choices}") from None


def plain(value: Any) -> Any:
    """A deserialized DynamoDB value made JSON-ready: Decimal → int or float, sets → sorted lists."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(plain(item) for item in value)
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return value


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: plain(_DESERIALIZER.deserialize(value)) for key, value in item.items()}


def get_ticket(client: DynamoDBClient, table_name: str, ticket_id: str) -> dict[str, Any]:
    """The ticket's item (read consistently); TicketNotFoundError when there is none."""
    response = client.get_item(TableName=table_name, Key={"ticket_id": {"S": ticket_id}}, ConsistentRead=True)
    if "Item" not in response:
        raise TicketNotFoundError(ticket_id)
    return from_item(response["Item"])


def list_by_status(
    client: DynamoDBClient, table_name: str, status: Status, *, limit: int, before: str | None = None
) -> list[dict[str, Any]]:
    """Up to `limit` tickets in `status` from the by-status index, the latest transition first; with
    `before` (a table timestamp), only those that entered the status before it."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    found: list[dict[str, Any]] = []
    start_key: dict[str, Any] | None = None
    while len(found) < limit:
        request: dict[str, Any] = {
            "TableName": table_name,
            "IndexName": STATUS_INDEX,
            "KeyConditionExpression": "#status = :status" + (" AND status_at < :before" if before else ""),
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":status": {"S": status.value}}
            | ({":before": {"S": before}} if before else {}),
            "ScanIndexForward": False,
            "Limit": min(_PAGE_SIZE, limit - len(found)),
        }
        if start_key is not None:
            request["ExclusiveStartKey"] = start_key
        response = client.query(**request)
        found += [from_item(item) for item in response.get("Items", [])]
        start_key = response.get("LastEvaluatedKey")
        if start_key is None:
            break
    return found[:limit]
