"""Reading the ticket table: one ticket by id, or the tickets in one status, newest transition first.

Items come back as plain JSON-ready dicts (DynamoDB numbers become int or float), so the command line can
print them as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer

from ticketflow.ticket_store import STATUS_INDEX, Status

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_PAGE_SIZE = 100
# The lifecycle timestamps an item may carry, in the order they happen.
TIMESTAMPS = (
    "submitted_at",
    "received_at",
    "processing_at",
    "processed_at",
    "responded_at",
    "failed_at",
    "rejected_at",
)
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
    client: DynamoDBClient,
    table_name: str,
    status: Status,
    *,
    limit: int,
    before: str | None = None,
    attributes: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Up to `limit` tickets in `status` from the by-status index, the latest transition first; with
    `before` (a table timestamp), only those that entered the status before it; with `attributes`, only
    those attributes of each."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    found: list[dict[str, Any]] = []
    start_key: dict[str, Any] | None = None
    while len(found) < limit:
        request = _by_status(table_name, status, attributes) | {"Limit": min(_PAGE_SIZE, limit - len(found))}
        request["KeyConditionExpression"] += " AND status_at < :before" if before else ""
        request["ExpressionAttributeValues"] |= {":before": {"S": before}} if before else {}
        if start_key is not None:
            request["ExclusiveStartKey"] = start_key
        response = client.query(**request)
        found += [from_item(item) for item in response.get("Items", [])]
        start_key = response.get("LastEvaluatedKey")
        if start_key is None:
            break
    return found[:limit]


def count_by_status(client: DynamoDBClient, table_name: str, status: Status, *, cap: int) -> tuple[int, bool]:
    """How many tickets are in `status`, counting at most `cap` of them (one request, so its cost stays
    bounded however large the table grows), and whether there are more."""
    request = _by_status(table_name, status, ()) | {"Select": "COUNT", "Limit": cap}
    response = client.query(**request)
    return response["Count"], "LastEvaluatedKey" in response


def _by_status(table_name: str, status: Status, attributes: Sequence[str]) -> dict[str, Any]:
    """A query of the by-status index for one status, the latest transition first."""
    names = {"#status": "status"} | {f"#a{index}": name for index, name in enumerate(attributes)}
    request: dict[str, Any] = {
        "TableName": table_name,
        "IndexName": STATUS_INDEX,
        "KeyConditionExpression": "#status = :status",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": {":status": {"S": status.value}},
        "ScanIndexForward": False,
    }
    if attributes:
        request["ProjectionExpression"] = ", ".join(f"#a{index}" for index in range(len(attributes)))
    return request
