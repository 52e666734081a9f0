"""Dead letters: a Kinesis record kept whole in SQS (or, too large for a message, in S3), read back without
loss, and replayed onto the stream."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber

from tests.aws_clients import offline_clients
from tests.event_files import TICKET_SUBMITTED, load_event
from tests.unit.fakes import FakeBucket
from ticketflow import dead_letters, limits
from ticketflow.dead_letters import DeadLetter, DeadLetterQueue, S3Records
from ticketflow_dev.tickets.dead_letter_inbox import CarriedRecords, DeadLetterInbox, Received, replay

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_sqs import SQSClient


QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/dead-letters"
STREAM = "tickets-stream"
BUCKET = "archive"
TICKET = json.dumps(load_event(TICKET_SUBMITTED)).encode("utf-8")
BINARY = bytes(range(256))  # every byte value: nothing may be lost on the way through JSON and SQS


@pytest.fixture
def sqs_client() -> SQSClient:
    """An offline SQS client (explicit dummy credentials and region) for Stubber."""
    return offline_clients()("sqs")


def _message(message_id: str, letter: DeadLetter) -> dict[str, Any]:
    return {"MessageId": message_id, "ReceiptHandle": f"rh-{message_id}", "Body": letter.body()}


@pytest.mark.parametrize("data", [TICKET, BINARY, b""])
def test_a_letter_keeps_the_records_bytes_through_its_message_body(data: bytes) -> None:
    # GIVEN a letter made from a record
    letter = DeadLetter.of("pk-1", "49590338271490256608559692538361571095921575989136588898", data, "boom")

    # WHEN it goes through the message body and back
    back = DeadLetter.from_body(letter.body())

    # THEN it is the same letter, and its bytes are the record's
    assert back == letter
    assert back is not None
    assert back.record_bytes() == data
    assert back.failed_at.endswith("Z")  # UTC, the format of the ticket table's timestamps


def test_a_long_reason_is_cut_to_fit_a_message() -> None:
    # GIVEN / WHEN a letter with a very long reason
    letter = DeadLetter.of("pk", "1", b"x", "e" * 10_000)

    # THEN it is cut, the data is not
    assert len(letter.reason) == 2000
    assert letter.record_bytes() == b"x"


@pytest.mark.parametrize(
    ("data", "ticket_id"),
    [
        (TICKET, "TKT-20250115-0042"),
        (b'{"ticketId": 42}', None),
        (b"[1, 2]", None),
        (b"{not json", None),
        (BINARY, None),
    ],
)
def test_the_ticket_id_is_read_when_the_record_is_a_json_ticket(data: bytes, ticket_id: str | None) -> None:
    # GIVEN / WHEN / THEN
    assert DeadLetter.of("pk", "1", data, "boom").ticket_id() == ticket_id


@pytest.mark.parametrize(
    "body",
    [
        # the event source mapping's own on-failure record: sequence numbers, no data
        json.dumps({"requestContext": {"condition": "RetryAttemptsExhausted"}, "KinesisBatchInfo": {}}),
        "not json",
        "[]",
        json.dumps({"partition_key": "pk"}),
    ],
)
def test_a_body_that_is_not_a_letter_is_told_apart(body: str) -> None:
    # GIVEN / WHEN / THEN
    assert DeadLetter.from_body(body) is None


def test_send_puts_the_letter_as_json(sqs_client: SQSClient) -> None:
    # GIVEN a letter and a queue
    letter = DeadLetter.of("pk-1", "1", TICKET, "ClientError: ThrottlingException")
    old_shape = {
        "partition_key": "pk-1",
        "sequence_number": "1",
        "data": base64.b64encode(TICKET).decode("ascii"),
        "reason": "ClientError: ThrottlingException",
        "failed_at": letter.failed_at,
    }
    expected = {"QueueUrl": QUEUE_URL, "MessageBody": json.dumps(old_shape)}
    bucket = FakeBucket()
    with Stubber(sqs_client) as stubber:
        stubber.add_response("send_message", {"MessageId": "m-1"}, expected)

        # WHEN it is sent
        DeadLetterQueue(sqs_client, QUEUE_URL, S3Records(bucket, BUCKET)).send(letter)  # type: ignore[arg-type]

        # THEN the body is the letter, whole, in the shape it always had; nothing is kept in S3
        stubber.assert_no_pending_responses()
    assert bucket.objects == {}


def largest_inline(sequence_number: str) -> int:
    """The most record bytes a letter of these fields carries within an SQS message."""
    budget = limits.SQS_MESSAGE_MAX_BYTES - len(DeadLetter.of("pk-1", sequence_number, b"", REASON).body())
    return budget // 4 * 3  # base64: four characters for each three bytes


REASON = "ThrottlingException from StartExecution"
SEQUENCE = "49590338271490256608559692538361571095921575989136588898"


@pytest.mark.parametrize("beyond", [0, 1])
def test_a_letter_carries_its_record_up_to_the_message_limit_and_names_it_in_s3_past_it(
    sqs_client: SQSClient, beyond: int
) -> None:
    # GIVEN a ticket's record as large as a message can carry, and one byte larger
    size = largest_inline(SEQUENCE) + beyond
    data = TICKET[:-1] + b" " * (size - len(TICKET)) + b"}"
    letter = DeadLetter.of("pk-1", SEQUENCE, data, REASON)
    bucket, sent = FakeBucket(), []
    sqs_client.meta.events.register(
        "provide-client-params.sqs.SendMessage", lambda params, **_: sent.append(params["MessageBody"])
    )
    with Stubber(sqs_client) as stubber:
        stubber.add_response("send_message", {"MessageId": "m-1"})

        # WHEN it is sent
        DeadLetterQueue(sqs_client, QUEUE_URL, S3Records(bucket, BUCKET)).send(letter)  # type: ignore[arg-type]

    # THEN every body is within SQS's 256 KiB; at the limit the letter carries the record, past it the record
    # is kept whole under dead-letters/ and the letter names it and the ticket
    [body] = sent
    assert len(body.encode("utf-8")) <= limits.SQS_MESSAGE_MAX_BYTES
    back = DeadLetter.from_body(body)
    assert back is not None
    assert back.ticket_id() == "TKT-20250115-0042"
    if not beyond:
        assert (back.record_bytes(), back.data_key, bucket.objects) == (data, None, {})
        assert len(body) > limits.SQS_MESSAGE_MAX_BYTES - 4
        return
    key = dead_letters.record_key(letter, data)
    assert bucket.objects == {key: data}
    assert (back.data, back.data_key, back.partition_key, back.reason) == ("", key, "pk-1", REASON)
    assert dead_letters.is_record_key(key)
    with pytest.raises(ValueError, match="not in the letter"):
        back.record_bytes()


def test_a_record_of_a_mebibyte_is_kept_in_s3_and_its_letter_stays_small(sqs_client: SQSClient) -> None:
    # GIVEN the largest record Kinesis takes (1 MiB), which no SQS message could carry as base64 (1.4 MB)
    data = bytes(range(256)) * (limits.KINESIS_RECORD_MAX_BYTES // 256 - 1)
    bucket = FakeBucket()
    with Stubber(sqs_client) as stubber:
        stubber.add_response("send_message", {"MessageId": "m-1"})

        # WHEN its letter is sent
        DeadLetterQueue(sqs_client, QUEUE_URL, S3Records(bucket, BUCKET)).send(  # type: ignore[arg-type]
            DeadLetter.of("pk-1", SEQUENCE, data, REASON)
        )

    # THEN the bytes are in S3, whole (no ticket id: they are not JSON)
    [(key, kept)] = bucket.objects.items()
    assert kept == data
    assert key.startswith(dead_letters.PREFIX)


@pytest.mark.parametrize(
    ("key", "ours"),
    [
        (f"dead-letters/{SEQUENCE}-0123456789abcdef.bin", True),
        ("dead-letters/1-0123456789abcdef.bin", True),
        ("tickets/2026/03/02/TKT-20260302-0001.json", False),
        ("descriptions/TKT-20260302-0001/0123456789abcdef.txt", False),
        ("dead-letters/../tickets/x-0123456789abcdef.bin", False),
        ("dead-letters/1-0123456789ABCDEF.bin", False),
        (f"dead-letters/{SEQUENCE}-0123456789abcdef.bin.extra", False),
    ],
)
def test_only_the_keys_the_trigger_makes_are_its_records(key: str, ours: bool) -> None:
    # GIVEN / WHEN / THEN
    assert dead_letters.is_record_key(key) is ours


def test_receive_reads_every_letter_once_then_stops(sqs_client: SQSClient) -> None:
    # GIVEN a queue answering two letters and a message that is not one, then the first letter again
    first, second = DeadLetter.of("pk-1", "1", TICKET, "a"), DeadLetter.of("pk-2", "2", BINARY, "b")
    foreign = {"MessageId": "m-3", "ReceiptHandle": "rh-m-3", "Body": '{"KinesisBatchInfo": {}}'}
    request = {"QueueUrl": QUEUE_URL, "VisibilityTimeout": 30, "WaitTimeSeconds": 1}
    with Stubber(sqs_client) as stubber:
        stubber.add_response(
            "receive_message",
            {"Messages": [_message("m-1", first), _message("m-2", second), foreign]},
            request | {"MaxNumberOfMessages": 10},
        )
        stubber.add_response(
            "receive_message", {"Messages": [_message("m-1", first)]}, request | {"MaxNumberOfMessages": 10}
        )

        # WHEN up to 50 are received with a 30 s visibility timeout
        received = list(
            DeadLetterInbox(sqs_client, QUEUE_URL).receive(max_messages=50, visibility_seconds=30)
        )

        # THEN each message once, letters parsed, the foreign message kept by its body; a batch of only
        # messages already seen ends the reading
        stubber.assert_no_pending_responses()
    assert [(r.message_id, r.letter) for r in received] == [("m-1", first), ("m-2", second), ("m-3", None)]
    assert received[2].body == foreign["Body"]


def test_receive_asks_for_no_more_than_the_limit(sqs_client: SQSClient) -> None:
    # GIVEN a queue with more letters than wanted
    letters = [DeadLetter.of(f"pk-{i}", str(i), b"x", "r") for i in range(3)]
    with Stubber(sqs_client) as stubber:
        stubber.add_response(
            "receive_message",
            {"Messages": [_message(f"m-{i}", letter) for i, letter in enumerate(letters)]},
            {"QueueUrl": QUEUE_URL, "MaxNumberOfMessages": 3, "VisibilityTimeout": 5, "WaitTimeSeconds": 0},
        )

        # WHEN three are asked for
        received = list(
            DeadLetterInbox(sqs_client, QUEUE_URL).receive(
                max_messages=3, visibility_seconds=5, wait_seconds=0
            )
        )

        # THEN one call, three letters, no further call
        stubber.assert_no_pending_responses()
    assert len(received) == 3


def test_delete_and_release_use_the_receipt_handle(sqs_client: SQSClient) -> None:
    # GIVEN a received letter
    received = Received("m-1", "rh-1", DeadLetter.of("pk", "1", b"x", "r"), "{}")
    queue = DeadLetterInbox(sqs_client, QUEUE_URL)
    with Stubber(sqs_client) as stubber:
        stubber.add_response(
            "change_message_visibility",
            {},
            {"QueueUrl": QUEUE_URL, "ReceiptHandle": "rh-1", "VisibilityTimeout": 0},
        )
        stubber.add_response("delete_message", {}, {"QueueUrl": QUEUE_URL, "ReceiptHandle": "rh-1"})

        # WHEN it is released, then deleted
        queue.release(received)
        queue.delete(received)

        # THEN release made it visible at once; delete removed it by its receipt handle
        stubber.assert_no_pending_responses()


@pytest.mark.parametrize("data", [TICKET, BINARY])
def test_replay_puts_the_record_back_as_it_was(kinesis_client: KinesisClient, data: bytes) -> None:
    # GIVEN a letter that went through its message body
    letter = DeadLetter.from_body(DeadLetter.of("pk-7", "1", data, "boom").body())
    assert letter is not None
    bucket = FakeBucket()
    expected = {"StreamName": STREAM, "Data": data, "PartitionKey": "pk-7"}
    with Stubber(kinesis_client) as stubber:
        stubber.add_response(
            "put_record", {"ShardId": "shardId-000000000000", "SequenceNumber": "99"}, expected
        )

        # WHEN it is replayed
        sequence_number = replay(letter, kinesis_client, STREAM, CarriedRecords(bucket, BUCKET))  # type: ignore[arg-type]

        # THEN the same bytes under the same partition key; the new sequence number is returned; S3 unread
        stubber.assert_no_pending_responses()
    assert sequence_number == "99"
    assert base64.b64decode(letter.data) == data
    assert bucket.gets == []


def test_replay_reads_a_large_letters_record_from_s3(kinesis_client: KinesisClient) -> None:
    # GIVEN a letter whose record the trigger kept in S3 (too large for a message)
    data = TICKET[:-1] + b" " * 300_000 + b"}"
    bucket, sqs = FakeBucket(), RecordingSqs()
    queue = DeadLetterQueue(sqs, QUEUE_URL, S3Records(bucket, BUCKET))  # type: ignore[arg-type]
    queue.send(DeadLetter.of("pk-7", SEQUENCE, data, REASON))
    letter = DeadLetter.from_body(sqs.bodies[0])
    assert letter is not None
    assert letter.data_key is not None
    expected = {"StreamName": STREAM, "Data": data, "PartitionKey": "pk-7"}
    with Stubber(kinesis_client) as stubber:
        stubber.add_response(
            "put_record", {"ShardId": "shardId-000000000000", "SequenceNumber": "99"}, expected
        )

        # WHEN it is replayed
        replay(letter, kinesis_client, STREAM, CarriedRecords(bucket, BUCKET))  # type: ignore[arg-type]

        # THEN the record read from its object went back whole, under its partition key
        stubber.assert_no_pending_responses()
    assert bucket.gets == [letter.data_key]
    assert CarriedRecords(bucket, BUCKET).where(letter) == f"s3://{BUCKET}/{letter.data_key}"  # type: ignore[arg-type]


def test_a_letter_naming_another_object_is_not_read() -> None:
    # GIVEN a letter (not the trigger's) that names an archive object instead of a dead letter's record
    forged = replace(DeadLetter.of("pk", "1", b"", "r"), data_key="tickets/2026/03/02/TKT-20260302-0001.json")
    bucket = FakeBucket()
    bucket.objects[str(forged.data_key)] = b"{}"

    # WHEN / THEN reading its record is refused, naming the key, and S3 is never asked
    with pytest.raises(ValueError, match="not a record under dead-letters/"):
        CarriedRecords(bucket, BUCKET).record_of(forged)  # type: ignore[arg-type]
    assert bucket.gets == []


class RecordingSqs:
    """SendMessage kept: each body in `bodies`."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send_message(self, *, QueueUrl: str, MessageBody: str) -> dict[str, Any]:  # noqa: N803
        assert QueueUrl == QUEUE_URL
        self.bodies.append(MessageBody)
        return {"MessageId": f"m-{len(self.bodies)}"}
