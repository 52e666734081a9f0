"""The ticket table, as far as code outside the state machine writes it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class TicketStore(Protocol):
    def record_rejection(self, ticket_id: str, reason: str) -> None: ...


class DynamoTicketStore:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table_name = table_name

    def record_rejection(self, ticket_id: str, reason: str) -> None:
        """A REJECTED item, unless the id already belongs to a ticket: bad input never overwrites good."""
        try:
            self._client.put_item(
                TableName=self._table_name,
                Item={
                    "ticket_id": {"S": ticket_id},
                    "status": {"S": "REJECTED"},
                    "status_reason": {"S": reason},
                    "rejected_at": {"S": datetime.now(UTC).isoformat()},
                },
                ConditionExpression="attribute_not_exists(ticket_id)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
