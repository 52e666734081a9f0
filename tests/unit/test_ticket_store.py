"""The ticket store: a REJECTED item, never over a ticket that already exists."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from ticketflow.ticket_store import DynamoTicketStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.unit

TABLE = "tickets-table"


def test_a_rejection_is_a_conditional_put_of_a_rejected_item(dynamodb_client: DynamoDBClient) -> None:
    # GIVEN a table that accepts the write
    expected = {
        "TableName": TABLE,
        "Item": {
            "ticket_id": {"S": "TKT-20250115-0042"},
            "status": {"S": "REJECTED"},
            "status_reason": {"S": "invalid ticket: data.subject: missing"},
            "rejected_at": {"S": ANY},
        },
        "ConditionExpression": "attribute_not_exists(ticket_id)",
    }
    with Stubber(dynamodb_client) as stubber:
        stubber.add_response("put_item", {}, expected)

        # WHEN a rejection is recorded
        DynamoTicketStore(dynamodb_client, TABLE).record_rejection(
            "TKT-20250115-0042", "invalid ticket: data.subject: missing"
        )

        # THEN exactly that item was written, only if the id was free
        stubber.assert_no_pending_responses()


def test_an_existing_ticket_is_not_overwritten(dynamodb_client: DynamoDBClient) -> None:
    # GIVEN the id already belongs to a ticket (the condition fails)
    with Stubber(dynamodb_client) as stubber:
        stubber.add_client_error(
            "put_item", "ConditionalCheckFailedException", "The conditional request failed"
        )

        # WHEN a rejection is recorded
        DynamoTicketStore(dynamodb_client, TABLE).record_rejection("TKT-20250115-0042", "bad")

        # THEN it is a quiet no-op
        stubber.assert_no_pending_responses()


def test_other_errors_propagate(dynamodb_client: DynamoDBClient) -> None:
    # GIVEN DynamoDB throttling
    with Stubber(dynamodb_client) as stubber:
        stubber.add_client_error("put_item", "ProvisionedThroughputExceededException", "slow down")

        # WHEN / THEN the caller sees it (the record is retried)
        with pytest.raises(ClientError, match="ProvisionedThroughputExceededException"):
            DynamoTicketStore(dynamodb_client, TABLE).record_rejection("TKT-20250115-0042", "bad")
