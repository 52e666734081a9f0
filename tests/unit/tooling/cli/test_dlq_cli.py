"""`ticketflow dlq list | replay` on in-memory SQS, Kinesis and S3 fakes: list consumes nothing; replay puts
each record back as it was (read from S3 when it was too large for its letter) and deletes its letter only
after the put succeeded."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from tests.event_files import TICKET_SUBMITTED, load_event
from tests.unit.fakes import QUEUE_URL, FakeBucket, FakeSqs
from ticketflow.dead_letters import DeadLetter, DeadLetterQueue, S3Records
from ticketflow_dev.cli import common, dlq
from ticketflow_dev.tickets.dead_letter_inbox import (
    PEEK_VISIBILITY_SECONDS,
    CarriedRecords,
    DeadLetterInbox,
    DeadLetterResources,
)
from ticketflow_infra.outputs import OutputsNotFoundError, StackOutputs

STREAM = "tickets-stream"
WIDE = {"COLUMNS": "250"}
STACK_RESOURCES = dlq.resources  # before the autouse fixture replaces it
ON_FAILURE_RECORD = json.dumps(
    {"requestContext": {"condition": "RetryAttemptsExhausted"}, "KinesisBatchInfo": {"shardId": "shardId-0"}}
)


def _ticket(ticket_id: str) -> bytes:
    return json.dumps(load_event(TICKET_SUBMITTED) | {"ticketId": ticket_id}).encode("utf-8")


class FakeKinesis:
    """PutRecord kept in order; a record whose partition key is in `refuse` is throttled."""

    def __init__(self, refuse: set[str] | None = None) -> None:
        self.records: list[tuple[bytes, str]] = []
        self._refuse = refuse or set()

    def put_record(self, *, StreamName: str, Data: bytes, PartitionKey: str) -> dict[str, Any]:  # noqa: N803
        assert StreamName == STREAM
        if PartitionKey in self._refuse:
            error: Any = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}
            raise ClientError(error, "PutRecord")
        self.records.append((Data, PartitionKey))
        return {"ShardId": "shardId-000000000000", "SequenceNumber": f"new-{len(self.records)}"}


@pytest.fixture
def sqs() -> FakeSqs:
    return FakeSqs()


@pytest.fixture
def kinesis() -> FakeKinesis:
    return FakeKinesis()


@pytest.fixture
def bucket() -> FakeBucket:
    return FakeBucket()


@pytest.fixture(autouse=True)
def resources(
    monkeypatch: pytest.MonkeyPatch, sqs: FakeSqs, kinesis: FakeKinesis, bucket: FakeBucket
) -> DeadLetterResources:
    """The commands' queue, stream and bucket are the fakes (no stack outputs, no network)."""
    records = CarriedRecords(bucket, bucket.name)  # type: ignore[arg-type]
    found = DeadLetterResources(DeadLetterInbox(sqs, QUEUE_URL), kinesis, STREAM, records)  # type: ignore[arg-type]
    monkeypatch.setattr(dlq, "resources", lambda: found)
    return found


def _letters(sqs: FakeSqs, *records: tuple[bytes, str], bucket: FakeBucket | None = None) -> list[DeadLetter]:
    """The letters the trigger would send for `records` (data, partition key), sent to the fake queue (and
    the records too large for a message to `bucket`)."""
    letters = [
        DeadLetter.of(key, f"4959{index:04d}", data, "ClientError: ThrottlingException")
        for index, (data, key) in enumerate(records)
    ]
    store = bucket or FakeBucket()
    sender = DeadLetterQueue(sqs, QUEUE_URL, S3Records(store, store.name))  # type: ignore[arg-type]
    for letter in letters:
        sender.send(letter)
    return letters


def _large_ticket(ticket_id: str) -> bytes:
    """A ticket whose record (a 600 KB pasted log) no SQS message can carry as base64."""
    event = load_event(TICKET_SUBMITTED) | {"ticketId": ticket_id}
    event["data"]["description"] = "ERROR checkout: request timed out\n" * 18_000
    return json.dumps(event).encode("utf-8")


