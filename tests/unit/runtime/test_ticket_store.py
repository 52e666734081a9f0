"""The ticket store: RECEIVED on arrival, re-deliveries and duplicates told apart, REJECTED items, and
never a write over a ticket that already exists."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from tests.event_files import TICKET_SUBMITTED, load_event
from ticketflow.model import TicketSubmitted
from ticketflow.ticket_store import (
    DUPLICATE_REASON,
    NEW_ITEM,
    RECEIVABLE,
    Arrival,
    Condition,
    DynamoTicketStore,
    Status,
    content_hash,
    duplicate_key,
    timestamp,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


TABLE = "tickets-table"
TICKET_ID = "TKT-20250115-0042"


def _ticket(**data: str) -> TicketSubmitted:
    event = load_event(TICKET_SUBMITTED)
    event["data"] |= data
    return TicketSubmitted.model_validate(event)


def _put(item: dict[str, Any], condition: Condition = NEW_ITEM) -> dict[str, Any]:
    return {"TableName": TABLE, "Item": item, **condition}


def _get(ticket_id: str) -> dict[str, Any]:
    return {"TableName": TABLE, "Key": {"ticket_id": {"S": ticket_id}}, "ConsistentRead": True}


def _capture_puts(client: DynamoDBClient) -> list[dict[str, Any]]:
    """The PutItem requests the client sends (Stubber checks their shape, this keeps their values)."""
    sent: list[dict[str, Any]] = []
    client.meta.events.register(
        "provide-client-params.dynamodb.PutItem", lambda params, **_: sent.append(params)
    )
    return sent


def test_a_rejection_is_a_conditional_put_of_a_rejected_item(dynamodb_client: DynamoDBClient) -> None:
    # GIVEN a table that accepts the write
    reason = "invalid ticket: data.subject: missing"
    expected = _put(
        {
            "ticket_id": {"S": TICKET_ID},
            "status": {"S": "REJECTED"},
            "status_reason": {"S": reason},
            "status_at": ANY,
            "rejected_at": ANY,
            "history": ANY,
        }
    )
    sent = _capture_puts(dynamodb_client)
    with Stubber(dynamodb_client) as stubber:
        stubber.add_response("put_item", {}, expected)

        # WHEN a rejection is recorded
        DynamoTicketStore(dynamodb_client, TABLE).record_rejection(TICKET_ID, reason)

        # THEN exactly that item was written, only if the id was free
        stubber.assert_no_pending_responses()
    # with one transition in its history, at the status's own time
    [item] = [put["Item"] for put in sent]
    at = item["status_at"]["S"]
    assert item["rejected_at"] == {"S": at}
    assert item["history"] == {
        "L": [{"M": {"status": {"S": "REJECTED"}, "at": {"S": at}, "reason": {"S": reason}}}]
    }


def test_a_new_ticket_is_recorded_received_with_its_content_hash(dynamodb_client: DynamoDBClient) -> None:
    # GIVEN a ticket whose id is free
    ticket = _ticket()
    issue = ticket.data.product_issue_information
    expected = _put(
        {
            "ticket_id": {"S": TICKET_ID},
            "status": {"S": "RECEIVED"},
            "status_at": ANY,
            "received_at": ANY,
            "history": ANY,
            "content_hash": {"S": content_hash(ticket)},
            "submitted_at": {"S": ticket.submitted_at.isoformat()},
            "product": {"S": issue.product},
            "issue_type": {"S": issue.issue_type},
        },
        RECEIVABLE,
    )
    sent = _capture_puts(dynamodb_client)
    with Stubber(dynamodb_client) as stubber:
        stubber.add_response("put_item", {}, expected)

        # WHEN it arrives
        arrival = DynamoTicketStore(dynamodb_client, TABLE).record_received(ticket)

        # THEN a conditional put of a RECEIVED item, and nothing read back
        stubber.assert_no_pending_responses()
    assert arrival is Arrival.NEW
    # the id may be free, or held only by invalid input rejected under it (REJECTED, no content hash)
    assert RECEIVABLE["ConditionExpression"] == (
        "attribute_not_exists(ticket_id) OR (#status = :rejected AND attribute_not_exists(content_hash))"
    )
    assert RECEIVABLE["ExpressionAttributeValues"] == {":rejected": {"S": "REJECTED"}}
    [item] = [put["Item"] for put in sent]
    assert item["history"] == {"L": [{"M": {"status": {"S": "RECEIVED"}, "at": item["status_at"]}}]}
    assert "status_reason" not in item


def test_a_redelivery_of_the_same_ticket_is_recognised(dynamodb_client: DynamoDBClient) -> None:
    # GIVEN the id taken by the same content (the condition fails; the item's hash matches)
    ticket = _ticket()
    existing = {
        "ticket_id": {"S": TICKET_ID},
        "status": {"S": "PROCESSING"},
        "content_hash": {"S": content_hash(ticket)},
    }
    with Stubber(dynamodb_client) as stubber:
        stubber.add_client_error(
            "put_item", "ConditionalCheckFailedException", "The conditional request failed"
        )
        stubber.add_response("get_item", {"Item": existing}, _get(TICKET_ID))

        # WHEN it arrives again
        arrival = DynamoTicketStore(dynamodb_client, TABLE).record_received(ticket)

        # THEN it is the same ticket: nothing was overwritten, the item was read consistently
        stubber.assert_no_pending_responses()
    assert arrival is Arrival.SAME_TICKET


def test_another_ticket_reusing_the_id_is_recorded_beside_the_first(dynamodb_client: DynamoDBClient) -> None:
    # GIVEN the id taken by a ticket of other content
    original, impostor = _ticket(), _ticket(subject="Something else entirely")
    digest = content_hash(impostor)
    existing = {"ticket_id": {"S": TICKET_ID}, "content_hash": {"S": content_hash(original)}}
    duplicate = _put(
        {
            "ticket_id": {"S": duplicate_key(TICKET_ID, digest)},
            "status": {"S": "REJECTED"},
            "status_reason": {"S": DUPLICATE_REASON},
            "status_at": ANY,
            "rejected_at": ANY,
            "history": ANY,
            "duplicate_of": {"S": TICKET_ID},
            "content_hash": {"S": digest},
        }
    )
    store = DynamoTicketStore(dynamodb_client, TABLE)
    with Stubber(dynamodb_client) as stubber:
        stubber.add_client_error(
            "put_item", "ConditionalCheckFailedException", "The conditional request failed"
        )
        stubber.add_response("get_item", {"Item": existing}, _get(TICKET_ID))
        stubber.add_response("put_item", {}, duplicate)

        # WHEN it arrives, and is recorded as a duplicate (what Intake does with DIFFERENT_TICKET)
        arrival = store.record_received(impostor)
        store.record_duplicate(impostor)

        # THEN another ticket, REJECTED under its own key naming the original (which is not written)
        stubber.assert_no_pending_responses()
    assert arrival is Arrival.DIFFERENT_TICKET
    assert duplicate_key(TICKET_ID, digest) == f"{TICKET_ID}#duplicate#{digest[:12]}"


def test_the_content_hash_ignores_key_order_and_sees_every_field() -> None:
    # GIVEN a ticket, the same ticket with its fields in another order, and one with another subject
    event = load_event(TICKET_SUBMITTED)
    reordered = dict(reversed(list(event.items())))

    # WHEN / THEN the same content hashes the same; a changed field does not
    assert content_hash(TicketSubmitted.model_validate(event)) == content_hash(
        TicketSubmitted.model_validate(reordered)
    )
    assert content_hash(_ticket()) != content_hash(_ticket(subject="Another subject"))


def test_timestamps_are_utc_milliseconds_like_step_functions() -> None:
    # GIVEN / WHEN a timestamp
    # THEN it has Step Functions' EnteredTime format, so `status_at` sorts across both writers
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", timestamp())


def test_only_responded_failed_and_rejected_are_final() -> None:
    # GIVEN / WHEN / THEN
    assert {status for status in Status if status.is_final} == {
        Status.RESPONDED,
        Status.FAILED,
        Status.REJECTED,
    }


def test_an_existing_ticket_is_not_overwritten(dynamodb_client: DynamoDBClient) -> None:
    # GIVEN the id already belongs to a ticket (the condition fails)
    with Stubber(dynamodb_client) as stubber:
        stubber.add_client_error(
            "put_item", "ConditionalCheckFailedException", "The conditional request failed"
        )

        # WHEN a rejection is recorded
        DynamoTicketStore(dynamodb_client, TABLE).record_rejection(TICKET_ID, "bad")

        # THEN it is a quiet no-op
        stubber.assert_no_pending_responses()


def test_other_errors_propagate(dynamodb_client: DynamoDBClient) -> None:
    # GIVEN DynamoDB throttling
    with Stubber(dynamodb_client) as stubber:
        stubber.add_client_error("put_item", "ProvisionedThroughputExceededException", "slow down")

        # WHEN / THEN the caller sees it (the record is retried)
        with pytest.raises(ClientError, match="ProvisionedThroughputExceededException"):
            DynamoTicketStore(dynamodb_client, TABLE).record_rejection(TICKET_ID, "bad")


def _transaction(*tickets: TicketSubmitted) -> dict[str, Any]:
    puts = [{"Put": {"TableName": TABLE, "Item": ANY, **RECEIVABLE}} for _ in tickets]
    return {"TransactItems": puts}


def test_a_batch_is_recorded_received_in_one_transaction_a_hundred(dynamodb_client: DynamoDBClient) -> None:
    # GIVEN 101 new tickets
    tickets = [_ticket() for _ in range(101)]
    tickets = [t.model_copy(update={"ticket_id": f"TKT-20250115-{n:04d}"}) for n, t in enumerate(tickets)]
    sent: list[dict[str, Any]] = []
    dynamodb_client.meta.events.register(
        "provide-client-params.dynamodb.TransactWriteItems", lambda params, **_: sent.append(params)
    )
    with Stubber(dynamodb_client) as stubber:
        stubber.add_response("transact_write_items", {}, _transaction(*tickets[:100]))
        stubber.add_response("transact_write_items", {}, _transaction(tickets[100]))

        # WHEN they arrive together
        written = DynamoTicketStore(dynamodb_client, TABLE).record_all_received(tickets)

        # THEN two conditional transactions wrote the items record_received would have written
        stubber.assert_no_pending_responses()
    assert written == [True] * 101
    first = sent[0]["TransactItems"][0]["Put"]["Item"]
    assert (first["ticket_id"], first["status"]) == ({"S": "TKT-20250115-0000"}, {"S": "RECEIVED"})
    assert first["content_hash"] == {"S": content_hash(tickets[0])}


def test_a_transaction_that_fails_writes_none_and_is_no_error(dynamodb_client: DynamoDBClient) -> None:
    # GIVEN two tickets, one of whose ids is taken (the transaction is cancelled), then a throttled one
    tickets = [_ticket(), _ticket(subject="Another")]
    with Stubber(dynamodb_client) as stubber:
        stubber.add_client_error(
            "transact_write_items", "TransactionCanceledException", "ConditionalCheckFailed"
        )
        stubber.add_client_error(
            "transact_write_items", "ProvisionedThroughputExceededException", "slow down"
        )

        # WHEN they arrive together, twice
        store = DynamoTicketStore(dynamodb_client, TABLE)
        outcomes = [store.record_all_received(tickets), store.record_all_received(tickets)]

    # THEN nothing counts as written: record_received sorts each ticket out on its own
    assert outcomes == [[False, False], [False, False]]
