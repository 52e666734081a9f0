"""`ticketflow dlq list` and `replay --all` against the emulator's SQS, Kinesis and S3.

The test makes its own queue, stream and bucket (unique names) and points the command at them through the
stack outputs' environment variables, the first place the command looks; all are deleted afterwards.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from tests.event_files import TICKET_SUBMITTED, load_event
from ticketflow import limits
from ticketflow.dead_letters import DeadLetter, DeadLetterQueue, S3Records
from ticketflow_dev.cli import dlq
from ticketflow_dev.core.aws import Clients, remove_bucket
from ticketflow_dev.core.polling import wait_until
from ticketflow_infra.outputs import StackOutputs

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_kinesis.type_defs import RecordTypeDef
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

    from tests.conftest import LocalStack


@dataclass(frozen=True)
class Target:
    sqs: SQSClient
    kinesis: KinesisClient
    s3: S3Client
    queue_url: str
    stream_name: str
    bucket: str

    def dead_letter_queue(self) -> DeadLetterQueue:
        """The queue as the trigger sends to it (a record too large for a message kept in the bucket)."""
        return DeadLetterQueue(self.sqs, self.queue_url, S3Records(self.s3, self.bucket))


@pytest.fixture
def target(local_stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    """A fresh queue and one-shard stream in the emulator, named in the stack outputs' variables."""
    clients = Clients(local_stack.settings)
    sqs, kinesis, s3 = clients("sqs"), clients("kinesis"), clients("s3")
    suffix = uuid.uuid4().hex[:12]
    queue_url = sqs.create_queue(QueueName=f"dlq-test-{suffix}")["QueueUrl"]
    stream_name = bucket = f"dlq-test-{suffix}"
    s3.create_bucket(Bucket=bucket)
    try:
        kinesis.create_stream(StreamName=stream_name, ShardCount=1)
        kinesis.get_waiter("stream_exists").wait(
            StreamName=stream_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
        outputs = {key: f"unused-{key}" for key in StackOutputs.keys()}  # noqa: SIM118 (a classmethod)
        outputs |= {"DeadLetterQueueUrl": queue_url, "StreamName": stream_name, "BucketName": bucket}
        for name, value in StackOutputs.model_validate(outputs).as_env().items():
            monkeypatch.setenv(name, value)
        yield Target(sqs, kinesis, s3, queue_url, stream_name, bucket)
    finally:
        kinesis.delete_stream(StreamName=stream_name, EnforceConsumerDeletion=True)
        sqs.delete_queue(QueueUrl=queue_url)
        remove_bucket(s3, bucket)


def _queue_counts(target: Target) -> tuple[int, int]:
    """(visible, in flight) messages in the queue."""
    attributes = target.sqs.get_queue_attributes(
        QueueUrl=target.queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def _stream_records(target: Target) -> list[RecordTypeDef]:
    """Every record on the stream's one shard, from the beginning."""
    shard_id = target.kinesis.list_shards(StreamName=target.stream_name)["Shards"][0]["ShardId"]
    iterator = target.kinesis.get_shard_iterator(
        StreamName=target.stream_name, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records: list[RecordTypeDef] = []
    for _ in range(10):  # bounded: each call returns what is there, then an empty page
        page = target.kinesis.get_records(ShardIterator=iterator, Limit=100)
        records += page["Records"]
        if not page["Records"] or "NextShardIterator" not in page:
            break
        iterator = page["NextShardIterator"]
    return records


def _replayed(target: Target, count: int) -> list[RecordTypeDef]:
    """The stream's records once at least `count` are there."""
    return wait_until(
        lambda: _stream_records(target),
        timeout=20,
        interval=0.5,
        description=f"{count} replayed record(s) on the stream",
        until=lambda found: len(found) >= count,
    )


def test_list_then_replay_all_puts_the_records_back_and_empties_the_queue(target: Target) -> None:
    # GIVEN two letters: a ticket, and bytes that are neither UTF-8 nor JSON
    ticket = json.dumps(load_event(TICKET_SUBMITTED) | {"ticketId": "TKT-20250115-7001"}).encode("utf-8")
    binary = bytes(range(256))
    queue = target.dead_letter_queue()
    queue.send(DeadLetter.of("pk-ticket", "49590000000000000001", ticket, "ClientError: ThrottlingException"))
    queue.send(DeadLetter.of("pk-binary", "49590000000000000002", binary, "ClientError: InternalServerError"))
    runner = CliRunner()

    # WHEN the letters are listed
    listed = runner.invoke(dlq.app, ["list", "--json"])

    # THEN both are shown, the ticket's id decoded, and neither was consumed: both are visible again
    assert listed.exit_code == 0, listed.output
    letters = {letter["partition_key"]: letter for letter in json.loads(listed.stdout)}
    assert set(letters) == {"pk-ticket", "pk-binary"}
    assert letters["pk-ticket"]["ticket_id"] == "TKT-20250115-7001"
    assert letters["pk-binary"]["ticket_id"] is None
    assert letters["pk-binary"]["reason"] == "ClientError: InternalServerError"
    assert _queue_counts(target) == (2, 0)

    # WHEN every letter is replayed
    replayed = runner.invoke(dlq.app, ["replay", "--all"])

    # THEN both records are on the stream, byte for byte under their partition keys, and the queue is empty
    assert replayed.exit_code == 0, replayed.output
    assert "replayed 2, skipped 0, failed 0" in replayed.output
    records = _replayed(target, 2)
    assert sorted((record["PartitionKey"], record["Data"]) for record in records) == [
        ("pk-binary", binary),
        ("pk-ticket", ticket),
    ]
    assert _queue_counts(target) == (0, 0)


def test_a_letter_too_large_for_a_message_is_listed_and_replayed_through_s3(target: Target) -> None:
    # GIVEN the letter of a ticket whose record is 700 KB (a pasted log; about 930 KB as base64), as the
    # trigger sends it: the record in the bucket under dead-letters/, the letter naming it
    ticket = load_event(TICKET_SUBMITTED) | {"ticketId": "TKT-20250115-7003"}
    ticket["data"]["description"] = "2025-01-15T09:00:01Z ERROR checkout: délai dépassé\n" * 13_500
    data = json.dumps(ticket).encode("utf-8")
    target.dead_letter_queue().send(
        DeadLetter.of("pk-large", "49590000000000000003", data, "ThrottlingException")
    )
    [kept] = target.s3.list_objects_v2(Bucket=target.bucket, Prefix="dead-letters/")["Contents"]
    [message] = target.sqs.receive_message(QueueUrl=target.queue_url, VisibilityTimeout=0)["Messages"]
    runner = CliRunner()

    # WHEN the letter is listed
    listed = runner.invoke(dlq.app, ["list", "--json"])

    # THEN its message is within SQS's 256 KiB, and the listing shows its ticket and where its record is
    assert len(message["Body"].encode("utf-8")) <= limits.SQS_MESSAGE_MAX_BYTES
    assert listed.exit_code == 0, listed.output
    [letter] = json.loads(listed.stdout)
    assert letter["ticket_id"] == "TKT-20250115-7003"
    assert letter["record"] == f"s3://{target.bucket}/{kept['Key']}"

    # WHEN it is replayed
    replayed = runner.invoke(dlq.app, ["replay", "--all"])

    # THEN the record read from S3 is on the stream, byte for byte under its partition key; the queue is empty
    assert replayed.exit_code == 0, replayed.output
    records = _replayed(target, 1)
    assert [(record["PartitionKey"], record["Data"]) for record in records] == [("pk-large", data)]
    assert _queue_counts(target) == (0, 0)