def test_list_shows_the_letters_without_consuming_them(resources: DeadLetterResources, sqs: FakeSqs) -> None:
    # GIVEN a ticket's letter and a letter of bytes that are not JSON
    _letters(sqs, (_ticket("TKT-20250115-0042"), "pk-1"), (b"\xff\x00", "pk-2"))

    # WHEN the letters are listed
    result = CliRunner().invoke(dlq.app, ["list"], env=WIDE)

    # THEN both are shown (the ticket's id decoded) and both are still in the queue, visible
    assert result.exit_code == 0, result.output
    for text in ("2 dead letter(s)", "TKT-20250115-0042", "pk-1", "pk-2", "49590000", "ThrottlingException"):
        assert text in result.stdout
    assert sqs.visible() == ["m-01", "m-02"]
    assert sqs.in_flight == {}
    assert sqs.visibility_timeouts[0] == PEEK_VISIBILITY_SECONDS


def test_list_json_shows_each_letters_fields(resources: DeadLetterResources, sqs: FakeSqs) -> None:
    # GIVEN one letter and the event source mapping's own on-failure record
    [letter] = _letters(sqs, (_ticket("TKT-20250115-0042"), "pk-1"))
    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=ON_FAILURE_RECORD)

    # WHEN listed as JSON
    result = CliRunner().invoke(dlq.app, ["list", "--json"])

    # THEN the letter's fields, and the foreign message by its body, marked not replayable
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "message_id": "m-01",
            "replayable": True,
            "partition_key": "pk-1",
            "sequence_number": letter.sequence_number,
            "ticket_id": "TKT-20250115-0042",
            "reason": letter.reason,
            "failed_at": letter.failed_at,
            "record": "in the letter",
        },
        {"message_id": "m-02", "replayable": False, "body": ON_FAILURE_RECORD},
    ]
    assert sqs.visible() == ["m-01", "m-02"]


def test_list_stops_at_the_limit(resources: DeadLetterResources, sqs: FakeSqs) -> None:
    # GIVEN three letters
    _letters(sqs, *[(_ticket(f"TKT-20250115-000{i}"), f"pk-{i}") for i in range(3)])

    # WHEN two are asked for
    result = CliRunner().invoke(dlq.app, ["list", "--limit", "2", "--json"])

    # THEN two are shown, three remain
    assert [letter["message_id"] for letter in json.loads(result.stdout)] == ["m-01", "m-02"]
    assert sqs.visible() == ["m-01", "m-02", "m-03"]


def test_replay_all_puts_every_record_back_then_deletes_its_letter(
    resources: DeadLetterResources, sqs: FakeSqs, kinesis: FakeKinesis
) -> None:
    # GIVEN two letters: a ticket and bytes that are not even UTF-8
    records = [(_ticket("TKT-20250115-0042"), "pk-1"), (bytes(range(256)), "pk-2")]
    _letters(sqs, *records)

    # WHEN every letter is replayed
    result = CliRunner().invoke(dlq.app, ["replay", "--all"], env=WIDE)

    # THEN each record is back on the stream byte for byte under its partition key, and the queue is empty
    assert result.exit_code == 0, result.output
    assert kinesis.records == records
    assert sqs.bodies == {}
    assert "TKT-20250115-0042" in result.stdout
    assert "new-1" in result.stdout
    assert "replayed 2, skipped 0, failed 0" in result.output


def test_replay_by_message_id_leaves_the_others_as_they_were(
    resources: DeadLetterResources, sqs: FakeSqs, kinesis: FakeKinesis
) -> None:
    # GIVEN twelve letters (more than one receive) and the last one wanted
    records = [(_ticket(f"TKT-20250115-{i:04d}"), f"pk-{i}") for i in range(12)]
    _letters(sqs, *records)

    # WHEN it is replayed by its message id
    result = CliRunner().invoke(dlq.app, ["replay", "--message-id", "m-12"])

    # THEN only its record was put, only its letter deleted; the other eleven are visible again
    assert result.exit_code == 0, result.output
    assert kinesis.records == [records[11]]
    assert sqs.visible() == [f"m-{i:02d}" for i in range(1, 12)]
    assert sqs.in_flight == {}


