"""Dead letters: Kinesis records the trigger could not hand on, kept whole in SQS so they can be replayed.

The trigger sends a record here after its own retries are spent, instead of failing the batch, so one
poison record never holds up its shard. Each letter carries the record's data, so a replay needs nothing
else (AWS's own Kinesis on-failure destination carries only sequence numbers, valid for the stream's
retention).
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from ticketflow.ticket_store import timestamp

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


@dataclass(frozen=True)
class DeadLetter:
    partition_key: str
    sequence_number: str
    data: str  # the record's bytes, base64
    reason: str
    failed_at: str

    @classmethod
    def of(cls, partition_key: str, sequence_number: str, data: bytes, reason: str) -> DeadLetter:
        encoded = base64.b64encode(data).decode("ascii")
        return cls(partition_key, sequence_number, encoded, reason[:2000], timestamp())

    def record_bytes(self) -> bytes:
        return base64.b64decode(self.data)

    def ticket_id(self) -> str | None:
        """The `ticketId` of the record when it is a JSON object that has one (a string), else None."""
        try:
            payload = json.loads(self.record_bytes())
        except ValueError:  # not base64, not UTF-8 or not JSON
            return None
        candidate = payload.get("ticketId") if isinstance(payload, dict) else None
        return candidate if isinstance(candidate, str) else None

    @classmethod
    def from_body(cls, body: str) -> DeadLetter | None:
        """The letter in a message body, or None when the body is not one (e.g. the event source mapping's
        own on-failure record, which names a batch by sequence numbers and carries no data)."""
        try:
            fields = json.loads(body)
            return cls(**fields) if isinstance(fields, dict) else None
        except (ValueError, TypeError):
            return None


class DeadLetterQueue:
    """The trigger's side: it only sends (the operator's side is ticketflow_dev.tickets.dead_letter_inbox)."""

    def __init__(self, sqs: SQSClient, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def send(self, letter: DeadLetter) -> None:
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(asdict(letter)))
