"""Ticket queries: one item by id (plain JSON values), the tickets in a status newest first, paginated."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber

from ticketflow.ticket_store import STATUS_INDEX, Status
from ticketflow_dev.tickets.queries import (
    TicketNotFoundError,
    get_ticket,
    list_by_status,
    parse_status,
    plain,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


TABLE = "tickets-table"


def _query(status: str, limit: int, start: dict[str, Any] | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "TableName": TABLE,
        "IndexName": STATUS_INDEX,
        "KeyConditionExpression": "#status = :status",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {":status": {"S": status}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    return request | ({"ExclusiveStartKey": start} if start else {})


def _failed(n: int) -> dict[str, Any]:
    return {
        "ticket_id": {"S": f"TKT-20250115-{n:04d}"},
        "status": {"S": "FAILED"},
        "status_at": {"S": f"2025-01-15T09:{n:02d}:00.000Z"},
        "status_reason": {"S": "States.TaskFailed: boom"},
    }


def _key(n: int) -> dict[str, Any]:
    return {k: v for k, v in _failed(n).items() if k in {"ticket_id", "status", "status_at"}}


@pytest.mark.parametrize(
    ("text", "status"),
    [("FAILED", Status.FAILED), ("failed", Status.FAILED), (" Received ", Status.RECEIVED)],
)
def test_a_status_is_read_in_any_case(text: str, status: Status) -> None:
    # GIVEN / WHEN / THEN
    assert parse_status(text) is status


def test_an_unknown_status_names_the_valid_ones() -> None:
    # GIVEN / WHEN / THEN
    with pytest.raises(
        ValueError, match="unknown status 'DONE': one of RECEIVED, PROCESSING, RESPONDED, FAILED, REJECTED"
    ):
        parse_status("DONE")


def test_a_ticket_is_read_consistently_as_plain_values(dynamodb_client: DynamoDBClient) -> None:
    # GIVEN a RESPONDED item with numbers and a history
    item = {
        "ticket_id": {"S": "TKT-20250115-0042"},
        "status": {"S": "RESPONDED"},
        "sentiment_score_negative": {"N": "0.91"},
        "attempts": {"N": "2"},
        "history": {"L": [{"M": {"status": {"S": "RECEIVED"}, "at": {"S": "2025-01-15T09:30:00.000Z"}}}]},
    }
    expected = {"TableName": TABLE, "Key": {"ticket_id": {"S": "TKT-20250115-0042"}}, "ConsistentRead": True}
    with Stubber(dynamodb_client) as stubber:
        stubber.add_response("get_item", {"Item": item}, expected)

        # WHEN it is read
        ticket = get_ticket(dynamodb_client, TABLE, "TKT-20250115-0042")

        stubber.assert_no_pending_responses()

    # THEN its values are plain JSON values (numbers as int or float, not Decimal)
    assert ticket == {
        "ticket_id": "TKT-20250115-0042",
        "status": "RESPONDED",
        "sentiment_score_negative": 0.91,
        "attempts": 2,
        "history": [{"status": "RECEIVED", "at": "2025-01-15T09:30:00.000Z"}],
    }
    assert type(ticket["attempts"]) is int


def test_an_unknown_ticket_is_an_error(dynamodb_client: DynamoDBClient) -> None:
    # GIVEN a table without the id
    with Stubber(dynamodb_client) as stubber:
        stubber.add_response("get_item", {})

        # WHEN / THEN
        with pytest.raises(TicketNotFoundError, match="TKT-20250115-9999"):
            get_ticket(dynamodb_client, TABLE, "TKT-20250115-9999")


def test_a_status_is_listed_newest_first_across_pages_up_to_the_limit(
    dynamodb_client: DynamoDBClient,
) -> None:
    # GIVEN an index answering two items and more, then two more and more
    with Stubber(dynamodb_client) as stubber:
        stubber.add_response(
            "query", {"Items": [_failed(9), _failed(8)], "LastEvaluatedKey": _key(8)}, _query("FAILED", 3)
        )
        stubber.add_response(
            "query", {"Items": [_failed(7)], "LastEvaluatedKey": _key(7)}, _query("FAILED", 1, start=_key(8))
        )

        # WHEN three FAILED tickets are listed
        tickets = list_by_status(dynamodb_client, TABLE, Status.FAILED, limit=3)

        # THEN the index is read newest first, each page asking only for what is still missing, and no further
        stubber.assert_no_pending_responses()
    assert [t["ticket_id"] for t in tickets] == [
        "TKT-20250115-0009",
        "TKT-20250115-0008",
        "TKT-20250115-0007",
    ]
    assert tickets[0]["status_reason"] == "States.TaskFailed: boom"


def test_listing_stops_at_the_last_page(dynamodb_client: DynamoDBClient) -> None:
    # GIVEN an index with one page of one item
    with Stubber(dynamodb_client) as stubber:
        stubber.add_response("query", {"Items": [_failed(1)]}, _query("REJECTED", 100))

        # WHEN up to 500 are asked for
        tickets = list_by_status(dynamodb_client, TABLE, Status.REJECTED, limit=500)

        # THEN one query, one ticket
        stubber.assert_no_pending_responses()
    assert len(tickets) == 1


def test_a_limit_below_one_is_refused(dynamodb_client: DynamoDBClient) -> None:
    # GIVEN / WHEN / THEN
    with pytest.raises(ValueError, match="at least 1"):
        list_by_status(dynamodb_client, TABLE, Status.FAILED, limit=0)


def test_plain_makes_every_dynamodb_type_json_ready() -> None:
    # GIVEN / WHEN / THEN
    assert plain({"n": Decimal("3"), "f": Decimal("0.5"), "ss": {"b", "a"}, "b": b"\x01"}) == {
        "n": 3,
        "f": 0.5,
        "ss": ["a", "b"],
        "b": "01",
    }
