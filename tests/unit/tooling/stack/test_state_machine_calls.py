"""The state machine's own service calls (run inside the emulator, where no client plugin sees them),
checked from the definition as AWS would receive them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.event_files import load_event
from ticketflow_dev.stack.state_machine_calls import integration_calls, refusals
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
    """The canonical state after triage, with a caught error (what RecordFailure reads), and its context."""
    state = load_event("state_after_triage.json") | {"ticketId": ticket_id}
    state["error"] = {"Error": "States.TaskFailed", "Cause": "the model answered twice without a triage"}
    context = {
        "State": {"EnteredTime": "2025-01-15T09:30:01.123Z"},
        "Execution": {"Id": f"arn:aws:states:us-east-1:{ACCOUNT}:execution:TicketFlow:{ticket_id}"},
    }
    return state, context


def test_every_integration_of_the_definition_is_built_and_aws_would_take_each_for_the_canonical_ticket() -> (
    None
):
    # GIVEN the deployed definition and the canonical ticket's state
    state, context = execution_state()

    # WHEN the state machine's own calls are built and checked
    calls = integration_calls(definition(), state, context)

    # THEN every service task is there, and AWS would refuse none
    assert sorted({(call.service, call.operation) for call in calls}) == [
        ("cloudwatch", "PutMetricData"),
        ("dynamodb", "UpdateItem"),
        ("lambda", "Invoke"),
        ("sns", "Publish"),
    ]
    assert refusals(calls) == []


@pytest.mark.parametrize(("length", "refused"), [(73, False), (74, True)])
def test_the_notification_subject_fits_awss_rule_up_to_a_73_character_ticket_id(
    length: int, refused: bool
) -> None:
    # GIVEN a CRITICAL ticket whose id has `length` characters (an execution name may have 80)
    ticket_id = "TKT-20250115-" + "9" * (length - 13)
    state, context = execution_state(ticket_id)

    # WHEN NotifyTeam's publish is checked ("[CRITICAL] support ticket <id>")
    notify = [call for call in integration_calls(definition(), state, context) if call.state == "NotifyTeam"]
    found = refusals(notify)

    # THEN AWS takes a subject of 99 characters and refuses one of 100 (Subject: fewer than 100)
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