def test_a_large_letter_is_listed_with_where_its_record_is_and_replayed_from_s3(
    sqs: FakeSqs, kinesis: FakeKinesis, bucket: FakeBucket
) -> None:
    # GIVEN a letter whose record the trigger kept in S3 (too large for a message), beside an ordinary one
    large, small = (_large_ticket("TKT-20250115-0007"), "pk-7"), (_ticket("TKT-20250115-0008"), "pk-8")
    _letters(sqs, large, small, bucket=bucket)
    [key] = bucket.objects

    # WHEN the letters are listed as JSON
    listed = CliRunner().invoke(dlq.app, ["list", "--json"])

    # THEN the large one shows its ticket and where its record is, without reading it
    assert listed.exit_code == 0, listed.output
    rows = {row["message_id"]: row for row in json.loads(listed.stdout)}
    assert (rows["m-01"]["ticket_id"], rows["m-01"]["record"]) == ("TKT-20250115-0007", f"s3://archive/{key}")
    assert rows["m-02"]["record"] == "in the letter"
    assert bucket.gets == []

    # WHEN both are replayed
    replayed = CliRunner().invoke(dlq.app, ["replay", "--all"], env=WIDE)

    # THEN each record is back on the stream as it was, the large one read from S3, and both letters are gone
    assert replayed.exit_code == 0, replayed.output
    assert kinesis.records == [large, small]
    assert bucket.gets == [key]
    assert sqs.bodies == {}


def test_a_large_letter_whose_record_is_gone_stays_in_the_queue(sqs: FakeSqs, bucket: FakeBucket) -> None:
    # GIVEN a large letter whose record is no longer in S3
    _letters(sqs, (_large_ticket("TKT-20250115-0007"), "pk-7"), bucket=bucket)
    bucket.objects.clear()

    # WHEN it is replayed by id
    result = CliRunner().invoke(dlq.app, ["replay", "--message-id", "m-01"], env=WIDE)

    # THEN it is not replayed, it stays in the queue, and the command fails naming the error
    assert result.exit_code == 1
    assert "NoSuchKey" in result.output
    assert sqs.visible() == ["m-01"]


def test_a_failed_put_keeps_the_letter_and_fails_the_command(
    monkeypatch: pytest.MonkeyPatch, resources: DeadLetterResources, sqs: FakeSqs
) -> None:
    # GIVEN two letters and a stream that refuses the first one's partition key
    records = [(_ticket("TKT-20250115-0001"), "pk-refused"), (_ticket("TKT-20250115-0002"), "pk-ok")]
    _letters(sqs, *records)
    kinesis = FakeKinesis(refuse={"pk-refused"})
    replaced = DeadLetterResources(resources.queue, kinesis, STREAM, resources.records)  # type: ignore[arg-type]
    monkeypatch.setattr(dlq, "resources", lambda: replaced)

    # WHEN every letter is replayed
    result = CliRunner().invoke(dlq.app, ["replay", "--all"])

    # THEN the second is back and its letter gone; the first's letter stays, visible; exit 1
    assert result.exit_code == 1
    assert kinesis.records == [records[1]]
    assert sqs.visible() == ["m-01"]
    assert "ProvisionedThroughputExceededException" in result.output
    assert "replayed 1, skipped 0, failed 1" in result.output


def test_a_message_that_is_not_a_letter_is_skipped_and_kept(
    resources: DeadLetterResources, sqs: FakeSqs, kinesis: FakeKinesis
) -> None:
    # GIVEN the mapping's on-failure record (no data) beside a letter
    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=ON_FAILURE_RECORD)
    _letters(sqs, (_ticket("TKT-20250115-0042"), "pk-1"))

    # WHEN everything is replayed
    all_result = CliRunner().invoke(dlq.app, ["replay", "--all"])

    # THEN the letter is replayed; the other message is skipped, left in the queue, and not an error
    assert all_result.exit_code == 0, all_result.output
    assert len(kinesis.records) == 1
    assert sqs.visible() == ["m-01"]
    assert "not a ticketflow letter" in all_result.output

    # WHEN it is asked for by id, THEN that is an error
    by_id = CliRunner().invoke(dlq.app, ["replay", "--message-id", "m-01"])
    assert by_id.exit_code == 1
    assert sqs.visible() == ["m-01"]


