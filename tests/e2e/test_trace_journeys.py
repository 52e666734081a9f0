"""End to end: `ticketflow submit` and `ticketflow trace` on a HIGH ticket, a ticket that fails under
injected faults and one that is rejected; each trace holds every expected step, in order, and the
durations add up (each state inside the execution, each invocation inside its state)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from tests.conftest import LocalStack
from tests.e2e.conftest import DeployedStack
from tests.e2e.helpers import fresh_ticket_id
from tests.event_files import load_event
from ticketflow_dev.cli.app import app
from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.faults import fake_bedrock_admin as faults
from ticketflow_dev.journey import Journey, Span, trace_ticket
from ticketflow_dev.tickets import producer

DEADLINE = 120.0
# MiniStack stamps a REPORT line when it collects the output, so an invocation's start (REPORT time less its
# duration) can differ by a few milliseconds from the state's own clock.
SLACK = timedelta(milliseconds=25)


def steps(journey: Journey) -> list[tuple[str, str]]:
    return [(span.service, span.name) for span in journey.spans]


def in_order(expected: list[tuple[str, str]], journey: Journey) -> bool:
    """`expected` appear in the journey in this order (other spans may lie between them)."""
    remaining = iter(steps(journey))
    return all(step in remaining for step in expected)


def one(journey: Journey, service: str, name: str) -> Span:
    [found] = [s for s in journey.spans if (s.service, s.name) == (service, name)]
    return found


def within(inner: Span, outer: Span, slack: timedelta = timedelta(0)) -> bool:
    assert outer.ended is not None, outer
    return outer.started - slack <= inner.started and (inner.ended or inner.started) <= outer.ended + slack


def assert_durations_add_up(journey: Journey) -> None:
    execution = one(journey, "stepfunctions", "execution")
    states = [s for s in journey.spans if s.service == "stepfunctions" and s.name != "execution"]
    outside = [s.name for s in states if not within(s, execution)]
    assert not outside, f"states outside the execution: {outside}"
    for span in journey.spans:
        assert span.seconds is None or span.seconds >= 0, span
    # A function that raised logged no line naming the ticket, so only the states that succeeded have theirs.
    for state in states:
        if (function := state.detail.get("function")) and state.outcome == "ok":
            calls = [s for s in journey.spans if s.service.startswith("lambda:") and s.name == "invocation"]
            assert any(within(call, state, SLACK) for call in calls), (state.name, function, calls)


def traced(
    stack: DeployedStack, local_stack: LocalStack, ticket_id: str, expected: list[tuple[str, str]]
) -> Journey:
    """The trace once every expected step shows (function output reaches the log groups just after); its
    order is for the test to check."""
    return wait_until(
        lambda: trace_ticket(stack.clients, stack.outputs, local_stack.settings, ticket_id),
        until=lambda journey: set(expected) <= set(steps(journey)),
        timeout=30,
        interval=1.0,
        description=f"the trace of {ticket_id} to show {expected}",
    )


# The trigger's invocation is checked apart: MiniStack's REPORT duration can reach back before the put
# (the invocation's start is derived from it), so only its end and the RECEIVED write inside it are in order.
HIGH_STEPS = [
    ("kinesis", "PutRecord"), ("dynamodb", "RECEIVED write"),
    ("stepfunctions", "execution"), ("stepfunctions", "MarkProcessing"), ("stepfunctions", "DetectSentiment"),
    ("lambda:detect_sentiment", "invocation"), ("logs", "sentiment detected"),
    ("stepfunctions", "GenerateResponse"), ("logs", "ticket triaged"), ("stepfunctions", "ArchiveTicket"),
    ("logs", "ticket archived"), ("stepfunctions", "NotifyTeam"),
    ("stepfunctions", "MarkResponded"), ("dynamodb", "RESPONDED write"),
]  # fmt: skip


def test_a_submitted_high_ticket_is_traced_from_the_put_to_the_warehouse(
    deployed_stack: DeployedStack, local_stack: LocalStack, tmp_path: Path
) -> None:
    # GIVEN an urgent ticket of one's own, in a file
    ticket_id = fresh_ticket_id()
    path = tmp_path / "mine.json"
    path.write_text(
        json.dumps(load_event("ticket_submitted.json") | {"ticketId": ticket_id}), encoding="utf-8"
    )
    runner = CliRunner()

    # WHEN it is submitted and followed with the CLI, traced, loaded by the ETL and traced again (with a PNG)
    submitted = runner.invoke(app, ["submit", str(path), "--wait", "--json", "--timeout", str(DEADLINE)])
    assert submitted.exit_code == 0, submitted.output
    [result] = json.loads(submitted.stdout[submitted.stdout.index("[") :])
    journey = traced(deployed_stack, local_stack, ticket_id, HIGH_STEPS)
    etl = runner.invoke(app, ["etl", "--processes", "0"])
    assert etl.exit_code == 0, etl.output
    picture = tmp_path / "trace.png"
    cli_trace = runner.invoke(app, ["trace", ticket_id, "--json", "--png", str(picture)])

    # THEN submit reported it RESPONDED and HIGH with its scores, reply and latency
    assert (result["status"], result["priority"]) == ("RESPONDED", "HIGH"), result
    assert set(result["scores"]) == {"positive", "negative", "neutral", "mixed"}
    assert ticket_id in result["reply"]
    assert 0 < result["latency_s"] < DEADLINE
    # AND the trace holds every step in order, the record's sequence number, the archive object and the
    # notification's message id, and its durations add up
    assert in_order(HIGH_STEPS, journey), steps(journey)
    assert_durations_add_up(journey)
    put = one(journey, "kinesis", "PutRecord")
    assert put.detail["sequence_number"] == one(journey, "logs", "ticket accepted").detail["sequence_number"]
    assert within(one(journey, "dynamodb", "RECEIVED write"), one(journey, "trigger", "invocation"), SLACK)
    assert one(journey, "trigger", "invocation").ended >= put.started  # type: ignore[operator]
    archive = one(journey, "s3", "archive object")
    assert archive.detail["key"].endswith(f"/{ticket_id}.json")
    assert archive.detail["etag"]
    assert archive.detail["bytes"] > 0
    notification = one(journey, "sns", "notification")
    assert notification.detail["message_id"]
    assert within(notification, one(journey, "stepfunctions", "NotifyTeam"))
    assert one(journey, "stepfunctions", "execution").outcome == "ok"
    # AND after the ETL the CLI's trace (JSON, and a picture) ends with the warehouse row, nothing missing
    assert cli_trace.exit_code == 0, cli_trace.output
    data: dict[str, Any] = json.loads(cli_trace.stdout[: cli_trace.stdout.rindex("}") + 1])
    assert data["spans"][-1]["service"] == "warehouse"
    assert data["spans"][-1]["detail"]["s3_etag"] == archive.detail["etag"]
    assert data["gaps"] == []
    assert picture.stat().st_size > 10_000


def test_a_ticket_failing_under_injected_faults_is_traced_to_the_step_that_failed_and_why(
    deployed_stack: DeployedStack, local_stack: LocalStack, fake_bedrock: str
) -> None:
    # GIVEN Bedrock failing every Converse call with a throttle
    faults.put_faults(
        fake_bedrock,
        {
            "seed": 1,
            "operations": {"converse": faults.operation_rule(error_rate=1.0, errors=["ThrottlingException"])},
        },
    )
    ticket = load_event("ticket_submitted.json") | {"ticketId": fresh_ticket_id()}
    ticket_id = ticket["ticketId"]

    # WHEN the ticket is put on the stream, has FAILED, and is traced
    producer.put_raw(deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name,
                     [(json.dumps(ticket).encode(), ticket_id)])  # fmt: skip
    state = deployed_stack.tracker().wait_for([ticket_id], timeout=DEADLINE)[ticket_id]
    expected = [
        ("kinesis", "PutRecord"), ("stepfunctions", "execution"),
        ("stepfunctions", "DetectSentiment"), ("stepfunctions", "GenerateResponse"),
        ("stepfunctions", "RecordFailure"), ("dynamodb", "FAILED write"), ("stepfunctions", "TicketFailed"),
    ]  # fmt: skip
    journey = traced(deployed_stack, local_stack, ticket_id, expected)

    # THEN the trace shows where (GenerateResponse, an error) and why (the throttle), the FAILED write with
    # the item's reason, no archive object or notification, and its durations add up
    assert state.status == "FAILED"
    assert (journey.status, journey.reason) == ("FAILED", state.reason)
    failed = one(journey, "stepfunctions", "GenerateResponse")
    assert failed.outcome == "error"
    assert "ThrottlingException" in failed.detail["cause"]
    assert one(journey, "stepfunctions", "execution").outcome == "error"
    assert one(journey, "dynamodb", "FAILED write").detail["reason"] == state.reason
    assert {"s3", "sns", "warehouse"}.isdisjoint(s.service for s in journey.spans)
    assert_durations_add_up(journey)
    assert journey.gaps == []


def test_a_rejected_ticket_is_traced_to_the_trigger_and_its_reason(
    deployed_stack: DeployedStack, local_stack: LocalStack
) -> None:
    # GIVEN a ticket with an empty description (it passes the stream's filter, the trigger refuses it)
    ticket = load_event("ticket_submitted.json") | {"ticketId": fresh_ticket_id()}
    ticket["data"] = ticket["data"] | {"description": ""}
    ticket_id = ticket["ticketId"]

    # WHEN it is put on the stream, REJECTED, and traced
    producer.put_raw(deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name,
                     [(json.dumps(ticket).encode(), ticket_id)])  # fmt: skip
    deployed_stack.tracker().wait_for([ticket_id], timeout=DEADLINE)
    expected = [("kinesis", "PutRecord"), ("dynamodb", "REJECTED write"), ("logs", "ticket rejected")]
    journey = traced(deployed_stack, local_stack, ticket_id, expected)

    # THEN it went from the put to the trigger, whose rejection names the field; no execution ran, and
    # nothing is reported missing for it
    assert [step for step in steps(journey) if step != ("trigger", "invocation")] == expected
    assert one(journey, "trigger", "invocation").ended >= one(journey, "kinesis", "PutRecord").started  # type: ignore[operator]
    assert journey.status == "REJECTED"
    assert "data.description" in (journey.reason or "")
    assert one(journey, "logs", "ticket rejected").detail["reason"] == journey.reason
    assert within(one(journey, "dynamodb", "REJECTED write"), one(journey, "trigger", "invocation"), SLACK)
    assert journey.gaps == []
