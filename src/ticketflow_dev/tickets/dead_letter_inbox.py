"""The operator's side of the dead-letter queue: read letters, replay them onto the stream, delete them.

The trigger (Lambda) only sends letters (ticketflow.dead_letters); `ticketflow dlq` and the console read
and replay them here. A letter too large for a message names its record's object under dead-letters/ of the
archive bucket instead of carrying it: a replay reads it from there (the bucket expires it by itself).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from ticketflow import dead_letters
from ticketflow.dead_letters import DeadLetter

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

# A peek holds the letters only while it reads them; a replay long enough to put each record back.
PEEK_VISIBILITY_SECONDS = 30
REPLAY_VISIBILITY_SECONDS = 120
REPLAY_MAX_MESSAGES = 10_000


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


class CarriedRecords:
    """The records that letters name instead of carrying (too large for a message), in the archive bucket."""

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def record_of(self, letter: DeadLetter) -> bytes:
        """The letter's record: its own bytes, or its object's. Raises ValueError for a letter that names
        another object (the trigger never writes one: replaying it would put any object of the bucket on the
        stream)."""
        key = letter.data_key
        if key is None:
            return letter.record_bytes()
        if not dead_letters.is_record_key(key):
            raise ValueError(f"the letter names {key!r}, not a record under {dead_letters.PREFIX}")
        return self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()

    def where(self, letter: DeadLetter) -> str:
        """Where the letter's record is, as `dlq list` shows it."""
        return "in the letter" if letter.data_key is None else f"s3://{self._bucket}/{letter.data_key}"


def replay(letter: DeadLetter, kinesis: KinesisClient, stream_name: str, records: CarriedRecords) -> str:
    """Puts the record back on the stream as it was; returns its new sequence number."""
    response = kinesis.put_record(
        StreamName=stream_name, Data=records.record_of(letter), PartitionKey=letter.partition_key
    )
    return response["SequenceNumber"]


def describe(received: Received, records: CarriedRecords) -> dict[str, Any]:
    """One message as `dlq list` and the console show it; a message that is not a ticketflow letter is
    shown by its body."""
    letter = received.letter
    if letter is None:
        return {"message_id": received.message_id, "replayable": False, "body": received.body}
    return {
        "message_id": received.message_id,
        "replayable": True,
        "partition_key": letter.partition_key,
        "sequence_number": letter.sequence_number,
        "ticket_id": letter.ticket_id(),
        "reason": letter.reason,
        "failed_at": letter.failed_at,
        "record": records.where(letter),
    }


def peek(queue: DeadLetterInbox, *, limit: int, wait_seconds: int = 1) -> tuple[list[Received], list[str]]:
    """Up to `limit` letters, made visible again at once (nothing consumed), and a note for each letter that
    could not be released (it stays hidden until its visibility timeout ends). `wait_seconds` as in
    `DeadLetterInbox.receive`."""
    received = list(
        queue.receive(
            max_messages=limit, visibility_seconds=PEEK_VISIBILITY_SECONDS, wait_seconds=wait_seconds
        )
    )
    return received, release_all(queue, received)


def release_all(queue: DeadLetterInbox, received: list[Received]) -> list[str]:
    """Releases every message; returns a note for each one that could not be released."""
    notes = []
    for message in received:
        try:
            queue.release(message)
        except (BotoCoreError, ClientError) as error:
            notes.append(
                f"letter {message.message_id} stays hidden until its visibility timeout ends: {error}"
            )
    return notes


@dataclass(frozen=True)
class DeadLetterResources:
    queue: DeadLetterInbox
    kinesis: KinesisClient
    stream_name: str
    records: CarriedRecords


class Outcome(StrEnum):
    REPLAYED = "replayed"
    REPLAYED_NOT_DELETED = "replayed but not deleted"  # back on the stream; a second replay is harmless
    SKIPPED = "skipped"  # not a ticketflow letter: it carries no record data
    FAILED = "not replayed"


@dataclass(frozen=True)
class Replay:
    """What happened to one letter that was asked for."""

    message_id: str
    outcome: Outcome
    ticket_id: str | None = None
    partition_key: str | None = None
    old_sequence_number: str | None = None
    new_sequence_number: str | None = None
    detail: str = ""


@dataclass
class ReplayReport:
    seen: set[str] = field(default_factory=set)
    letters: list[Replay] = field(default_factory=list)
    read_error: str | None = None  # the queue could not be read (to the end)
    notes: list[str] = field(default_factory=list)  # letters that could not be released

    def count(self, *outcomes: Outcome) -> int:
        return sum(1 for letter in self.letters if letter.outcome in outcomes)

    @property
    def replayed(self) -> int:
        return self.count(Outcome.REPLAYED, Outcome.REPLAYED_NOT_DELETED)

    @property
    def skipped(self) -> int:
        return self.count(Outcome.SKIPPED)

    @property
    def failures(self) -> int:
        return self.count(Outcome.FAILED) + (self.read_error is not None)

    def summary(self) -> str:
        return f"replayed {self.replayed}, skipped {self.skipped}, failed {self.failures}"


def replay_letters(resources: DeadLetterResources, wanted: set[str] | None) -> ReplayReport:
    """Replays the wanted letters (all when `wanted` is None). Every letter it received and did not delete
    is released at the end, not at once: released early, it would come back in the next receive and end
    the reading before the rest of the queue was seen."""
    report = ReplayReport()
    held: list[Received] = []
    try:
        for message in resources.queue.receive(
            max_messages=REPLAY_MAX_MESSAGES, visibility_seconds=REPLAY_VISIBILITY_SECONDS
        ):
            report.seen.add(message.message_id)
            if wanted is not None and message.message_id not in wanted:
                held.append(message)
                continue
            replayed = _replay_one(resources, message)
            report.letters.append(replayed)
            if replayed.outcome in (Outcome.SKIPPED, Outcome.FAILED):
                held.append(message)
            if wanted is not None and wanted <= report.seen:
                break
    except (BotoCoreError, ClientError) as error:
        report.read_error = f"cannot read the dead-letter queue: {error}"
    finally:
        report.notes = release_all(resources.queue, held)
    return report


def _replay_one(resources: DeadLetterResources, message: Received) -> Replay:
    """Puts the letter's record back on the stream, then deletes the letter (only once the put succeeded)."""
    letter = message.letter
    if letter is None:
        return Replay(
            message.message_id, Outcome.SKIPPED, detail="not a ticketflow letter; left in the queue"
        )
    found = Replay(
        message.message_id,
        Outcome.FAILED,
        letter.ticket_id(),
        letter.partition_key,
        letter.sequence_number,
    )
    try:
        new_sequence = replay(letter, resources.kinesis, resources.stream_name, resources.records)
    except (BotoCoreError, ClientError, ValueError) as error:  # ValueError: a letter naming no record of ours
        return replace(found, detail=f"{error}; left in the queue")
    try:
        resources.queue.delete(message)
    except (BotoCoreError, ClientError) as error:
        return replace(found, outcome=Outcome.REPLAYED_NOT_DELETED, new_sequence_number=new_sequence,
                       detail=str(error))  # fmt: skip
    return replace(found, outcome=Outcome.REPLAYED, new_sequence_number=new_sequence)
