"""The operator's side of the dead-letter queue: read letters, replay them onto the stream, delete them.

The trigger (Lambda) only sends letters (ticketflow.dead_letters); `ticketflow dlq` reads them here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ticketflow.dead_letters import DeadLetter

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_sqs import SQSClient


@dataclass(frozen=True)
class Received:
    message_id: str
    receipt_handle: str
    letter: DeadLetter | None  # None: a message that is not a ticketflow letter (see DeadLetter.from_body)
    body: str


class DeadLetterInbox:
    def __init__(self, sqs: SQSClient, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

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
