"""Follows submitted tickets to their final state: the DynamoDB item, or a failed execution."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ticketflow.polling import wait_until

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_stepfunctions import SFNClient

FINAL_ITEM_STATUSES = frozenset({"RESPONDED", "REJECTED", "FAILED"})
FAILED_EXECUTION_STATUSES = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})
_BATCH_GET_LIMIT = 100


@dataclass(frozen=True)
class TicketState:
    ticket_id: str
    status: str  # RESPONDED | REJECTED | FAILED
    item: dict[str, Any]  # the DynamoDB item, plain values
    reason: str | None = None

    @property
    def processed_at(self) -> float | None:
        stamp = self.item.get("processed_at")
        return datetime.fromisoformat(stamp).timestamp() if stamp else None


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item with its type tags removed (only the S and N types the pipeline writes)."""
    return {key: value.get("S", value.get("N")) for key, value in item.items()}


class Tracker:
    def __init__(
        self, dynamodb: DynamoDBClient, sfn: SFNClient, table_name: str, state_machine_arn: str
    ) -> None:
        self._dynamodb = dynamodb
        self._sfn = sfn
        self._table_name = table_name
        self._execution_prefix = state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":"

    def states(self, ticket_ids: Iterable[str]) -> dict[str, TicketState]:
        """The tickets among `ticket_ids` that have reached a final state."""
        ids = list(ticket_ids)
        found = self.final_items(ids)
        ended = {t: f for t in set(ids) - found.keys() if (f := self._failed_execution(t)) is not None}
        if ended:
            # The item is read again: RecordFailure may have written FAILED, with its reason, meanwhile.
            found.update(self.final_items(list(ended)))
            for ticket_id, failure in ended.items():
                found.setdefault(ticket_id, failure)
        return found

    def wait_for(
        self, ticket_ids: Sequence[str], *, timeout: float, on_progress: Callable[[int], None] | None = None
    ) -> dict[str, TicketState]:
        """Polls until every ticket is final; raises WaitTimeoutError naming the ones still pending."""
        done: dict[str, TicketState] = {}

        def pending() -> list[str]:
            done.update(self.states(t for t in ticket_ids if t not in done))
            if on_progress:
                on_progress(len(done))
            return [t for t in ticket_ids if t not in done]

        wait_until(pending, until=lambda left: not left, timeout=timeout, interval=0.5,
                   description=f"{len(ticket_ids)} tickets to reach a final state")  # fmt: skip
        return done

    def final_items(self, ticket_ids: list[str]) -> dict[str, TicketState]:
        """The items among `ticket_ids` with a final status (DynamoDB only, no execution lookups)."""
        unique = list(dict.fromkeys(ticket_ids))
        found: dict[str, TicketState] = {}
        for start in range(0, len(unique), _BATCH_GET_LIMIT):
            found.update(self._final_batch(unique[start : start + _BATCH_GET_LIMIT]))
        return found

    def _final_batch(self, ticket_ids: list[str]) -> dict[str, TicketState]:
        keys: list[Any] = [{"ticket_id": {"S": t}} for t in ticket_ids]
        request: dict[str, Any] = {self._table_name: {"Keys": keys, "ConsistentRead": True}}
        found: dict[str, TicketState] = {}
        while request:
            response = self._dynamodb.batch_get_item(RequestItems=request)
            for raw in response["Responses"].get(self._table_name, []):
                item = plain(raw)
                if item.get("status") in FINAL_ITEM_STATUSES:
                    found[item["ticket_id"]] = TicketState(
                        item["ticket_id"], item["status"], item, item.get("status_reason")
                    )
            request = dict(response.get("UnprocessedKeys") or {})
        return found

    def _failed_execution(self, ticket_id: str) -> TicketState | None:
        try:
            execution = self._sfn.describe_execution(executionArn=self._execution_prefix + ticket_id)
        except self._sfn.exceptions.ExecutionDoesNotExist:
            return None
        if execution["status"] not in FAILED_EXECUTION_STATUSES:
            return None
        detail = f"{execution.get('error', '')}: {execution.get('cause', '')}"[:500]
        reason = f"execution {execution['status']} and the ticket has no final status ({detail})"
        return TicketState(ticket_id, "FAILED", {}, reason)
