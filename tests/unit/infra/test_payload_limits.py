"""The largest ticket the model allows, walked through the state machine: every state's input and output,
every task's result and every request the emulator makes for us (the integrations, which no local check can
intercept in flight) is within AWS's limit; so are the trigger's writes and the AI calls.

Each text field is filled to its limit with one character at a time from FILLERS (the costliest for each
count that survives intake, which removes control characters: a CJK character is 3 bytes of UTF-8 and 6
escaped, an emoji 4 and 12, a quote 2 as JSON), with
the description the longest that travels inline, or a whole Kinesis record's worth (carried in S3).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk.assertions import Template
from pydantic import ValidationError

from tests.largest_tickets import inline_description, largest_ticket, record_description
from tests.unit import aws_sizes
from tests.unit.asl_run import Step, apply_update, walk
from tests.unit.fakes import FakeDescriptions
from tests.unit.lambda_loader import load_handler
from ticketflow import carriage, limits
from ticketflow.enrichment import BedrockTriage, ComprehendSentiment
from ticketflow.model import ProcessedTicket, TicketSubmitted
from ticketflow.prompts import TRIAGE_TOOL_NAME
from ticketflow.ticket_store import DynamoTicketStore
from ticketflow_dev.tickets import producer
from ticketflow_infra.paths import STATE_MACHINE_FILE

FILLERS = {"emoji": "\U0001f600", "cjk": "語", "quote": '"'}
DESCRIPTIONS = {"inline": inline_description, "record": record_description}
_SUBSTITUTION = re.compile(r"\$\{\w+\}")
# Every substitution (a name or an ARN) as long as the longest of them may be (a table name, 255 bytes).
SUBSTITUTED = "s" * 256
CONTEXT_TIME = "2025-01-15T09:30:02.345Z"
# Step Functions' lambda:invoke result around the function's payload (headers and ids, rounded up).
LAMBDA_METADATA = {
    "ExecutedVersion": "$LATEST",
    "SdkHttpMetadata": {"AllHttpHeaders": {"x": ["y" * 1024]}, "HttpStatusCode": 200},
    "SdkResponseMetadata": {"RequestId": "r" * 36},
    "StatusCode": 200,
}
LAMBDA_TASKS = ("DetectSentiment", "GenerateResponse", "ArchiveTicket")
DYNAMODB_TASKS = ("MarkProcessing", "MarkResponded", "RecordFailure")
# The longest floats JSON writes (17 significant digits and an exponent).
LONG_SCORES = {
    "Positive": 1.2345678901234567e-05,
    "Negative": 0.12345678901234568,
    "Neutral": 0.1,
    "Mixed": 0.1,
}


def definition() -> dict[str, Any]:
    text = _SUBSTITUTION.sub(SUBSTITUTED, STATE_MACHINE_FILE.read_text(encoding="utf-8"))
    machine: dict[str, Any] = json.loads(text)
    return machine


def context(ticket_id: str) -> dict[str, str]:
    # A state machine's name is at most 80 characters, and so is the execution's.
    execution = f"arn:aws:states:ap-southeast-2:123456789012:execution:{'M' * 80}:{ticket_id}"
    return {
        "$$.State.EnteredTime": CONTEXT_TIME,
        "$$.Execution.Id": execution,
        "$$.Execution.Name": ticket_id,
    }


class FakeComprehend:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def detect_sentiment(self, **request: Any) -> dict[str, Any]:
        self.texts.append(request["Text"])
        return {"Sentiment": "POSITIVE", "SentimentScore": LONG_SCORES}


class FakeBedrock:
    """Answers every Converse with the largest triage the model allows (its reply quoting the ticket id)."""

    def __init__(self, filler: str) -> None:
        self.filler = filler
        self.requests: list[dict[str, Any]] = []

    def converse(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        ticket_id = request["messages"][0]["content"][0]["text"].splitlines()[0].removeprefix("Ticket ID: ")
        answer = {
            "customer_response": ticket_id + self.filler * (limits.REPLY_MAX_CHARS - len(ticket_id)),
            "priority": "CRITICAL",
            "priority_reasoning": "A" + self.filler * (limits.REASONING_MAX_CHARS - 1),
        }
        block = {"toolUse": {"toolUseId": "t-1", "name": TRIAGE_TOOL_NAME, "input": answer}}
        return {"output": {"message": {"role": "assistant", "content": [block]}}, "stopReason": "tool_use"}


class RecordingArchive:
    def __init__(self) -> None:
        self.written: list[ProcessedTicket] = []

    def write(self, ticket: ProcessedTicket) -> str:
        self.written.append(ticket)
        return ticket.archive_key()


class RecordingDynamo:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def put_item(self, **request: Any) -> dict[str, Any]:
        self.requests.append(("PutItem", request))
        return {}

    def transact_write_items(self, **request: Any) -> dict[str, Any]:
        self.requests.append(("TransactWriteItems", request))
        return {}


@dataclass
class Run:
    """One largest ticket through the trigger and the state machine, with everything the fakes saw."""

    ticket: TicketSubmitted
    execution_input: str
    descriptions: FakeDescriptions
    steps: list[Step]
    comprehend: FakeComprehend
    bedrock: FakeBedrock
    archive: RecordingArchive

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.state == name)


def _lambda_results(filler: str, descriptions: FakeDescriptions) -> tuple[dict[str, Any], Any, Any, Any]:
    detect, generate, write = (
        load_handler(n) for n in ("detect_sentiment", "generate_response", "s3_writer")
    )
    comprehend, bedrock, archive = FakeComprehend(), FakeBedrock(filler), RecordingArchive()
    detector = ComprehendSentiment(comprehend)  # type: ignore[arg-type]
    triager = BedrockTriage(bedrock, "amazon.nova-pro-v1:0")  # type: ignore[arg-type]
    writer = write.Writer(archive, descriptions)

    def invoked(handle: Any, dependency: Any) -> Any:
        return lambda request: LAMBDA_METADATA | {"Payload": handle(request["Payload"], dependency)}

    results = {
        "DetectSentiment": invoked(detect.handle, detector),
        "GenerateResponse": invoked(generate.handle, triager),
        "ArchiveTicket": invoked(write.handle, writer),
    }
    return results, comprehend, bedrock, archive


def run(filler: str, description: str, fail_at: str | None = None) -> Run:
    ticket = largest_ticket(filler, description)
    descriptions = FakeDescriptions()
    execution_input = carriage.execution_input(ticket, descriptions)
    results, comprehend, bedrock, archive = _lambda_results(filler, descriptions)
    error = {"Error": "E" * limits.SFN_ERROR_MAX_CHARS, "Cause": filler * limits.SFN_CAUSE_MAX_CHARS}
    steps = walk(
        definition(),
        json.loads(execution_input),
        context(ticket.ticket_id),
        results,
        fail_at=fail_at,
        error=error,
    )
    return Run(ticket, execution_input, descriptions, steps, comprehend, bedrock, archive)


def cases() -> Iterator[Any]:
    for name, filler in FILLERS.items():
        for kind, description in DESCRIPTIONS.items():
            yield pytest.param(filler, description(filler), id=f"{name}-{kind}")


@pytest.mark.parametrize(("filler", "description"), list(cases()))
def test_every_state_and_task_result_of_the_largest_ticket_is_within_256_kib(
    filler: str, description: str
) -> None:
    # GIVEN the largest valid ticket for this filler, its execution started by the trigger
    # WHEN it goes through the state machine on the largest answers the model allows
    result = run(filler, description)

    # THEN it went the longest way (through the notification), and the execution's input, every state's input
    # and output and every task's result are within Step Functions' payload limit
    assert [s.state for s in result.steps] == [
        "MarkProcessing", "DetectSentiment", "GenerateResponse", "ArchiveTicket", "NeedsAttention",
        "NotifyTeam", "MarkResponded",
    ]  # fmt: skip
    assert aws_sizes.utf8(result.execution_input) <= limits.SFN_PAYLOAD_MAX_BYTES
    for step in result.steps:
        for what, value in (("input", step.input), ("output", step.output), ("result", step.result)):
            size = aws_sizes.json_utf8(value)
            assert size <= limits.SFN_PAYLOAD_MAX_BYTES, f"{step.state}'s {what}: {size:,} bytes"
    # and each function's request fits a synchronous invocation
    for name in LAMBDA_TASKS:
        assert (
            aws_sizes.json_utf8(result.step(name).request["Payload"]) <= limits.LAMBDA_SYNC_PAYLOAD_MAX_BYTES
        )


@pytest.mark.parametrize(("filler", "description"), list(cases()))
def test_a_long_description_is_carried_whole_to_the_archive(filler: str, description: str) -> None:
    # GIVEN / WHEN the largest ticket for this filler goes through
    result = run(filler, description)

    # THEN the archive record holds the whole description, under a key S3 takes; a description that
    # travels inline put nothing in S3, a longer one was put there once and only its opening travelled
    [archived] = result.archive.written
    assert archived.description == result.ticket.data.description
    assert aws_sizes.utf8(archived.archive_key()) <= limits.S3_KEY_MAX_BYTES
    travelled = json.loads(result.execution_input)["data"]
    if carriage.travels_inline(description):
        assert result.descriptions.objects == {}
        assert travelled["description"] == description
    else:
        [(key, text)] = result.descriptions.objects.items()
        assert text == description
        assert travelled[carriage.POINTER] == key
        assert aws_sizes.utf8(key) <= limits.S3_KEY_MAX_BYTES
        assert limits.json_size(travelled["description"]) <= limits.DESCRIPTION_INLINE_MAX_BYTES
        assert description.startswith(travelled["description"].split("\n[ticketflow:")[0])


@pytest.mark.parametrize(("filler", "description"), list(cases()))
def test_the_ticket_item_stays_within_400_kb_on_the_way_to_responded(filler: str, description: str) -> None:
    # GIVEN the largest ticket's RECEIVED item, as the trigger writes it
    result = run(filler, description)
    dynamo = RecordingDynamo()
    DynamoTicketStore(dynamo, SUBSTITUTED).record_received(result.ticket)  # type: ignore[arg-type]
    [(_, put)] = dynamo.requests

    # WHEN the state machine's updates are applied to it
    item = put["Item"]
    for name in ("MarkProcessing", "MarkResponded"):
        item = apply_update(item, result.step(name).request)

    # THEN the item (and every key) is within DynamoDB's limits
    assert aws_sizes.dynamodb_item(item) <= limits.DYNAMODB_ITEM_MAX_BYTES
    assert item["status"] == {"S": "RESPONDED"}
    assert aws_sizes.utf8(item["ticket_id"]["S"]) <= limits.DYNAMODB_PARTITION_KEY_MAX_BYTES


@pytest.mark.parametrize("filler", list(FILLERS.values()), ids=list(FILLERS))
@pytest.mark.parametrize("failing", ["MarkProcessing", *LAMBDA_TASKS, "NotifyTeam", "MarkResponded"])
def test_the_failure_path_carries_the_longest_error_within_the_limits(filler: str, failing: str) -> None:
    # GIVEN the largest ticket whose task fails with the longest error the execution history holds
    description = inline_description(filler)

    # WHEN the walk follows the catch into the failure path
    result = run(filler, description, fail_at=failing)

    # THEN the failure path's states carry the error alone, within the payload limit
    names = [s.state for s in result.steps]
    assert names[names.index(failing) + 1 :] == ["RecordFailure", "CountFailure", "TicketFailed"]
    for step in result.steps[names.index("RecordFailure") :]:
        assert set(step.input) == {"Error", "Cause"}, step.state
        assert aws_sizes.json_utf8(step.input) <= limits.SFN_PAYLOAD_MAX_BYTES
    # and the FAILED item keeps the reason (twice: on the item and in its history) within 400 KB
    dynamo = RecordingDynamo()
    DynamoTicketStore(dynamo, SUBSTITUTED).record_received(result.ticket)  # type: ignore[arg-type]
    item = dynamo.requests[0][1]["Item"]
    record = result.step("RecordFailure").request
    assert record["Key"] == {"ticket_id": {"S": result.ticket.ticket_id}}
    for step in (result.step("MarkProcessing"), result.step("RecordFailure")):
        item = apply_update(item, step.request)
    assert aws_sizes.dynamodb_item(item) <= limits.DYNAMODB_ITEM_MAX_BYTES
    # and the failure's count is one small PutMetricData
    count = result.step("CountFailure").request
    assert len(count["MetricData"]) <= 1_000
    assert aws_sizes.json_utf8(count) <= limits.CLOUDWATCH_PUT_METRIC_DATA_MAX_BYTES


@pytest.mark.parametrize(("filler", "description"), list(cases()))
def test_the_notification_is_a_publish_sns_takes(filler: str, description: str) -> None:
    # GIVEN / WHEN the largest ticket is notified
    request = run(filler, description).step("NotifyTeam").request

    # THEN its message and attributes fit SNS's limit, and its subject is under 100 characters, one line
    # without control characters
    assert aws_sizes.sns_publish(request) <= limits.SNS_MESSAGE_MAX_BYTES
    subject = request["Subject"]
    assert len(subject) <= limits.SNS_SUBJECT_MAX_CHARS
    assert not any(unicodedata.category(c).startswith("C") for c in subject), subject


@pytest.mark.parametrize(("filler", "description"), list(cases()))
def test_the_ai_calls_are_within_their_services_limits(filler: str, description: str) -> None:
    # GIVEN / WHEN the largest ticket is enriched
    result = run(filler, description)

    # THEN Comprehend was given at most its 5,000 bytes, and Bedrock a prompt that with the answer's tokens
    # fits the model's context (a token covers at least one byte of UTF-8) and a maxTokens within its limit
    [text] = result.comprehend.texts
    assert aws_sizes.utf8(text) <= limits.COMPREHEND_TEXT_MAX_BYTES
    [request] = result.bedrock.requests
    prompt = aws_sizes.json_utf8([request["system"], request["messages"], request["toolConfig"]])
    assert prompt + request["inferenceConfig"]["maxTokens"] <= limits.BEDROCK_CONTEXT_MAX_TOKENS
    assert request["inferenceConfig"]["maxTokens"] <= limits.BEDROCK_OUTPUT_MAX_TOKENS


@pytest.mark.parametrize("filler", list(FILLERS.values()), ids=list(FILLERS))
def test_the_triggers_writes_and_records_are_within_their_limits(filler: str) -> None:
    # GIVEN a batch of the largest tickets (a whole record's description each), as the mapping delivers them
    tickets = [largest_ticket(filler, record_description(filler))] * 100
    dynamo = RecordingDynamo()

    # WHEN the trigger records them RECEIVED together
    DynamoTicketStore(dynamo, SUBSTITUTED).record_all_received(tickets)  # type: ignore[arg-type]

    # THEN the transaction is within DynamoDB's count and size, each record within Kinesis', and the
    # execution name (the ticket id) within Step Functions'
    [(operation, request)] = dynamo.requests
    assert operation == "TransactWriteItems"
    items = [action["Put"]["Item"] for action in request["TransactItems"]]
    assert len(items) <= limits.DYNAMODB_TRANSACTION_MAX_ITEMS
    assert sum(aws_sizes.dynamodb_item(item) for item in items) <= limits.DYNAMODB_TRANSACTION_MAX_BYTES
    ticket = tickets[0]
    assert producer.record_problem(ticket) is None
    assert len(ticket.ticket_id) <= min(
        limits.KINESIS_PARTITION_KEY_MAX_CHARS, limits.SFN_EXECUTION_NAME_MAX_CHARS
    )


def test_a_ticket_id_is_an_execution_name_the_logging_state_machine_takes(
    profile_templates: Mapping[str, Template],
) -> None:
    # GIVEN the state machine, which logs to CloudWatch in every profile (so execution names may hold only
    # 0-9A-Za-z-_), and every digit or letter a ticket id's number could be made of (every script's digits)
    for template in profile_templates.values():
        [machine] = template.find_resources("AWS::StepFunctions::StateMachine").values()
        assert machine["Properties"]["LoggingConfiguration"]["Destinations"]
    candidates = [
        chr(c) for c in range(0x20, 0x3000) if unicodedata.category(chr(c)) in ("Nd", "No", "Lu", "Ll")
    ]

    # WHEN each is tried as the last character of a ticket id
    valid = []
    for candidate in candidates:
        try:
            valid.append(largest_ticket("a", "A", f"TKT-20250115-000{candidate}").ticket_id)
        except ValidationError:
            continue

    # THEN only the ids of ASCII digits validate, and each is a name Step Functions takes
    assert valid == [f"TKT-20250115-000{digit}" for digit in "0123456789"]
    assert all(re.fullmatch(r"[0-9A-Za-z_-]{1,80}", name) for name in valid)
