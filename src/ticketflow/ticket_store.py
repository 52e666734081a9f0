"""The ticket table: each ticket's lifecycle status, its reason and the history of its transitions.

RECEIVED (the trigger) → PROCESSING → RESPONDED | FAILED (the state machine), or REJECTED (the trigger).
Every write is conditional, so a late or repeated writer never overwrites a newer state.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from ticketflow.model import TicketSubmitted

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# BatchGetItem's limit of keys per call, and TransactWriteItems' of actions.
_BATCH_GET_KEYS = 100
_TRANSACT_ITEMS = 100
STATUS_INDEX = "by-status"  # partition key `status`, sort key `status_at`
DUPLICATE_REASON = "duplicate ticket id"


class Status(StrEnum):
    RECEIVED = "RECEIVED"
    PROCESSING = "PROCESSING"
    RESPONDED = "RESPONDED"
    FAILED = "FAILED"
    REJECTED = "REJECTED"

    @property
    def is_final(self) -> bool:
        return self in (Status.RESPONDED, Status.FAILED, Status.REJECTED)


_FINAL_STATUSES = frozenset(status.value for status in Status if status.is_final)


class Arrival(StrEnum):
    NEW = "new"
    SAME_TICKET = "same_ticket"  # a re-delivery: same id, same content
    DIFFERENT_TICKET = "different_ticket"  # another ticket reusing the id


def content_hash(ticket: TicketSubmitted) -> str:
    canonical = json.dumps(ticket.to_event(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def duplicate_key(ticket_id: str, digest: str) -> str:
    """Where a rejected duplicate is recorded: beside the original, never on it."""
    return f"{ticket_id}#duplicate#{digest[:12]}"


class TicketStore(Protocol):
    def record_received(self, ticket: TicketSubmitted) -> Arrival: ...

    def record_all_received(self, tickets: Sequence[TicketSubmitted]) -> list[bool]: ...

    def record_duplicate(self, ticket: TicketSubmitted) -> None: ...

    def record_rejection(self, ticket_id: str, reason: str) -> None: ...

    def final_ids(self, ticket_ids: Sequence[str]) -> set[str]: ...


def _transition(status: Status, at: str, reason: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"status": {"S": status.value}, "at": {"S": at}}
    if reason is not None:
        entry["reason"] = {"S": reason}
    return {"M": entry}


def timestamp() -> str:
    """UTC, milliseconds, `Z`: the format Step Functions writes, so `status_at` sorts across writers."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _status_item(key: str, status: Status, reason: str | None = None) -> dict[str, Any]:
    at = timestamp()
    item: dict[str, Any] = {
        "ticket_id": {"S": key},
        "status": {"S": status.value},
        "status_at": {"S": at},
        f"{status.value.lower()}_at": {"S": at},
        "history": {"L": [_transition(status, at, reason)]},
    }
    if reason is not None:
        item["status_reason"] = {"S": reason}
    return item


def _received_item(ticket: TicketSubmitted, digest: str) -> dict[str, Any]:
    issue = ticket.data.product_issue_information
    return _status_item(ticket.ticket_id, Status.RECEIVED) | {
        "content_hash": {"S": digest},
        "submitted_at": {"S": ticket.submitted_at.isoformat()},
        "product": {"S": issue.product},
        "issue_type": {"S": issue.issue_type},
    }


Condition = dict[str, Any]
NEW_ITEM: Condition = {"ConditionExpression": "attribute_not_exists(ticket_id)"}
# A valid ticket may take the place of invalid input that only borrowed its id (REJECTED, no hash).
RECEIVABLE: Condition = {
    "ConditionExpression": "attribute_not_exists(ticket_id)"
    " OR (#status = :rejected AND attribute_not_exists(content_hash))",
    "ExpressionAttributeNames": {"#status": "status"},
    "ExpressionAttributeValues": {":rejected": {"S": Status.REJECTED.value}},
}


class DynamoTicketStore:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table_name = table_name

    def record_received(self, ticket: TicketSubmitted) -> Arrival:
        digest = content_hash(ticket)
        if self._put_new(_received_item(ticket, digest), RECEIVABLE):
            return Arrival.NEW
        existing = self._client.get_item(
            TableName=self._table_name, Key={"ticket_id": {"S": ticket.ticket_id}}, ConsistentRead=True
        ).get("Item", {})
        same = existing.get("content_hash", {}).get("S") == digest
        return Arrival.SAME_TICKET if same else Arrival.DIFFERENT_TICKET

    def record_all_received(self, tickets: Sequence[TicketSubmitted]) -> list[bool]:
        """RECEIVED for new tickets, one transaction a hundred: whether each was written. A transaction writes
        all its tickets or none (one was there already, an id came twice, the call failed); `record_received`
        then sorts those out one by one, so a failure here is never an error."""
        written: list[bool] = []
        for start in range(0, len(tickets), _TRANSACT_ITEMS):
            chunk = tickets[start : start + _TRANSACT_ITEMS]
            puts: list[Any] = [
                {
                    "Put": {
                        "TableName": self._table_name,
                        "Item": _received_item(t, content_hash(t)),
                        **RECEIVABLE,
                    }
                }
                for t in chunk
            ]
            try:
                self._client.transact_write_items(TransactItems=puts)
            except (BotoCoreError, ClientError):
                written += [False] * len(chunk)
            else:
                written += [True] * len(chunk)
        return written

    def record_duplicate(self, ticket: TicketSubmitted) -> None:
        digest = content_hash(ticket)
        item = _status_item(duplicate_key(ticket.ticket_id, digest), Status.REJECTED, DUPLICATE_REASON)
        self._put_new(item | {"duplicate_of": {"S": ticket.ticket_id}, "content_hash": {"S": digest}})

    def record_rejection(self, ticket_id: str, reason: str) -> None:
        """A REJECTED item, unless the id already belongs to a ticket: bad input never overwrites good."""
        self._put_new(_status_item(ticket_id, Status.REJECTED, reason))

    def final_ids(self, ticket_ids: Sequence[str]) -> set[str]:
        """Which of `ticket_ids` have a final status: one BatchGetItem per hundred, the status alone read."""
        done: set[str] = set()
        for start in range(0, len(ticket_ids), _BATCH_GET_KEYS):
            keys: list[Any] = [{"ticket_id": {"S": t}} for t in ticket_ids[start : start + _BATCH_GET_KEYS]]
            request: dict[str, Any] = {
                self._table_name: {
                    "Keys": keys,
                    "ProjectionExpression": "ticket_id, #status",
                    "ExpressionAttributeNames": {"#status": "status"},
                }
            }
            while request:
                response = self._client.batch_get_item(RequestItems=request)
                done.update(
                    item["ticket_id"]["S"]
                    for item in response["Responses"].get(self._table_name, [])
                    if item.get("status", {}).get("S") in _FINAL_STATUSES
                )
                request = dict(response.get("UnprocessedKeys") or {})
        return done

    def _put_new(self, item: dict[str, Any], condition: Condition = NEW_ITEM) -> bool:
        try:
            self._client.put_item(TableName=self._table_name, Item=item, **condition)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return True
