"""TriggerSFN end to end on a Kinesis event: started, already started and rejected records succeed; a
throttled start is reported alone in batchItemFailures."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from tests.event_files import KINESIS_BATCH, TICKET_SUBMITTED, kinesis_event, load_event
from tests.unit.lambda_loader import FakeLambdaContext, load_handler
from ticketflow.ingest import Intake
from ticketflow.ticket_store import DynamoTicketStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_stepfunctions import SFNClient

pytestmark = pytest.mark.unit

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


def _sequence_numbers(event: dict[str, Any]) -> list[str]:
    return [record["kinesis"]["sequenceNumber"] for record in event["Records"]]


def _started(name: str) -> dict[str, Any]:
    return {"executionArn": f"{STATE_MACHINE_ARN}:{name}", "startDate": "2025-01-15T09:30:01Z"}


def _start(name: str) -> dict[str, Any]:
    return {"stateMachineArn": STATE_MACHINE_ARN, "name": name, "input": ANY}


def _rejection(ticket_id: str) -> dict[str, Any]:
    return {
        "TableName": TABLE,
        "Item": {
            "ticket_id": {"S": ticket_id},
            "status": {"S": "REJECTED"},
            "status_reason": ANY,
            "rejected_at": ANY,
        },
        "ConditionExpression": "attribute_not_exists(ticket_id)",
    }


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


class RecordingStore:
    def __init__(self) -> None:
        self.rejected: list[str] = []

    def record_rejection(self, ticket_id: str, reason: str) -> None:
        assert reason.startswith("invalid ticket: ")
        self.rejected.append(ticket_id)


@pytest.fixture
def stubbed(
    monkeypatch: pytest.MonkeyPatch, sfn_client: SFNClient, dynamodb_client: DynamoDBClient
) -> tuple[Stubber, Stubber]:
    """The function's Intake on real boto3 clients with stubbers (one call per client per batch: records run
    concurrently, so the order of two calls on one client is not fixed)."""
    intake = Intake(sfn_client, STATE_MACHINE_ARN, DynamoTicketStore(dynamodb_client, TABLE))
    monkeypatch.setattr(trigger, "_intake", lambda: intake)
    return Stubber(sfn_client), Stubber(dynamodb_client)


def test_the_canonical_batch_starts_one_execution_per_ticket(
    monkeypatch: pytest.MonkeyPatch, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN the canonical two-record batch and a Step Functions fake that keeps the names it was given
    sfn = FakeSfn()
    intake = Intake(sfn, STATE_MACHINE_ARN, RecordingStore())  # type: ignore[arg-type]
    monkeypatch.setattr(trigger, "_intake", lambda: intake)

    # WHEN the function handles it
    response = trigger.lambda_handler(load_event(KINESIS_BATCH), lambda_context)

    # THEN one execution per ticket, each named after its ticket, and no failures
    assert sorted(sfn.names) == ["TKT-20250115-0042", "TKT-20250115-0043"]
    assert response == {"batchItemFailures": []}


def test_a_valid_record_starts_and_an_invalid_one_is_rejected(
    stubbed: tuple[Stubber, Stubber], lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a valid ticket and one that fails validation
    sfn, dynamodb = stubbed
    event = kinesis_event(_ticket("TKT-20250115-0001"), _invalid("TKT-20250115-0002"))
    sfn.add_response("start_execution", _started("TKT-20250115-0001"), _start("TKT-20250115-0001"))
    dynamodb.add_response("put_item", {}, _rejection("TKT-20250115-0002"))

    # WHEN the function handles the batch
    with sfn, dynamodb:
        response = trigger.lambda_handler(event, lambda_context)

        # THEN the first started, the second is REJECTED in the table, and the batch did not fail
        sfn.assert_no_pending_responses()
        dynamodb.assert_no_pending_responses()
    assert response == {"batchItemFailures": []}


def test_a_duplicate_counts_as_success(
    stubbed: tuple[Stubber, Stubber], lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a re-delivered ticket whose execution already exists
    sfn, _ = stubbed
    sfn.add_client_error("start_execution", "ExecutionAlreadyExists", "Execution Already Exists", 400)

    # WHEN the function handles it
    with sfn:
        response = trigger.lambda_handler(kinesis_event(_ticket("TKT-20250115-0001")), lambda_context)

        sfn.assert_no_pending_responses()

    # THEN it is not reported as failed
    assert response == {"batchItemFailures": []}


def test_a_throttled_start_is_the_only_failure_reported(
    stubbed: tuple[Stubber, Stubber], lambda_context: FakeLambdaContext
) -> None:
    # GIVEN Step Functions throttling the first record, the second record being invalid
    sfn, dynamodb = stubbed
    event = kinesis_event(_ticket("TKT-20250115-0001"), _invalid("TKT-20250115-0002"))
    sfn.add_client_error("start_execution", "ThrottlingException", "Rate exceeded", 400)
    dynamodb.add_response("put_item", {}, _rejection("TKT-20250115-0002"))

    # WHEN the function handles the batch
    with sfn, dynamodb:
        response = trigger.lambda_handler(event, lambda_context)

        # THEN only the throttled record is reported, so the event source mapping retries it alone
        dynamodb.assert_no_pending_responses()
    assert response == {"batchItemFailures": [{"itemIdentifier": _sequence_numbers(event)[0]}]}


def test_every_outcome_in_one_batch(
    monkeypatch: pytest.MonkeyPatch, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN four records: new, duplicate, invalid, throttled; a Step Functions fake that answers by name
    def error(code: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": code}}, "StartExecution")

    sfn = FakeSfn(
        {
            "TKT-20250115-0002": error("ExecutionAlreadyExists"),
            "TKT-20250115-0004": error("ThrottlingException"),
        }
    )
    store = RecordingStore()
    intake = Intake(sfn, STATE_MACHINE_ARN, store)  # type: ignore[arg-type]
    monkeypatch.setattr(trigger, "_intake", lambda: intake)
    event = kinesis_event(
        _ticket("TKT-20250115-0001"),
        _ticket("TKT-20250115-0002"),
        _invalid("TKT-20250115-0003"),
        _ticket("TKT-20250115-0004"),
    )

    # WHEN the function handles the batch
    response = trigger.lambda_handler(event, lambda_context)

    # THEN the throttled record alone is reported; the invalid one was recorded as rejected
    assert response == {"batchItemFailures": [{"itemIdentifier": _sequence_numbers(event)[3]}]}
    assert store.rejected == ["TKT-20250115-0003"]
    assert sorted(sfn.names) == ["TKT-20250115-0001", "TKT-20250115-0002", "TKT-20250115-0004"]


def test_records_that_are_not_json_are_rejected_without_a_write(
    stubbed: tuple[Stubber, Stubber], lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a record of garbage (no ticket id to record it under; nothing is stubbed)
    sfn, dynamodb = stubbed

    # WHEN the function handles it
    with sfn, dynamodb:
        response = trigger.lambda_handler(kinesis_event(b"\x00garbage"), lambda_context)

    # THEN it does not fail the batch, and nothing was called
    assert response == {"batchItemFailures": []}


def test_a_batch_that_fails_entirely_raises(
    stubbed: tuple[Stubber, Stubber], lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a one-record batch whose start is throttled
    sfn, _ = stubbed
    sfn.add_client_error("start_execution", "ThrottlingException", "Rate exceeded", 400)

    # WHEN / THEN the invocation fails as a whole (the mapping retries, bisecting on error)
    with sfn, pytest.raises(BatchProcessingError, match="All records failed"):
        trigger.lambda_handler(kinesis_event(_ticket("TKT-20250115-0001")), lambda_context)


def test_an_empty_event_is_an_empty_response(lambda_context: FakeLambdaContext) -> None:
    # GIVEN / WHEN an event without records
    response = trigger.lambda_handler({"Records": []}, lambda_context)

    # THEN nothing to report
    assert response == {"batchItemFailures": []}
