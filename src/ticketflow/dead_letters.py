"""Dead letters: Kinesis records the trigger could not hand on, kept whole so they can be replayed.

The trigger sends a record here after its own retries are spent, instead of failing the batch, so one
poison record never holds up its shard. Each letter carries the record's data, so a replay needs nothing
else (AWS's own Kinesis on-failure destination carries only sequence numbers, valid for the stream's
retention).

A record too large for an SQS message (a letter over 256 KiB: a record over about 190 KB, as base64) is put
in the archive bucket under `dead-letters/` first, and its letter names the object instead. Otherwise such a
record could not be dead-lettered at all, and its batch would be retried until the record left the stream.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Protocol

from ticketflow import limits
from ticketflow.ticket_store import timestamp

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

PREFIX = "dead-letters/"  # in the archive bucket: the records of letters too large for a message
RETENTION_DAYS = 14  # the queue keeps a letter this long (SQS's most); the bucket keeps its record longer


@dataclass(frozen=True)
class DeadLetter:
    partition_key: str
    sequence_number: str
    data: str  # the record's bytes, base64; empty when they are kept in S3 (`data_key`)
    reason: str
    failed_at: str
    # A record too large for a message: its object under dead-letters/ of the archive bucket, and the ticket
    # id it holds (so that a listing need not read the record).
    data_key: str | None = None
    data_ticket_id: str | None = None

    @classmethod
    def of(cls, partition_key: str, sequence_number: str, data: bytes, reason: str) -> DeadLetter:
        encoded = base64.b64encode(data).decode("ascii")
        return cls(partition_key, sequence_number, encoded, reason[:2000], timestamp())

    def body(self) -> str:
        """The message body: the letter as JSON, ASCII (every other character escaped), so its length is
        its size; the fields of a carried record only when it is carried."""
        return json.dumps({name: value for name, value in asdict(self).items() if value is not None})

    def carried(self, key: str) -> DeadLetter:
        """This letter with its record kept at `key` instead of in the letter."""
        return replace(self, data="", data_key=key, data_ticket_id=self.ticket_id())

    def record_bytes(self) -> bytes:
        """The record's bytes, when the letter holds them (a carried record is read from `data_key`)."""
        if self.data_key is not None:
            raise ValueError(f"the record is not in the letter: it is kept at {self.data_key}")
        return base64.b64decode(self.data)

    def ticket_id(self) -> str | None:
        """The `ticketId` of the record when it is a JSON object that has one (a string), else None."""
        if self.data_key is not None:
            return self.data_ticket_id
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


def record_key(letter: DeadLetter, data: bytes) -> str:
    """One key per delivery and content: a batch delivered again writes the same object; a replayed record
    has a new sequence number, so its next letter never shares (nor races) the object of the one before."""
    return f"{PREFIX}{letter.sequence_number}-{hashlib.sha256(data).hexdigest()[:16]}.bin"


_RECORD_KEY = re.compile(rf"{re.escape(PREFIX)}[0-9]{{1,128}}-[0-9a-f]{{16}}\.bin")  # Kinesis: 128 digits


def is_record_key(key: str) -> bool:
    """Whether `key` is one `record_key` makes (a replay reads no other object of the bucket)."""
    return _RECORD_KEY.fullmatch(key) is not None


class RecordStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...


class S3Records:
    """Records too large for a message, under dead-letters/ of the archive bucket (which expires them)."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put(self, key: str, data: bytes) -> None:
        self._client.put_object(Bucket=self._bucket, Key=key, Body=data)


class DeadLetterQueue:
    """The trigger's side: it only sends (the operator's side is ticketflow_dev.tickets.dead_letter_inbox)."""

    def __init__(self, sqs: SQSClient, queue_url: str, records: RecordStore) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._records = records

    def send(self, letter: DeadLetter) -> None:
        body = letter.body()
        if len(body) > limits.SQS_MESSAGE_MAX_BYTES:
            data = letter.record_bytes()
            key = record_key(letter, data)
            self._records.put(key, data)  # first: a letter never names an object that is not there
            body = letter.carried(key).body()
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=body)
