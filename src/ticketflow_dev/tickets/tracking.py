"""Follows submitted tickets to their final state: the DynamoDB item, or a failed execution."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.tickets.queries import from_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_stepfunctions import SFNClient

NO_ITEM = "not recorded yet"  # no item: the trigger has not run for it (or it was never delivered)
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


@dataclass(frozen=True, repr=False)  # a timeout's message shows its last state's repr: the summary
class Waiting:
    """Where a wait for tickets stands: how many are final, and where the others are."""

    done: int
    total: int
    where: dict[str, int]  # the pending tickets by item status (NO_ITEM: none recorded yet)

    def __str__(self) -> str:
        pending = ", ".join(f"{count} {status}" for status, count in sorted(self.where.items()))
        return f"{self.done}/{self.total} final" + (f"; waiting on {pending}" if pending else "")

    __repr__ = __str__


def _final_state(item: dict[str, Any]) -> TicketState | None:
    if item.get("status") not in FINAL_ITEM_STATUSES:
        return None
    return TicketState(item["ticket_id"], item["status"], item, item.get("status_reason"))


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
        return self._final(self.items(ids), ids)

    def wait_for(
        self,
        ticket_ids: Sequence[str],
        *,
        timeout: float,
        on_progress: Callable[[Waiting], None] | None = None,
    ) -> dict[str, TicketState]:
        """Polls until every ticket is final; raises WaitTimeoutError whose last state says where the ones
        still pending are (their items' statuses, or no item yet)."""
        done: dict[str, TicketState] = {}

        def waiting() -> Waiting:
            left = [t for t in ticket_ids if t not in done]
            items = self.items(left)
            done.update(self._final(items, left))
            where = Counter(
                items[t].get("status", "?") if t in items else NO_ITEM for t in left if t not in done
            )
            progress = Waiting(len(done), len(ticket_ids), dict(where))
            if on_progress:
                on_progress(progress)
            return progress

        wait_until(waiting, until=lambda progress: progress.done == progress.total, timeout=timeout,
                   interval=0.5, description=f"{len(ticket_ids)} tickets to reach a final state")  # fmt: skip
        return done

    def final_items(self, ticket_ids: list[str]) -> dict[str, TicketState]:
        """The items among `ticket_ids` with a final status (DynamoDB only, no execution lookups)."""
        return {t: state for t, item in self.items(ticket_ids).items() if (state := _final_state(item))}

    def items(self, ticket_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The items of `ticket_ids` that exist, plain values, whatever their status."""
        unique = list(dict.fromkeys(ticket_ids))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(unique), _BATCH_GET_LIMIT):
            found.update(self._batch(unique[start : start + _BATCH_GET_LIMIT]))
        return found

    def _batch(self, ticket_ids: list[str]) -> dict[str, dict[str, Any]]:
        keys: list[Any] = [{"ticket_id": {"S": t}} for t in ticket_ids]
        request: dict[str, Any] = {self._table_name: {"Keys": keys, "ConsistentRead": True}}
        found: dict[str, dict[str, Any]] = {}
        while request:
            response = self._dynamodb.batch_get_item(RequestItems=request)
            for raw in response["Responses"].get(self._table_name, []):
                item = from_item(dict(raw))
                found[item["ticket_id"]] = item
            request = dict(response.get("UnprocessedKeys") or {})
        return found

    def _final(self, items: dict[str, dict[str, Any]], ticket_ids: Iterable[str]) -> dict[str, TicketState]:
        """Of `ticket_ids` (their items read as `items`): the final ones, by item or by failed execution."""
        found = {t: state for t in ticket_ids if t in items and (state := _final_state(items[t]))}
        ended = {t: f for t in set(ticket_ids) - found.keys() if (f := self._failed_execution(t)) is not None}
        if ended:
            # The item is read again: RecordFailure may have written FAILED, with its reason, meanwhile.
            found.update(self.final_items(list(ended)))
            for ticket_id, failure in ended.items():
                found.setdefault(ticket_id, failure)
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
