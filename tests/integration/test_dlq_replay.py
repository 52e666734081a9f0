"""`ticketflow dlq list` and `replay --all` against the emulator's SQS and Kinesis.

The test makes its own queue and stream (unique names) and points the command at them through the stack
outputs' environment variables, the first place the command looks; both are deleted afterwards.
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
from ticketflow.dead_letters import DeadLetter, DeadLetterQueue
from ticketflow_dev.cli import dlq
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.core.polling import wait_until
from ticketflow_infra.outputs import StackOutputs

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_kinesis.type_defs import RecordTypeDef
    from mypy_boto3_sqs import SQSClient

    from tests.conftest import LocalStack


@dataclass(frozen=True)
class Target:
    sqs: SQSClient
    kinesis: KinesisClient
    queue_url: str
    stream_name: str


@pytest.fixture
def target(local_stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    """A fresh queue and one-shard stream in the emulator, named in the stack outputs' variables."""
    clients = Clients(local_stack.settings)
    sqs, kinesis = clients("sqs"), clients("kinesis")
    suffix = uuid.uuid4().hex[:12]
    queue_url = sqs.create_queue(QueueName=f"dlq-test-{suffix}")["QueueUrl"]
    stream_name = f"dlq-test-{suffix}"
    try:
        kinesis.create_stream(StreamName=stream_name, ShardCount=1)
        kinesis.get_waiter("stream_exists").wait(
            StreamName=stream_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
        outputs = {key: f"unused-{key}" for key in StackOutputs.keys()}  # noqa: SIM118 (a classmethod)
        outputs |= {"DeadLetterQueueUrl": queue_url, "StreamName": stream_name}
        for name, value in StackOutputs.model_validate(outputs).as_env().items():
            monkeypatch.setenv(name, value)
        yield Target(sqs, kinesis, queue_url, stream_name)
    finally:
        kinesis.delete_stream(StreamName=stream_name, EnforceConsumerDeletion=True)
        sqs.delete_queue(QueueUrl=queue_url)


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


def test_list_then_replay_all_puts_the_records_back_and_empties_the_queue(target: Target) -> None:
    # GIVEN two letters: a ticket, and bytes that are neither UTF-8 nor JSON
    ticket = json.dumps(load_event(TICKET_SUBMITTED) | {"ticketId": "TKT-20250115-7001"}).encode("utf-8")
    binary = bytes(range(256))
    queue = DeadLetterQueue(target.sqs, target.queue_url)
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
    records = wait_until(
        lambda: _stream_records(target),
        timeout=20,
        interval=0.5,
        description="the two replayed records on the stream",
        until=lambda found: len(found) >= 2,
    )
    assert sorted((record["PartitionKey"], record["Data"]) for record in records) == [
        ("pk-binary", binary),
        ("pk-ticket", ticket),
    ]
    assert _queue_counts(target) == (0, 0)
