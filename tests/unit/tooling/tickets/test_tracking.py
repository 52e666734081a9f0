"""Tracking: final DynamoDB items in batches of 100, failed executions for the tickets without one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber

from ticketflow_dev.core.polling import WaitTimeoutError
from ticketflow_dev.tickets.queries import from_item
from ticketflow_dev.tickets.tracking import NO_ITEM, TicketState, Tracker, Waiting

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_stepfunctions import SFNClient


TABLE = "tickets-table"
STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:TicketFlow"
EXECUTION_PREFIX = "arn:aws:states:us-east-1:123456789012:execution:TicketFlow:"


def _item(ticket_id: str, status: str, **extra: str) -> dict[str, Any]:
    item = {"ticket_id": {"S": ticket_id}, "status": {"S": status}}
    return item | {key: {"S": value} for key, value in extra.items()}


def _keys(*ticket_ids: str) -> dict[str, Any]:
    return {TABLE: {"Keys": [{"ticket_id": {"S": t}} for t in ticket_ids], "ConsistentRead": True}}


def _execution(ticket_id: str, status: str, **extra: str) -> dict[str, Any]:
    return {
        "executionArn": EXECUTION_PREFIX + ticket_id,
        "stateMachineArn": STATE_MACHINE_ARN,
        "status": status,
        "startDate": "2025-01-15T09:30:00Z",
    } | extra


def test_an_item_is_read_whole_its_history_and_numbers_included(
    dynamodb_client: DynamoDBClient, sfn_client: SFNClient
) -> None:
    # GIVEN a ticket's item as the pipeline writes it: strings, numbers, a history list of maps, a boolean
    raw = _item("TKT-20250115-0001", "RESPONDED") | {
        "sentiment_score_negative": {"N": "0.5"},
        "history": {"L": [{"M": {"status": {"S": "RECEIVED"}, "at": {"S": "2025-01-15T09:30:00Z"}}}]},
        "notified": {"BOOL": True},
    }
    with Stubber(dynamodb_client) as dynamodb:
        keys = {"RequestItems": _keys("TKT-20250115-0001")}
        dynamodb.add_response("batch_get_item", {"Responses": {TABLE: [raw]}}, keys)

        # WHEN it is read
        items = Tracker(dynamodb_client, sfn_client, TABLE, STATE_MACHINE_ARN).items(["TKT-20250115-0001"])

    # THEN every attribute is there as its value, as `ticketflow tickets show` reads it (none lost as None)
    assert items["TKT-20250115-0001"] == {
        "ticket_id": "TKT-20250115-0001",
        "status": "RESPONDED",
        "sentiment_score_negative": 0.5,
        "history": [{"status": "RECEIVED", "at": "2025-01-15T09:30:00Z"}],
        "notified": True,
    }


def test_processed_at_is_epoch_seconds_or_none() -> None:
    # GIVEN a responded and a rejected ticket
    responded = TicketState("T", "RESPONDED", {"processed_at": "2025-01-15T09:30:02.500Z"})
    rejected = TicketState("T", "REJECTED", {})

    # WHEN / THEN
    assert responded.processed_at == pytest.approx(1736933402.5)
    assert rejected.processed_at is None


def test_final_items_and_failed_executions(dynamodb_client: DynamoDBClient, sfn_client: SFNClient) -> None:
    # GIVEN a responded ticket, a rejected one, and one without an item whose execution failed
    ids = ["TKT-20250115-0001", "TKT-20250115-0002", "TKT-20250115-0003"]
    items = [
        _item(ids[0], "RESPONDED", processed_at="2025-01-15T09:30:02Z", priority="HIGH"),
        _item(ids[1], "REJECTED", status_reason="invalid ticket: data.subject"),
    ]
    with Stubber(dynamodb_client) as dynamodb, Stubber(sfn_client) as sfn:
        dynamodb.add_response("batch_get_item", {"Responses": {TABLE: items}}, {"RequestItems": _keys(*ids)})
        sfn.add_response(
            "describe_execution",
            _execution(ids[2], "FAILED", error="States.TaskFailed", cause="InvalidModelOutputError"),
            {"executionArn": EXECUTION_PREFIX + ids[2]},
        )
        # the item is read again after the execution: still no final status on it
        dynamodb.add_response("batch_get_item", {"Responses": {TABLE: []}}, {"RequestItems": _keys(ids[2])})

        # WHEN their states are asked for
        states = Tracker(dynamodb_client, sfn_client, TABLE, STATE_MACHINE_ARN).states(ids)

    # THEN each final state, with its reason; the ended execution's ticket is FAILED and said to be stuck
    assert states[ids[0]].status == "RESPONDED"
    assert states[ids[0]].item["priority"] == "HIGH"
    rejected = TicketState(ids[1], "REJECTED", from_item(items[1]), "invalid ticket: data.subject")
    assert states[ids[1]] == rejected
    assert states[ids[2]].status == "FAILED"
    assert states[ids[2]].reason == (
        "execution FAILED and the ticket has no final status (States.TaskFailed: InvalidModelOutputError)"
    )


def test_a_failure_recorded_while_the_execution_was_read_keeps_its_own_reason(
    dynamodb_client: DynamoDBClient, sfn_client: SFNClient
) -> None:
    # GIVEN an item still PROCESSING when first read, whose execution has failed by the time it is read
    ticket_id = "TKT-20250115-0005"
    recorded = _item(ticket_id, "FAILED", status_reason="ModelTimeoutException: too slow")
    with Stubber(dynamodb_client) as dynamodb, Stubber(sfn_client) as sfn:
        processing = _item(ticket_id, "PROCESSING")
        dynamodb.add_response(
            "batch_get_item", {"Responses": {TABLE: [processing]}}, {"RequestItems": _keys(ticket_id)}
        )
        sfn.add_response("describe_execution", _execution(ticket_id, "FAILED", error="TicketFailed"))
        dynamodb.add_response(
            "batch_get_item", {"Responses": {TABLE: [recorded]}}, {"RequestItems": _keys(ticket_id)}
        )

        # WHEN its state is asked for
        states = Tracker(dynamodb_client, sfn_client, TABLE, STATE_MACHINE_ARN).states([ticket_id])

    # THEN the reason is the one RecordFailure wrote, not the execution's generic one
    assert states[ticket_id].reason == "ModelTimeoutException: too slow"


@pytest.mark.parametrize("response", ["running", "missing"])
def test_tickets_in_flight_are_not_final(
    dynamodb_client: DynamoDBClient, sfn_client: SFNClient, response: str
) -> None:
    # GIVEN no item, and an execution still running or not started yet
    ticket_id = "TKT-20250115-0004"
    with Stubber(dynamodb_client) as dynamodb, Stubber(sfn_client) as sfn:
        dynamodb.add_response(
            "batch_get_item", {"Responses": {TABLE: []}}, {"RequestItems": _keys(ticket_id)}
        )
        if response == "running":
            sfn.add_response("describe_execution", _execution(ticket_id, "RUNNING"))
        else:
            sfn.add_client_error("describe_execution", "ExecutionDoesNotExist", "no such execution")

        # WHEN its state is asked for
        states = Tracker(dynamodb_client, sfn_client, TABLE, STATE_MACHINE_ARN).states([ticket_id])

    # THEN it is not final yet
    assert states == {}


def test_unprocessed_keys_are_asked_again_and_ids_go_100_at_a_time(
    dynamodb_client: DynamoDBClient, sfn_client: SFNClient
) -> None:
    # GIVEN 101 tickets, all responded; the first batch leaves one key unprocessed
    ids = [f"TKT-20250115-{n:04d}" for n in range(1, 102)]
    first = [_item(t, "RESPONDED") for t in ids[:99]]
    with Stubber(dynamodb_client) as dynamodb, Stubber(sfn_client):
        dynamodb.add_response(
            "batch_get_item",
            {"Responses": {TABLE: first}, "UnprocessedKeys": _keys(ids[99])},
            {"RequestItems": _keys(*ids[:100])},
        )
        dynamodb.add_response(
            "batch_get_item",
            {"Responses": {TABLE: [_item(ids[99], "RESPONDED")]}},
            {"RequestItems": _keys(ids[99])},
        )
        dynamodb.add_response(
            "batch_get_item",
            {"Responses": {TABLE: [_item(ids[100], "RESPONDED")]}},
            {"RequestItems": _keys(ids[100])},
        )

        # WHEN their states are asked for
        states = Tracker(dynamodb_client, sfn_client, TABLE, STATE_MACHINE_ARN).states(ids)

        # THEN three requests, every ticket found, no execution described
        dynamodb.assert_no_pending_responses()
    assert set(states) == set(ids)


def test_wait_for_returns_once_every_ticket_is_final(
    dynamodb_client: DynamoDBClient, sfn_client: SFNClient
) -> None:
    # GIVEN a ticket that is final at the first look
    ticket_id = "TKT-20250115-0005"
    progress: list[Waiting] = []
    with Stubber(dynamodb_client) as dynamodb, Stubber(sfn_client):
        dynamodb.add_response(
            "batch_get_item",
            {"Responses": {TABLE: [_item(ticket_id, "RESPONDED")]}},
            {"RequestItems": _keys(ticket_id)},
        )

        # WHEN waited for
        done = Tracker(dynamodb_client, sfn_client, TABLE, STATE_MACHINE_ARN).wait_for(
            [ticket_id], timeout=1, on_progress=progress.append
        )

    # THEN returned at once with progress reported
    assert set(done) == {ticket_id}
    assert progress == [Waiting(1, 1, {})]
    assert str(progress[0]) == "1/1 final"


def test_a_wait_that_times_out_says_where_the_pending_tickets_are(
    dynamodb_client: DynamoDBClient, sfn_client: SFNClient
) -> None:
    # GIVEN one final ticket, one whose item says RECEIVED, and one with no item, their executions not found
    final, received, unseen = "TKT-20250115-0006", "TKT-20250115-0007", "TKT-20250115-0008"
    seen: list[str] = []
    with Stubber(dynamodb_client) as dynamodb, Stubber(sfn_client) as sfn:
        dynamodb.add_response(
            "batch_get_item",
            {"Responses": {TABLE: [_item(final, "RESPONDED"), _item(received, "RECEIVED")]}},
            {"RequestItems": _keys(final, received, unseen)},
        )
        for _ in range(2):
            sfn.add_client_error("describe_execution", "ExecutionDoesNotExist", "no such execution")

        # WHEN waited for with no time left
        with pytest.raises(WaitTimeoutError) as timed_out:
            Tracker(dynamodb_client, sfn_client, TABLE, STATE_MACHINE_ARN).wait_for(
                [final, received, unseen], timeout=0, on_progress=lambda waiting: seen.append(str(waiting))
            )

    # THEN both the progress and the error say how many are final and where the others wait
    expected = "1/3 final; waiting on 1 RECEIVED, 1 not recorded yet"
    assert seen == [expected]
    assert timed_out.value.last_state == Waiting(1, 3, {"RECEIVED": 1, NO_ITEM: 1})
    assert expected in str(timed_out.value)
