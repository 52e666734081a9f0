"""Dead letters: a Kinesis record kept whole in SQS, read back without loss, and replayed onto the stream."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber

from tests.aws_clients import offline_clients
from tests.event_files import TICKET_SUBMITTED, load_event
from ticketflow.dead_letters import DeadLetter, DeadLetterQueue
from ticketflow_dev.tickets.dead_letter_inbox import DeadLetterInbox, Received, replay

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_sqs import SQSClient


QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/dead-letters"
STREAM = "tickets-stream"
TICKET = json.dumps(load_event(TICKET_SUBMITTED)).encode("utf-8")
BINARY = bytes(range(256))  # every byte value: nothing may be lost on the way through JSON and SQS


@pytest.fixture
def sqs_client() -> SQSClient:
    """An offline SQS client (explicit dummy credentials and region) for Stubber."""
    return offline_clients()("sqs")


def _message(message_id: str, letter: DeadLetter) -> dict[str, Any]:
    return {"MessageId": message_id, "ReceiptHandle": f"rh-{message_id}", "Body": json.dumps(asdict(letter))}


@pytest.mark.parametrize("data", [TICKET, BINARY, b""])
def test_a_letter_keeps_the_records_bytes_through_its_message_body(data: bytes) -> None:
    # GIVEN a letter made from a record
    letter = DeadLetter.of("pk-1", "49590338271490256608559692538361571095921575989136588898", data, "boom")

    # WHEN it goes through the message body and back
    back = DeadLetter.from_body(json.dumps(asdict(letter)))

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
    expected = {"QueueUrl": QUEUE_URL, "MessageBody": json.dumps(asdict(letter))}
    with Stubber(sqs_client) as stubber:
        stubber.add_response("send_message", {"MessageId": "m-1"}, expected)

        # WHEN it is sent
        DeadLetterQueue(sqs_client, QUEUE_URL).send(letter)

        # THEN the body is the letter, whole
        stubber.assert_no_pending_responses()


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
    letter = DeadLetter.from_body(json.dumps(asdict(DeadLetter.of("pk-7", "1", data, "boom"))))
    assert letter is not None
    expected = {"StreamName": STREAM, "Data": data, "PartitionKey": "pk-7"}
    with Stubber(kinesis_client) as stubber:
        stubber.add_response(
            "put_record", {"ShardId": "shardId-000000000000", "SequenceNumber": "99"}, expected
        )

        # WHEN it is replayed
        sequence_number = replay(letter, kinesis_client, STREAM)

        # THEN the same bytes under the same partition key; the new sequence number is returned
        stubber.assert_no_pending_responses()
    assert sequence_number == "99"
    assert base64.b64decode(letter.data) == data
