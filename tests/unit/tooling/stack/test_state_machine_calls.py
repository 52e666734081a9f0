"""The state machine's own service calls (run inside the emulator, where no client plugin sees them),
checked from the definition as AWS would receive them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.event_files import load_event
from ticketflow_dev.stack.state_machine_calls import integration_calls, refusals, tasks, with_result
from ticketflow_infra.paths import STATE_MACHINE_FILE

ACCOUNT = "000000000000"
SUBSTITUTIONS = {
    "TicketsTableName": "Ticketflow-StorageTickets158E91BB-69BBD81EE1572",
    "NotificationsTopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:Ticketflow-AlertingNotifications-1A2B3C",
    "MetricNamespace": "Ticketflow",
    "FailureMetricName": "TicketsFailed",
    **{
        name: f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:Ticketflow-{name}-0123456789AB"
        for name in ("DetectSentimentFunctionArn", "GenerateResponseFunctionArn", "S3WriterFunctionArn")
    },
}


def definition() -> dict[str, Any]:
    text = STATE_MACHINE_FILE.read_text(encoding="utf-8")
    for name, value in SUBSTITUTIONS.items():
        text = text.replace("${" + name + "}", value)
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def execution_state(ticket_id: str = "TKT-20250115-0042") -> tuple[dict[str, Any], dict[str, Any]]:
    """The canonical state after triage, and its context."""
    state = load_event("state_after_triage.json") | {"ticketId": ticket_id}
    context = {
        "State": {"EnteredTime": "2025-01-15T09:30:01.123Z"},
        "Execution": {
            "Id": f"arn:aws:states:us-east-1:{ACCOUNT}:execution:TicketFlow:{ticket_id}",
            "Name": ticket_id,  # executions are named after their ticket
        },
    }
    return state, context


def failure_state(flow: dict[str, Any], state: dict[str, Any]) -> Any:
    """What the failure path runs with: the state after GenerateResponse's catch-all placed the error."""
    (catch_all,) = [
        c for c in flow["States"]["GenerateResponse"]["Catch"] if c["ErrorEquals"] == ["States.ALL"]
    ]
    error = {"Error": "States.TaskFailed", "Cause": "the model answered twice without a triage"}
    return with_result(state, error, catch_all["ResultPath"])


def test_every_integration_of_the_definition_is_built_and_aws_would_take_each_for_the_canonical_ticket() -> (
    None
):
    # GIVEN the deployed definition, the canonical ticket's state, and the state its failure path runs with
    flow = definition()
    state, context = execution_state()

    # WHEN the state machine's own calls are built from both and checked
    calls = integration_calls(flow, state, context) + integration_calls(
        flow, failure_state(flow, state), context
    )

    # THEN every Task is built (a function's as a Lambda Invoke), and AWS would refuse none
    assert {call.state for call in calls} == set(tasks(flow))
    assert sorted({(call.service, call.operation) for call in calls}) == [
        ("cloudwatch", "PutMetricData"),
        ("dynamodb", "UpdateItem"),
        ("lambda", "Invoke"),
        ("sns", "Publish"),
    ]
    assert refusals(calls) == []


def _notify(ticket_id: str) -> list[Any]:
    state, context = execution_state(ticket_id)
    return [call for call in integration_calls(definition(), state, context) if call.state == "NotifyTeam"]


@pytest.mark.parametrize(("subject_length", "refused"), [(99, False), (100, True)])
def test_the_notification_subject_is_held_to_snss_rule(subject_length: int, refused: bool) -> None:
    # GIVEN a CRITICAL ticket whose id makes NotifyTeam's subject `subject_length` characters long
    short_id = "TKT-20250115-0001"
    (sample,) = _notify(short_id)
    ticket_id = "TKT-20250115-" + "9" * (subject_length - len(sample.params["Subject"]) + len(short_id) - 13)

    # WHEN its publish is checked
    (notify,) = _notify(ticket_id)
    found = refusals([notify])

    # THEN AWS takes a subject of 99 characters and refuses one of 100 (Subject: fewer than 100)
    assert len(notify.params["Subject"]) == subject_length
    assert [(refusal.code, refusal.message) for _, refusal in found] == (
        [("InvalidParameter", "Invalid parameter: Subject")] if refused else []
    )


def test_a_task_input_over_256_kib_fails_as_step_functions_fails_it() -> None:
    # GIVEN a ticket whose description makes the state 300 KB (each Lambda task takes the whole state)
    state, context = execution_state()
    state["data"]["description"] = "x" * 300_000

    # WHEN the calls are checked
    found = refusals(integration_calls(definition(), state, context))

    # THEN each task given the description (the three functions, and the item's final write) fails with
    # States.DataLimitExceeded before its request leaves
    assert {(call.state, refusal.code) for call, refusal in found} == {
        ("DetectSentiment", "States.DataLimitExceeded"),
        ("GenerateResponse", "States.DataLimitExceeded"),
        ("ArchiveTicket", "States.DataLimitExceeded"),
        ("MarkResponded", "States.DataLimitExceeded"),
    }


@pytest.mark.parametrize(
    ("result_path", "expected"),
    [
        ("$", {"Error": "E"}),
        ("$.error", {"ticketId": "T", "data": {"subject": "s"}, "error": {"Error": "E"}}),
        ("$.data.error", {"ticketId": "T", "data": {"subject": "s", "error": {"Error": "E"}}}),
        (None, {"ticketId": "T", "data": {"subject": "s"}}),
    ],
)
def test_a_result_is_placed_as_step_functions_places_it(result_path: str | None, expected: Any) -> None:
    # GIVEN a state and a result / WHEN placed at a ResultPath / THEN as Step Functions places it, the
    # original state untouched
    state = {"ticketId": "T", "data": {"subject": "s"}}
    assert with_result(state, {"Error": "E"}, result_path) == expected
    assert state == {"ticketId": "T", "data": {"subject": "s"}}
