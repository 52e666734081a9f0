"""Dead letters: Kinesis records the trigger could not hand on, kept whole in SQS so they can be replayed.

The trigger sends a record here after its own retries are spent, instead of failing the batch, so one
poison record never holds up its shard. Each letter carries the record's data, so a replay needs nothing
else (AWS's own Kinesis on-failure destination carries only sequence numbers, valid for the stream's
retention).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from ticketflow.ticket_store import timestamp

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
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


@dataclass(frozen=True)
class Received:
    message_id: str
    receipt_handle: str
    letter: DeadLetter | None  # None: a message that is not a ticketflow letter (see DeadLetter.from_body)
    body: str


class DeadLetterQueue:
    def __init__(self, sqs: SQSClient, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def send(self, letter: DeadLetter) -> None:
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(asdict(letter)))

    def receive(
        self, *, max_messages: int, visibility_seconds: int, wait_seconds: int = 1
    ) -> Iterator[Received]:
        """Up to `max_messages` letters, each hidden from other readers for `visibility_seconds`.

        Long polling (`wait_seconds` > 0) asks every SQS server, so an empty answer means an empty queue;
        short polling samples a subset and may answer empty while letters remain.
        """
        seen: set[str] = set()
        while len(seen) < max_messages:
            batch = self._sqs.receive_message(
                QueueUrl=self._queue_url,
                MaxNumberOfMessages=min(10, max_messages - len(seen)),
                VisibilityTimeout=visibility_seconds,
                WaitTimeSeconds=wait_seconds,
            ).get("Messages", [])
            fresh = [m for m in batch if m["MessageId"] not in seen]
            if not fresh:
                return
            for message in fresh:
                seen.add(message["MessageId"])
                body = message["Body"]
                yield Received(
                    message["MessageId"], message["ReceiptHandle"], DeadLetter.from_body(body), body
                )

    def delete(self, received: Received) -> None:
        self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=received.receipt_handle)

    def release(self, received: Received) -> None:
        """Makes a received letter visible again at once, as if it had not been received."""
        self._sqs.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=received.receipt_handle, VisibilityTimeout=0
        )


def replay(letter: DeadLetter, kinesis: KinesisClient, stream_name: str) -> str:
    """Puts the record back on the stream as it was; returns its new sequence number."""
    response = kinesis.put_record(
        StreamName=stream_name, Data=letter.record_bytes(), PartitionKey=letter.partition_key
    )
    return response["SequenceNumber"]
