"""The trigger under AWS's Kinesis mapping, configured as the aws template configures it. Locally its records
reach it through MiniStack's mapping, which retries a failed batch for ever and skips a response's reported
failures: the trigger fails a batch whole rather than report a record (handler.py), and these tests hold it
to what AWS's mapping then does (bisects, retries five times, discards to the dead-letter queue)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk.assertions import Template
from botocore.exceptions import ClientError

from tests.event_files import TICKET_SUBMITTED, kinesis_event, load_event
from tests.unit.aws_kinesis_mapping import AwsKinesisMapping
from tests.unit.fakes import QUEUE_URL, FakeBucket, FakeDescriptions, FakeSqs
from tests.unit.lambda_loader import FakeLambdaContext, load_handler
from ticketflow.dead_letters import DeadLetterQueue, S3Records
from ticketflow.entry_point import EntryPoint
from ticketflow.ingest import Intake
from ticketflow.model import TicketSubmitted
from ticketflow.ticket_store import Arrival

trigger = load_handler("trigger_sfn")
STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:TicketFlow"
TICKETS = [f"TKT-20250115-{n:04d}" for n in range(1, 5)]
FLAKY = TICKETS[2]


def _error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


class AwsStepFunctions:
    """StartExecution as AWS answers it: a name already running with the same input is the same execution
    (200, no second one; MiniStack answers ExecutionAlreadyExists), any other reuse ExecutionAlreadyExists.
    The first `throttled` starts of a name are throttled (the client's retries spent)."""

    def __init__(self, throttled: Mapping[str, float]) -> None:
        self.executions: dict[str, str] = {}  # name → input
        self._throttled = dict(throttled)

    def start_execution(self, *, stateMachineArn: str, name: str, input: str) -> dict[str, Any]:  # noqa: N803
        if self._throttled.get(name, 0) > 0:
            self._throttled[name] -= 1
            raise _error("ThrottlingException", "StartExecution")
        if self.executions.setdefault(name, input) != input:
            raise _error("ExecutionAlreadyExists", "StartExecution")
        return {"executionArn": f"{stateMachineArn}:{name}", "startDate": "2025-01-15T09:30:01Z"}


class RememberingStore:
    """The table's arrivals: a ticket is new the first time, the same ticket after."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def record_received(self, ticket: TicketSubmitted) -> Arrival:
        arrival = Arrival.SAME_TICKET if ticket.ticket_id in self.seen else Arrival.NEW
        self.seen.add(ticket.ticket_id)
        return arrival

    def record_all_received(self, tickets: list[TicketSubmitted]) -> list[bool]:
        new = not any(ticket.ticket_id in self.seen for ticket in tickets)
        if new:
            self.seen |= {ticket.ticket_id for ticket in tickets}
        return [new] * len(tickets)


class RefusingQueue(FakeSqs):
    """A dead-letter queue that refuses the first `refusals` letters (all of them: infinity)."""

    def __init__(self, refusals: float) -> None:
        super().__init__()
        self._refusals = refusals

    def send_message(self, **request: Any) -> dict[str, Any]:
        if self._refusals > 0:
            self._refusals -= 1
            raise _error("KmsThrottled", "SendMessage")
        return super().send_message(**request)


@pytest.fixture(scope="module")
def aws_mapping(profile_templates: Mapping[str, Template]) -> Mapping[str, Any]:
    (mapping,) = profile_templates["aws"].find_resources("AWS::Lambda::EventSourceMapping").values()
    properties: Mapping[str, Any] = mapping["Properties"]
    return properties


def _records() -> list[dict[str, Any]]:
    payloads = [
        json.dumps(load_event(TICKET_SUBMITTED) | {"ticketId": ticket}).encode() for ticket in TICKETS
    ]
    records: list[dict[str, Any]] = kinesis_event(*payloads)["Records"]
    return records


def _deliver(properties: Mapping[str, Any], sfn: AwsStepFunctions, queue: FakeSqs) -> AwsKinesisMapping:
    """The shard's records through the trigger's handler, delivered as AWS's mapping delivers them."""
    mapping = AwsKinesisMapping.configured(properties)
    bucket = FakeBucket()
    intake = Intake(sfn, STATE_MACHINE_ARN, RememberingStore(), descriptions=FakeDescriptions())  # type: ignore[arg-type]
    entry = EntryPoint(
        trigger.handle,
        lambda: trigger.Trigger(intake, DeadLetterQueue(queue, QUEUE_URL, S3Records(bucket, bucket.name))),  # type: ignore[arg-type]
        trigger.logger,
    )
    mapping.deliver(_records(), lambda event: entry(event, FakeLambdaContext()))
    return mapping


def test_a_record_left_unfinished_once_is_delivered_again_and_every_ticket_starts_once(
    aws_mapping: Mapping[str, Any],
) -> None:
    # GIVEN a batch in which one ticket's start is throttled once and the dead-letter queue refuses its
    # letter once (the trigger then fails the whole batch)
    sfn = AwsStepFunctions({FLAKY: 1})
    queue = RefusingQueue(refusals=1)

    # WHEN AWS's mapping delivers the shard
    mapping = _deliver(aws_mapping, sfn, queue)

    # THEN it was delivered again (bisected), every ticket has one execution, nothing was dead-lettered or
    # discarded, and no response reported a record failed (MiniStack's mapping would have skipped it)
    assert mapping.invocations > 1
    assert sorted(sfn.executions) == TICKETS
    assert (queue.sent, mapping.discarded) == ([], [])
    assert all(response == {"batchItemFailures": []} for response in mapping.responses)


def test_a_record_that_never_finishes_is_isolated_and_discarded_naming_its_sequence_number(
    aws_mapping: Mapping[str, Any],
) -> None:
    # GIVEN a ticket whose start always fails and whose letter the queue always refuses
    sfn = AwsStepFunctions({FLAKY: float("inf")})
    queue = RefusingQueue(refusals=float("inf"))

    # WHEN AWS's mapping delivers the shard
    mapping = _deliver(aws_mapping, sfn, queue)

    # THEN its batch-mates each started once; it alone went to the on-failure destination (the dead-letter
    # queue, where `ticketflow dlq` lists such a record as the mapping's own), after five retries
    assert sorted(sfn.executions) == sorted(set(TICKETS) - {FLAKY})
    flaky_sequence = _records()[TICKETS.index(FLAKY)]["kinesis"]["sequenceNumber"]
    assert [record["KinesisBatchInfo"] for record in mapping.discarded] == [
        {
            "shardId": "shardId-000000000000",
            "startSequenceNumber": flaky_sequence,
            "endSequenceNumber": flaky_sequence,
            "batchSize": 1,
        }
    ]
    assert aws_mapping["MaximumRetryAttempts"] == 5
