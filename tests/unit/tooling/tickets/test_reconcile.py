"""Reconciling tickets stuck in flight: made FAILED with their execution's reason, and counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.stub import ANY, Stubber

from ticketflow_dev.tickets.reconcile import Reconciled, Reconciler

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_stepfunctions import SFNClient


TABLE = "tickets-table"
STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:TicketFlow"
EXECUTION_PREFIX = "arn:aws:states:us-east-1:123456789012:execution:TicketFlow:"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _query(status: str, items: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    expected = {
        "TableName": TABLE,
        "IndexName": "by-status",
        "KeyConditionExpression": "#status = :status AND status_at < :before",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {":status": {"S": status}, ":before": {"S": "2026-11-26T11:55:00.000Z"}},
        "ScanIndexForward": False,
        "Limit": ANY,
    }
    return {"Items": items}, expected


def _item(ticket_id: str, status: str) -> dict[str, Any]:
    return {
        "ticket_id": {"S": ticket_id},
        "status": {"S": status},
        "status_at": {"S": "2026-11-26T11:00:00.000Z"},
    }


def _execution(ticket_id: str, status: str, **extra: str) -> dict[str, Any]:
    return {
        "executionArn": EXECUTION_PREFIX + ticket_id,
        "stateMachineArn": STATE_MACHINE_ARN,
        "status": status,
        "startDate": "2026-11-26T11:00:00Z",
    } | extra


def test_stuck_tickets_become_failed_with_the_executions_reason_and_are_counted(
    dynamodb_client: DynamoDBClient, sfn_client: SFNClient, cloudwatch_client: CloudWatchClient
) -> None:
    # GIVEN one RECEIVED ticket never started, a PROCESSING one whose execution the emulator cut short,
    # and a PROCESSING one whose execution still runs
    never, cut, running = "TKT-20261126-0001", "TKT-20261126-0002", "TKT-20261126-0003"
    with Stubber(dynamodb_client) as dynamodb, Stubber(sfn_client) as sfn, Stubber(cloudwatch_client) as cw:
        dynamodb.add_response("query", *_query("RECEIVED", [_item(never, "RECEIVED")]))
        sfn.add_client_error("describe_execution", "ExecutionDoesNotExist", "no such execution")
        dynamodb.add_response("update_item", {}, _update(never))
        dynamodb.add_response(
            "query", *_query("PROCESSING", [_item(cut, "PROCESSING"), _item(running, "PROCESSING")])
        )
        sfn.add_response(
            "describe_execution",
            _execution(
                cut,
                "FAILED",
                error="States.ServiceRestart",
                cause="Execution was running when service restarted",
            ),
        )
        dynamodb.add_response("update_item", {}, _update(cut))
        sfn.add_response("describe_execution", _execution(running, "RUNNING"))
        cw.add_response(
            "put_metric_data",
            {},
            {
                "Namespace": "Ticketflow",
                "MetricData": [{"MetricName": "TicketsFailed", "Value": 2, "Unit": "Count"}],
            },
        )

        # WHEN tickets in flight for over five minutes are reconciled
        done = _reconciler(dynamodb_client, sfn_client, cloudwatch_client).reconcile(
            older_than=timedelta(minutes=5), now=NOW
        )

        # THEN the two that cannot finish are FAILED, with why, counted once; the running one is left alone
        dynamodb.assert_no_pending_responses()
    assert done == [
        Reconciled(never, "RECEIVED", "no execution was started for the ticket"),
        Reconciled(
            cut,
            "PROCESSING",
            "execution FAILED without recording a final status "
            "(States.ServiceRestart: Execution was running when service restarted)",
        ),
    ]


def test_a_ticket_that_finished_meanwhile_is_not_overwritten(
    dynamodb_client: DynamoDBClient, sfn_client: SFNClient, cloudwatch_client: CloudWatchClient
) -> None:
    # GIVEN a PROCESSING ticket whose execution ended, but whose item turns final before the write
    ticket_id = "TKT-20261126-0004"
    with Stubber(dynamodb_client) as dynamodb, Stubber(sfn_client) as sfn, Stubber(cloudwatch_client):
        dynamodb.add_response("query", *_query("RECEIVED", []))
        dynamodb.add_response("query", *_query("PROCESSING", [_item(ticket_id, "PROCESSING")]))
        sfn.add_response("describe_execution", _execution(ticket_id, "ABORTED"))
        dynamodb.add_client_error(
            "update_item", "ConditionalCheckFailedException", "The conditional request failed"
        )

        # WHEN reconciled
        done = _reconciler(dynamodb_client, sfn_client, cloudwatch_client).reconcile(
            older_than=timedelta(minutes=5), now=NOW
        )

    # THEN nothing is reconciled and no metric is published (the stubbed CloudWatch expects no call)
    assert done == []


def _update(ticket_id: str) -> dict[str, Any]:
    return {
        "TableName": TABLE,
        "Key": {"ticket_id": {"S": ticket_id}},
        "UpdateExpression": ANY,
        "ConditionExpression": "#status IN (:received, :processing)",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": ANY,
    }


def _reconciler(dynamodb: DynamoDBClient, sfn: SFNClient, cloudwatch: CloudWatchClient) -> Reconciler:
    return Reconciler(dynamodb, sfn, cloudwatch, TABLE, STATE_MACHINE_ARN)
