"""The state machine's tasks as IAM requests of its role, read from the definition (the emulator runs them
in-process, out of any client plugin's sight), and which of them the executions' histories say ran."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from ticketflow_dev.iam.state_machine import entered_tasks, task_calls, task_states
from ticketflow_infra.paths import STATE_MACHINE_FILE
from ticketflow_parity.iam.actions import Target, UnmappedCallError

TARGET = Target("us-east-1", "000000000000")
FUNCTION = "arn:aws:lambda:us-east-1:000000000000:function:tf-{}"
TOPIC = "arn:aws:sns:us-east-1:000000000000:tf-Notifications"
KEY = "arn:aws:kms:us-east-1:000000000000:key/k-1"
SUBSTITUTIONS = {
    "DetectSentimentFunctionArn": FUNCTION.format("DetectSentiment"),
    "GenerateResponseFunctionArn": FUNCTION.format("GenerateResponse"),
    "S3WriterFunctionArn": FUNCTION.format("S3Writer"),
    "TicketsTableName": "tf-Tickets",
    "MetricNamespace": "Ticketflow",
    "FailureMetricName": "TicketsFailed",
    "NotificationsTopicArn": TOPIC,
}


def definition() -> dict[str, object]:
    text = STATE_MACHINE_FILE.read_text(encoding="utf-8")
    resolved: dict[str, object] = json.loads(
        re.sub(r"\$\{(\w+)\}", lambda m: SUBSTITUTIONS[m.group(1)], text)
    )
    return resolved


def test_each_task_of_the_ticket_flow_is_the_request_its_integration_makes() -> None:
    # GIVEN the deployed definition (substitutions resolved)
    tasks = task_states(definition())
    # WHEN each task's requests are read
    calls = {
        state: [
            (c.intent.action, c.intent.resource, c.via_service)
            for c in task_calls(state, task, TARGET, {TOPIC: KEY})
        ]
        for state, task in tasks.items()
    }
    # THEN lambda:invoke is InvokeFunction, dynamodb:updateItem UpdateItem on the table, sns:publish Publish
    # plus the KMS requests SNS makes for the caller on the encrypted topic, putMetricData on * (its
    # namespace kept)
    table = "arn:aws:dynamodb:us-east-1:000000000000:table/tf-Tickets"
    assert calls == {
        "MarkProcessing": [("dynamodb:UpdateItem", table, False)],
        "DetectSentiment": [("lambda:InvokeFunction", FUNCTION.format("DetectSentiment"), False)],
        "GenerateResponse": [("lambda:InvokeFunction", FUNCTION.format("GenerateResponse"), False)],
        "ArchiveTicket": [("lambda:InvokeFunction", FUNCTION.format("S3Writer"), False)],
        "NotifyTeam": [
            ("sns:Publish", TOPIC, False),
            ("kms:GenerateDataKey", KEY, True),
            ("kms:Decrypt", KEY, True),
        ],
        "MarkResponded": [("dynamodb:UpdateItem", table, False)],
        "RecordFailure": [("dynamodb:UpdateItem", table, False)],
        "CountFailure": [("cloudwatch:PutMetricData", "*", False)],
    }
    metric = task_calls("CountFailure", tasks["CountFailure"], TARGET, {})[0].intent
    assert metric.context["cloudwatch:namespace"] == "Ticketflow"


def test_a_resource_named_at_run_time_is_not_guessed_from_the_definition() -> None:
    # GIVEN a task whose function comes from the state's input
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName.$": "$.fn"},
    }
    # WHEN / THEN
    with pytest.raises(UnmappedCallError, match="FunctionName"):
        task_calls("Dynamic", task, TARGET, {})


def test_tasks_in_parallel_branches_and_maps_are_found() -> None:
    # GIVEN a Parallel state whose branch holds a Map of a Task
    inner = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FUNCTION.format("x"), "End": True}}}
    nested = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [{"StartAt": "M", "States": {
        "M": {"Type": "Map", "ItemProcessor": inner, "End": True}}}], "End": True}}}  # fmt: skip
    # WHEN / THEN
    assert list(task_states(nested)) == ["T"]
    assert [c.intent.action for c in task_calls("T", task_states(nested)["T"], TARGET, {})] == [
        "lambda:InvokeFunction"
    ]


def test_the_tasks_that_ran_come_from_the_histories_read_until_every_task_was_seen() -> None:
    # GIVEN two tasks and histories, the second of which would be read only if needed
    tasks: dict[str, dict[str, Any]] = {"A": {}, "B": {}}
    read: list[int] = []

    def histories() -> Iterator[list[dict[str, Any]]]:
        for number, names in enumerate((["A", "B"], ["A"]), 1):
            read.append(number)
            yield [{"type": "TaskStateEntered", "stateEnteredEventDetails": {"name": n}} for n in names]

    # WHEN
    entered = entered_tasks(histories(), tasks)
    # THEN both are found in the first, and the second was never fetched
    assert entered == {"A", "B"}
    assert read == [1]
