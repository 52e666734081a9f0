"""TriggerSFN end to end on a Kinesis event: started, already started and rejected records succeed; a record
whose handling still fails after the clients' retries is dead-lettered whole, and reported in
the whole batch failed (the mapping delivers it again) when the dead-letter queue fails too, or when a record
finds no execution slot in time."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from tests.event_files import KINESIS_BATCH, TICKET_SUBMITTED, kinesis_event, load_event
from tests.largest_tickets import largest_ticket, record_description, ticket_id
from tests.unit.fakes import QUEUE_URL, FakeBucket, FakeDescriptions, FakeSqs
from tests.unit.lambda_loader import FakeLambdaContext, load_handler
from ticketflow import dead_letters, limits
from ticketflow.admission import Admission
from ticketflow.dead_letters import DeadLetter, DeadLetterQueue, S3Records
from ticketflow.entry_point import EntryPoint
from ticketflow.ingest import Intake
from ticketflow.model import TicketSubmitted
from ticketflow.ticket_store import NEW_ITEM, RECEIVABLE, Arrival, Condition, DynamoTicketStore, content_hash
from ticketflow_dev.tickets import producer

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_stepfunctions import SFNClient


trigger = load_handler("trigger_sfn")
STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:TicketFlow"
TABLE = "tickets-table"


def _ticket(ticket_id: str, **data: str) -> bytes:
    event = load_event(TICKET_SUBMITTED) | {"ticketId": ticket_id}
    event["data"] |= data
    return json.dumps(event).encode("utf-8")


def _invalid(ticket_id: str) -> bytes:
    """A ticket with a well-formed id and an empty subject: rejected, and recorded under its id."""
    return _ticket(ticket_id, subject="")


def _error(code: str, operation: str = "StartExecution") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


def _sequence_numbers(event: dict[str, Any]) -> list[str]:
    return [record["kinesis"]["sequenceNumber"] for record in event["Records"]]


def _started(name: str) -> dict[str, Any]:
    return {"executionArn": f"{STATE_MACHINE_ARN}:{name}", "startDate": "2025-01-15T09:30:01Z"}


def _start(name: str) -> dict[str, Any]:
    return {"stateMachineArn": STATE_MACHINE_ARN, "name": name, "input": ANY}


def _put(item: dict[str, Any], condition: Condition = NEW_ITEM) -> dict[str, Any]:
    return {"TableName": TABLE, "Item": item, **condition}


def _received(ticket_id: str) -> dict[str, Any]:
    item = {"ticket_id": {"S": ticket_id}, "status": {"S": "RECEIVED"}}
    fields = dict.fromkeys(("status_at", "received_at", "history", "content_hash"), ANY) | _ticket_fields()
    return _put(item | fields, RECEIVABLE)


def _ticket_fields() -> dict[str, Any]:
    return dict.fromkeys(("submitted_at", "product", "issue_type"), ANY)


def _rejection(ticket_id: str) -> dict[str, Any]:
    item = {"ticket_id": {"S": ticket_id}, "status": {"S": "REJECTED"}}
    return _put(item | dict.fromkeys(("status_reason", "status_at", "rejected_at", "history"), ANY))


class FakeSfn:
    """StartExecution answered by execution name: an error to raise, or None to start; remembers the names."""

    def __init__(self, errors: dict[str, ClientError] | None = None) -> None:
        self.names: list[str] = []
        self._errors = errors or {}

    def start_execution(self, **kwargs: Any) -> dict[str, Any]:
        name: str = kwargs["name"]
        self.names.append(name)
        if name in self._errors:
            raise self._errors[name]
        return _started(name)


class FakeStore:
    """A TicketStore answering arrivals by ticket id (NEW unless told); remembers what it recorded."""

    def __init__(self, arrivals: dict[str, Arrival] | None = None) -> None:
        self.received: list[str] = []
        self.duplicates: list[str] = []
        self.rejected: list[str] = []
        self.together = 0  # shared writes that recorded a batch
        self._arrivals = arrivals or {}

    def record_received(self, ticket: TicketSubmitted) -> Arrival:
        self.received.append(ticket.ticket_id)
        return self._arrivals.get(ticket.ticket_id, Arrival.NEW)

    def record_all_received(self, tickets: Sequence[TicketSubmitted]) -> list[bool]:
        """Like one transaction: all written while every ticket is new, else none."""
        new = all(self._arrivals.get(t.ticket_id, Arrival.NEW) is Arrival.NEW for t in tickets)
        if new:
            self.received += [t.ticket_id for t in tickets]
            self.together += 1
        return [new] * len(tickets)

    def record_duplicate(self, ticket: TicketSubmitted) -> None:
        self.duplicates.append(ticket.ticket_id)

    def record_rejection(self, ticket_id: str, reason: str) -> None:
        assert reason.startswith("invalid ticket: ")
        self.rejected.append(ticket_id)


Entry = EntryPoint[Any, dict[str, Any]]


def letters(sqs: FakeSqs) -> list[DeadLetter]:
    """The letters the trigger sent."""
    return [DeadLetter(**body) for body in sqs.sent_bodies()]


def _wire(
    intake: Intake, sqs: FakeSqs | None = None, bucket: FakeBucket | None = None
) -> tuple[Entry, FakeSqs]:
    """The function's entry point built on `intake` and a dead-letter queue on `sqs` (a fresh fake), which
    keeps the records too large for a message in `bucket` (a fresh fake)."""
    queue = sqs or FakeSqs()
    records = S3Records(bucket or FakeBucket(), "archive")  # type: ignore[arg-type]
    dead_letters = DeadLetterQueue(queue, QUEUE_URL, records)  # type: ignore[arg-type]
    return EntryPoint(trigger.handle, lambda: trigger.Trigger(intake, dead_letters), trigger.logger), queue


@pytest.fixture
def stubbed(
    sfn_client: SFNClient, dynamodb_client: DynamoDBClient
) -> tuple[Stubber, Stubber, FakeSqs, Entry]:
    """The function's Intake on real boto3 clients with stubbers, for one-record batches (records run
    concurrently, so the order of two records' calls on one client is not fixed)."""
    intake = Intake(
        sfn_client,
        STATE_MACHINE_ARN,
        DynamoTicketStore(dynamodb_client, TABLE),
        descriptions=FakeDescriptions(),
    )
    entry, sqs = _wire(intake)
    return Stubber(sfn_client), Stubber(dynamodb_client), sqs, entry


