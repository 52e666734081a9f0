"""Tickets stuck in flight: RECEIVED or PROCESSING while their execution has ended, or never began.

An execution can end without running RecordFailure: aborted, timed out, or lost when the local emulator
restarted (MiniStack marks running executions FAILED `States.ServiceRestart` on start). Reconciling makes
each such ticket FAILED with the execution's reason and counts it, so every ticket ends in a known state
and the failure alarm sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ticketflow import metrics
from ticketflow.ticket_store import Status, timestamp
from ticketflow_dev.tickets.queries import list_by_status

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_stepfunctions import SFNClient

_IN_FLIGHT = (Status.RECEIVED, Status.PROCESSING)
_SCAN_LIMIT = 10_000


@dataclass(frozen=True)
class Reconciled:
    ticket_id: str
    was: str
    reason: str


class Reconciler:
    def __init__(
        self,
        dynamodb: DynamoDBClient,
        sfn: SFNClient,
        cloudwatch: CloudWatchClient,
        table_name: str,
        state_machine_arn: str,
    ) -> None:
        self._dynamodb = dynamodb
        self._sfn = sfn
        self._cloudwatch = cloudwatch
        self._table_name = table_name
        self._execution_prefix = state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":"

    def stuck_reason(self, ticket_id: str) -> str | None:
        """Why the ticket can no longer finish by itself, or None while its execution is running."""
        try:
            execution = self._sfn.describe_execution(executionArn=self._execution_prefix + ticket_id)
        except self._sfn.exceptions.ExecutionDoesNotExist:
            return "no execution was started for the ticket"
        if execution["status"] == "RUNNING":
            return None
        detail = ": ".join(part for part in (execution.get("error"), execution.get("cause")) if part)
        return f"execution {execution['status']} without recording a final status" + (
            f" ({detail})" if detail else ""
        )

    def reconcile(self, *, older_than: timedelta, now: datetime | None = None) -> list[Reconciled]:
        cutoff = (now or datetime.now(UTC)) - older_than
        before = cutoff.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        done: list[Reconciled] = []
        for status in _IN_FLIGHT:
            for item in list_by_status(
                self._dynamodb, self._table_name, status, limit=_SCAN_LIMIT, before=before
            ):
                reason = self.stuck_reason(item["ticket_id"])
                if reason is not None and self._mark_failed(item["ticket_id"], reason):
                    done.append(Reconciled(item["ticket_id"], status.value, reason))
        if done:
            self._cloudwatch.put_metric_data(
                Namespace=metrics.NAMESPACE,
                MetricData=[{"MetricName": metrics.TICKETS_FAILED, "Value": len(done), "Unit": "Count"}],
            )
        return done

    def _mark_failed(self, ticket_id: str, reason: str) -> bool:
        at = timestamp()
        entry: dict[str, Any] = {"M": {"status": {"S": "FAILED"}, "at": {"S": at}, "reason": {"S": reason}}}
        try:
            self._dynamodb.update_item(
                TableName=self._table_name,
                Key={"ticket_id": {"S": ticket_id}},
                UpdateExpression="SET #status = :failed, status_reason = :reason, status_at = :at,"
                " failed_at = :at, history = list_append(if_not_exists(history, :none), :entry)",
                ConditionExpression="#status IN (:received, :processing)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":failed": {"S": Status.FAILED.value},
                    ":received": {"S": Status.RECEIVED.value},
                    ":processing": {"S": Status.PROCESSING.value},
                    ":reason": {"S": reason},
                    ":at": {"S": at},
                    ":none": {"L": []},
                    ":entry": {"L": [entry]},
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False  # it finished meanwhile
            raise
        return True
