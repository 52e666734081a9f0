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
from datetime import UTC, datetime
from typing import TYPE_CHECKING

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
        return cls(partition_key, sequence_number, encoded, reason[:2000], datetime.now(UTC).isoformat())

    def record_bytes(self) -> bytes:
        return base64.b64decode(self.data)


@dataclass(frozen=True)
class Received:
    message_id: str
    receipt_handle: str
    letter: DeadLetter


class DeadLetterQueue:
    def __init__(self, sqs: SQSClient, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def send(self, letter: DeadLetter) -> None:
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(asdict(letter)))

    def receive(self, *, max_messages: int, visibility_seconds: int) -> Iterator[Received]:
        """Up to `max_messages` letters, each hidden from other readers for `visibility_seconds`."""
        seen: set[str] = set()
        while len(seen) < max_messages:
            batch = self._sqs.receive_message(
                QueueUrl=self._queue_url,
                MaxNumberOfMessages=min(10, max_messages - len(seen)),
                VisibilityTimeout=visibility_seconds,
                WaitTimeSeconds=0,
            ).get("Messages", [])
            fresh = [m for m in batch if m["MessageId"] not in seen]
            if not fresh:
                return
            for message in fresh:
                seen.add(message["MessageId"])
                letter = DeadLetter(**json.loads(message["Body"]))
                yield Received(message["MessageId"], message["ReceiptHandle"], letter)

    def delete(self, received: Received) -> None:
        self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=received.receipt_handle)


def replay(letter: DeadLetter, kinesis: KinesisClient, stream_name: str) -> str:
    """Puts the record back on the stream as it was; returns its new sequence number."""
    response = kinesis.put_record(
        StreamName=stream_name, Data=letter.record_bytes(), PartitionKey=letter.partition_key
    )
    return response["SequenceNumber"]