def test_the_canonical_batch_starts_one_execution_per_ticket(
    lambda_context: FakeLambdaContext,
) -> None:
    # GIVEN the canonical two-record batch and a Step Functions fake that keeps the names it was given
    sfn, store = FakeSfn(), FakeStore()
    entry, sqs = _wire(Intake(sfn, STATE_MACHINE_ARN, store, descriptions=FakeDescriptions()))  # type: ignore[arg-type]

    # WHEN the function handles it
    response = entry(load_event(KINESIS_BATCH), lambda_context)

    # THEN both tickets were recorded RECEIVED in one write, each got one execution named after it; no
    # failures, no letters
    assert sorted(store.received) == ["TKT-20250115-0042", "TKT-20250115-0043"]
    assert store.together == 1
    assert sorted(sfn.names) == ["TKT-20250115-0042", "TKT-20250115-0043"]
    assert response == {"batchItemFailures": []}
    assert sqs.sent == []


def test_a_valid_record_is_recorded_received_and_started(
    stubbed: tuple[Stubber, Stubber, FakeSqs, Entry], lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a valid ticket, a table that takes it and Step Functions that starts it
    sfn, dynamodb, sqs, entry = stubbed
    dynamodb.add_response("put_item", {}, _received("TKT-20250115-0001"))
    sfn.add_response("start_execution", _started("TKT-20250115-0001"), _start("TKT-20250115-0001"))

    # WHEN the function handles it
    with sfn, dynamodb:
        response = entry(kinesis_event(_ticket("TKT-20250115-0001")), lambda_context)

        # THEN a conditional RECEIVED put, then the start; the batch did not fail
        sfn.assert_no_pending_responses()
        dynamodb.assert_no_pending_responses()
    assert response == {"batchItemFailures": []}
    assert sqs.sent == []


def test_an_invalid_record_is_recorded_rejected(
    stubbed: tuple[Stubber, Stubber, FakeSqs, Entry], lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a ticket that fails validation (no start is stubbed)
    sfn, dynamodb, sqs, entry = stubbed
    dynamodb.add_response("put_item", {}, _rejection("TKT-20250115-0002"))

    # WHEN the function handles it
    with sfn, dynamodb:
        response = entry(kinesis_event(_invalid("TKT-20250115-0002")), lambda_context)

        # THEN it is REJECTED in the table, and the batch did not fail
        dynamodb.assert_no_pending_responses()
    assert response == {"batchItemFailures": []}
    assert sqs.sent == []


def test_a_redelivered_record_counts_as_success(
    stubbed: tuple[Stubber, Stubber, FakeSqs, Entry], lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a re-delivered ticket: the table holds the same content, its execution already exists
    sfn, dynamodb, sqs, entry = stubbed
    data = _ticket("TKT-20250115-0001")
    digest = content_hash(TicketSubmitted.model_validate_json(data))
    dynamodb.add_client_error("put_item", "ConditionalCheckFailedException", "The conditional request failed")
    dynamodb.add_response(
        "get_item", {"Item": {"ticket_id": {"S": "TKT-20250115-0001"}, "content_hash": {"S": digest}}}
    )
    sfn.add_client_error("start_execution", "ExecutionAlreadyExists", "Execution Already Exists", 400)

    # WHEN the function handles it
    with sfn, dynamodb:
        response = entry(kinesis_event(data), lambda_context)

        sfn.assert_no_pending_responses()
        dynamodb.assert_no_pending_responses()

    # THEN it is not reported as failed, nor dead-lettered
    assert response == {"batchItemFailures": []}
    assert sqs.sent == []


def test_a_start_that_keeps_failing_is_dead_lettered_with_the_records_bytes(
    stubbed: tuple[Stubber, Stubber, FakeSqs, Entry], lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a ticket recorded RECEIVED whose start is still throttled after the client's retries
    sfn, dynamodb, sqs, entry = stubbed
    data = _ticket("TKT-20250115-0001")
    event = kinesis_event(data, partition_keys=["pk-1"])
    dynamodb.add_response("put_item", {}, _received("TKT-20250115-0001"))
    sfn.add_client_error("start_execution", "ThrottlingException", "Rate exceeded", 400)

    # WHEN the function handles it
    with sfn, dynamodb:
        response = entry(event, lambda_context)

    # THEN the batch does not fail (the shard moves on); the letter carries the record whole, with the reason
    assert response == {"batchItemFailures": []}
    [letter] = letters(sqs)
    assert letter.record_bytes() == data
    assert letter.partition_key == "pk-1"
    assert letter.sequence_number == _sequence_numbers(event)[0]
    assert letter.reason == "ThrottlingException from StartExecution"
    assert "Rate exceeded" not in letter.reason  # a service's message may echo request values


def test_a_table_that_keeps_failing_dead_letters_the_record_too(
    stubbed: tuple[Stubber, Stubber, FakeSqs, Entry], lambda_context: FakeLambdaContext
) -> None:
    # GIVEN DynamoDB failing the RECEIVED write (no start is stubbed)
    sfn, dynamodb, sqs, entry = stubbed
    data = _ticket("TKT-20250115-0001")
    dynamodb.add_client_error("put_item", "ProvisionedThroughputExceededException", "slow down", 400)

    # WHEN the function handles it
    with sfn, dynamodb:
        response = entry(kinesis_event(data), lambda_context)

    # THEN the record is parked, not failed, and nothing started
    assert response == {"batchItemFailures": []}
    assert [letter.record_bytes() for letter in letters(sqs)] == [data]


def test_every_outcome_in_one_batch(
    lambda_context: FakeLambdaContext,
) -> None:
    # GIVEN five records: new, already started, invalid, throttled, and another ticket reusing an id
    sfn = FakeSfn(
        {
            "TKT-20250115-0002": _error("ExecutionAlreadyExists"),
            "TKT-20250115-0004": _error("ThrottlingException"),
        }
    )
    store = FakeStore({"TKT-20250115-0005": Arrival.DIFFERENT_TICKET})
    entry, sqs = _wire(Intake(sfn, STATE_MACHINE_ARN, store, descriptions=FakeDescriptions()))  # type: ignore[arg-type]
    records = [
        _ticket("TKT-20250115-0001"),
        _ticket("TKT-20250115-0002"),
        _invalid("TKT-20250115-0003"),
        _ticket("TKT-20250115-0004"),
        _ticket("TKT-20250115-0005"),
    ]
    event = kinesis_event(*records)

    # WHEN the function handles the batch
    response = entry(event, lambda_context)

    # THEN nothing is reported failed; the throttled record alone is dead-lettered; the invalid one and the
    # duplicate are recorded, and the duplicate never started
    assert response == {"batchItemFailures": []}
    [letter] = letters(sqs)
    assert (letter.record_bytes(), letter.sequence_number) == (records[3], _sequence_numbers(event)[3])
    assert store.rejected == ["TKT-20250115-0003"]
    assert store.duplicates == ["TKT-20250115-0005"]
    assert sorted(sfn.names) == ["TKT-20250115-0001", "TKT-20250115-0002", "TKT-20250115-0004"]


def test_the_batch_fails_when_the_dead_letter_queue_refuses_a_letter(
    lambda_context: FakeLambdaContext,
) -> None:
    # GIVEN a batch with a good record and a throttled one, and a queue that refuses the letter
    sfn = FakeSfn({"TKT-20250115-0002": _error("ThrottlingException")})
    intake = Intake(sfn, STATE_MACHINE_ARN, FakeStore(), descriptions=FakeDescriptions())  # type: ignore[arg-type]
    entry, _ = _wire(intake, FakeSqs(error=_error("KmsThrottled", "SendMessage")))
    event = kinesis_event(_ticket("TKT-20250115-0001"), _ticket("TKT-20250115-0002"))

    # WHEN / THEN the invocation fails as a whole, so the mapping delivers the batch again (a partial
    # response is skipped by MiniStack's mapping); a re-delivery of the good record starts nothing twice
    with pytest.raises(trigger.BatchRetriedError, match="refused the letters of 1 record"):
        entry(event, lambda_context)
    assert sorted(sfn.names) == ["TKT-20250115-0001", "TKT-20250115-0002"]


def test_a_record_too_large_for_a_message_is_dead_lettered_through_s3(
    lambda_context: FakeLambdaContext,
) -> None:
    # GIVEN a batch: a ticket whose record is 1 MiB (a pasted log, within a three-byte character of it) and
    # whose start keeps failing, between two good tickets
    large = largest_ticket("語", record_description("語"), ticket_id(number=2))
    data = producer.encode(large)
    assert (
        limits.KINESIS_RECORD_MAX_BYTES - 3
        < len(data) + len(large.ticket_id)
        <= limits.KINESIS_RECORD_MAX_BYTES
    )
    sfn = FakeSfn({large.ticket_id: _error("ThrottlingException")})
    bucket = FakeBucket()
    intake = Intake(sfn, STATE_MACHINE_ARN, FakeStore(), descriptions=FakeDescriptions())  # type: ignore[arg-type]
    entry, sqs = _wire(intake, bucket=bucket)
    event = kinesis_event(_ticket("TKT-20250115-0001"), data, _ticket("TKT-20250115-0003"))

    # WHEN the function handles it
    response = entry(event, lambda_context)

    # THEN nothing fails: the record is kept whole in S3 under dead-letters/, and its letter, well within a
    # message, names the object and the ticket instead of carrying the record
    assert response == {"batchItemFailures": []}
    [(key, kept)] = bucket.objects.items()
    assert kept == data
    assert key == dead_letters.record_key(DeadLetter.of("", _sequence_numbers(event)[1], b"", ""), data)
    [body] = [request["MessageBody"] for request in sqs.sent]
    assert len(body.encode("utf-8")) <= limits.SQS_MESSAGE_MAX_BYTES
    [letter] = letters(sqs)
    assert (letter.data, letter.data_key, letter.ticket_id()) == ("", key, large.ticket_id)
    assert letter.reason == "ThrottlingException from StartExecution"


def test_the_batch_fails_when_a_large_letters_record_cannot_be_kept(
    lambda_context: FakeLambdaContext,
) -> None:
    # GIVEN a batch: a good ticket and a 1 MiB record whose start keeps failing, and S3 refusing to keep it
    large = largest_ticket("a", record_description("a"), ticket_id())
    sfn = FakeSfn({large.ticket_id: _error("ThrottlingException")})
    intake = Intake(sfn, STATE_MACHINE_ARN, FakeStore(), descriptions=FakeDescriptions())  # type: ignore[arg-type]
    entry, sqs = _wire(intake, bucket=FakeBucket(put_error=_error("SlowDown", "PutObject")))
    event = kinesis_event(_ticket("TKT-20250115-0001"), producer.encode(large))

    # WHEN / THEN the batch is delivered again (nothing lost), and no letter names a record that is not kept
    with pytest.raises(trigger.BatchRetriedError, match="refused the letters of 1 record"):
        entry(event, lambda_context)
    assert sqs.sent == []


def test_the_batch_fails_when_a_record_finds_no_execution_slot_in_time(
    lambda_context: FakeLambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN room for two executions, one held by a ticket that never finishes, and no time to wait
    monkeypatch.setattr(trigger, "ADMISSION_WAIT_SECONDS", 0)
    admission = Admission(2, lambda _: set(), poll_seconds=0.0)
    admission.admit("TKT-20250115-0009", deadline=float("inf"))
    sfn = FakeSfn()
    entry, sqs = _wire(
        Intake(sfn, STATE_MACHINE_ARN, FakeStore(), descriptions=FakeDescriptions(), admission=admission)  # type: ignore[arg-type]
    )
    event = kinesis_event(_ticket("TKT-20250115-0001"), _ticket("TKT-20250115-0002"))

    # WHEN / THEN the invocation fails as a whole (MiniStack's mapping would skip a reported failure), so
    # the waiting record comes again; one started, nothing was dead-lettered
    with pytest.raises(trigger.BatchRetriedError, match=r"1 record\(s\) found no execution slot"):
        entry(event, lambda_context)
    assert len(sfn.names) == 1
    assert sqs.sent == []


def test_records_that_are_not_json_are_rejected_without_a_write(
    stubbed: tuple[Stubber, Stubber, FakeSqs, Entry], lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a record of garbage (no ticket id to record it under; nothing is stubbed)
    sfn, dynamodb, sqs, entry = stubbed

    # WHEN the function handles it
    with sfn, dynamodb:
        response = entry(kinesis_event(b"\x00garbage"), lambda_context)

    # THEN it does not fail the batch, and nothing was called or dead-lettered
    assert response == {"batchItemFailures": []}
    assert sqs.sent == []


def test_a_batch_that_fails_entirely_raises(
    lambda_context: FakeLambdaContext,
) -> None:
    # GIVEN a one-record batch whose start is throttled and whose letter is refused
    sfn = FakeSfn({"TKT-20250115-0001": _error("ThrottlingException")})
    intake = Intake(sfn, STATE_MACHINE_ARN, FakeStore(), descriptions=FakeDescriptions())  # type: ignore[arg-type]
    entry, _ = _wire(intake, FakeSqs(error=_error("ServiceUnavailable", "SendMessage")))

    # WHEN / THEN the invocation fails as a whole (the mapping retries, bisecting on error)
    with pytest.raises(BatchProcessingError, match="refused the letters of 1 record"):
        entry(kinesis_event(_ticket("TKT-20250115-0001")), lambda_context)


def test_an_empty_event_is_an_empty_response(lambda_context: FakeLambdaContext) -> None:
    # GIVEN / WHEN an event without records
    entry, _ = _wire(Intake(FakeSfn(), STATE_MACHINE_ARN, FakeStore(), descriptions=FakeDescriptions()))  # type: ignore[arg-type]
    response = entry({"Records": []}, lambda_context)

    # THEN nothing to report
    assert response == {"batchItemFailures": []}


def test_a_ticket_past_a_limit_is_rejected_and_its_batch_mates_go_on(
    lambda_context: FakeLambdaContext,
) -> None:
    # GIVEN a batch: a ticket whose id is 65 characters (one past the model's 64) between two good ones
    long_id = ticket_id(65)
    sfn, store = FakeSfn(), FakeStore()
    entry, sqs = _wire(Intake(sfn, STATE_MACHINE_ARN, store, descriptions=FakeDescriptions()))  # type: ignore[arg-type]
    event = kinesis_event(_ticket("TKT-20250115-0001"), _ticket(long_id), _ticket("TKT-20250115-0003"))

    # WHEN the function handles it
    response = entry(event, lambda_context)

    # THEN at once: the long one is recorded REJECTED, the others start; nothing fails, nothing is parked
    assert response == {"batchItemFailures": []}
    assert store.rejected == [long_id]
    assert sorted(sfn.names) == ["TKT-20250115-0001", "TKT-20250115-0003"]
    assert letters(sqs) == []


def test_a_retried_batch_is_powertools_batch_error_and_quotes_no_record_error(
    lambda_context: FakeLambdaContext,
) -> None:
    # GIVEN a throttled record whose letter the queue refuses, the error's message echoing a request value
    sfn = FakeSfn({"TKT-20250115-0002": _error("ThrottlingException")})
    refused = ClientError({"Error": {"Code": "KmsThrottled", "Message": "Maria Garcia"}}, "SendMessage")
    intake = Intake(sfn, STATE_MACHINE_ARN, FakeStore(), descriptions=FakeDescriptions())  # type: ignore[arg-type]
    entry, _ = _wire(intake, FakeSqs(error=refused))
    event = kinesis_event(_ticket("TKT-20250115-0002"))

    # WHEN the batch fails
    with pytest.raises(BatchProcessingError) as failed:
        entry(event, lambda_context)

    # THEN it is Powertools' own error for a failed batch (one family for whoever catches it), with the
    # record's exception kept, and a message that counts the failures without quoting them
    assert isinstance(failed.value, trigger.BatchRetriedError)
    assert [error for _, error, _ in failed.value.child_exceptions] == [refused]
    assert "Maria Garcia" not in str(failed.value)


def test_the_batch_line_counts_outcomes_and_no_failures_that_cannot_be_there(
    lambda_context: FakeLambdaContext, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a batch of one good record
    entry, _ = _wire(Intake(FakeSfn(), STATE_MACHINE_ARN, FakeStore(), descriptions=FakeDescriptions()))  # type: ignore[arg-type]

    # WHEN it is handled
    response = entry(kinesis_event(_ticket("TKT-20250115-0001")), lambda_context)

    # THEN the response reports no failures (any failure fails the batch before it), and the batch's log
    # line counts what happened without a `failed` count that could only be 0
    assert response == {"batchItemFailures": []}
    [line] = [vars(record) for record in caplog.records if record.getMessage() == "batch done"]
    assert (line["records"], line["started"]) == (1, 1)
    assert "failed" not in line