def test_an_unknown_message_id_fails(resources: DeadLetterResources, sqs: FakeSqs) -> None:
    # GIVEN one letter
    _letters(sqs, (_ticket("TKT-20250115-0042"), "pk-1"))

    # WHEN another id is asked for
    result = CliRunner().invoke(dlq.app, ["replay", "--message-id", "m-99"])

    # THEN exit 1, the id named, the letter untouched
    assert result.exit_code == 1
    assert "not in the queue: m-99" in result.output
    assert sqs.visible() == ["m-01"]


@pytest.mark.parametrize("arguments", [["replay"], ["replay", "--all", "--message-id", "m-01"]])
def test_replay_needs_either_all_or_message_ids(arguments: list[str], sqs: FakeSqs) -> None:
    # GIVEN / WHEN replay without a choice, or with both
    result = CliRunner().invoke(dlq.app, arguments)

    # THEN exit 1 with what to pass, and the queue was not read
    assert result.exit_code == 1
    assert "either --all or one or more --message-id" in result.output
    assert sqs.visibility_timeouts == []


def test_the_letter_is_deleted_only_after_the_put(resources: DeadLetterResources, sqs: FakeSqs) -> None:
    # GIVEN a letter, and a stream that checks the letter is still in the queue when its record is put
    _letters(sqs, (_ticket("TKT-20250115-0042"), "pk-1"))
    order: list[str] = []

    class CheckingKinesis(FakeKinesis):
        def put_record(self, *, StreamName: str, Data: bytes, PartitionKey: str) -> dict[str, Any]:  # noqa: N803
            order.append(f"put while queued={'m-01' in sqs.bodies}")
            return super().put_record(StreamName=StreamName, Data=Data, PartitionKey=PartitionKey)

    queue = resources.queue
    resources_with_check = DeadLetterResources(queue, CheckingKinesis(), STREAM, resources.records)  # type: ignore[arg-type]

    # WHEN it is replayed
    report = dlq.replay_letters(resources_with_check, None)

    # THEN the put came first, then the delete
    assert order == ["put while queued=True"]
    assert report.replayed == 1
    assert sqs.bodies == {}
    assert (report.seen, report.summary()) == ({"m-01"}, "replayed 1, skipped 0, failed 0")


def test_the_queue_and_stream_come_from_the_stack_outputs(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the stack outputs in the environment
    values = {key: f"{key}-value" for key in StackOutputs.keys()}  # noqa: SIM118 (a classmethod, not dict.keys)
    for name, value in StackOutputs.model_validate(values).as_env().items():
        monkeypatch.setenv(name, value)

    # WHEN the commands' resources are resolved
    found = STACK_RESOURCES()

    # THEN the StreamName output, reached with a Kinesis client; large letters' records in the BucketName one
    assert found.stream_name == "StreamName-value"
    assert found.kinesis.meta.service_model.service_name == "kinesis"
    carried = replace(DeadLetter.of("pk", "1", b"", "r"), data_key="dead-letters/1-0123456789abcdef.bin")
    assert found.records.where(carried) == "s3://BucketName-value/dead-letters/1-0123456789abcdef.bin"


def test_no_deployed_stack_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no stack outputs anywhere, and the real resolution
    def not_deployed(*_: object) -> StackOutputs:
        raise OutputsNotFoundError("stack Ticketflow is not deployed (no outputs.json): deploy it first")

    monkeypatch.setattr(common, "stack_outputs", not_deployed)
    monkeypatch.setattr(dlq, "resources", STACK_RESOURCES)

    # WHEN the letters are listed
    result = CliRunner().invoke(dlq.app, ["list"])

    # THEN exit 1 with the reason
    assert result.exit_code == 1
    assert "deploy it first" in result.output
