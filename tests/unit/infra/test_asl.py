"""The state machine definition: well formed, every state reachable, substitutions the stack provides, and
every path it reads present in the canonical execution state."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from tests.event_files import STATE_AFTER_TRIAGE, load_event
from ticketflow.model import Priority
from ticketflow_infra.orchestration import TicketWorkflow
from ticketflow_infra.paths import STATE_MACHINE_FILE

TERMINAL_TYPES = {"Succeed", "Fail", "Choice"}
_SUBSTITUTION = re.compile(r"\$\{(\w+)\}")
_STATE_PATH = re.compile(r"(?<!\$)\$\.[A-Za-z_][\w.]*")


@pytest.fixture(scope="module")
def asl() -> dict[str, Any]:
    definition: dict[str, Any] = json.loads(STATE_MACHINE_FILE.read_text(encoding="utf-8"))
    return definition


@pytest.fixture(scope="module")
def substitution_keys() -> set[str]:
    """The keys of the substitutions TicketWorkflow gives the definition, from a synthesized template."""
    os.environ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    app = cdk.App()
    stack = cdk.Stack(app, "AslTest", env=cdk.Environment(account="123456789012", region="us-east-1"))

    def function(name: str) -> lambda_.IFunction:
        return lambda_.Function.from_function_arn(
            stack, name, f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        )

    TicketWorkflow(
        stack,
        "Orchestration",
        detect_sentiment=function("DetectSentiment"),
        generate_response=function("GenerateResponse"),
        s3_writer=function("S3Writer"),
        table=dynamodb.TableV2.from_table_name(stack, "Table", "tickets"),
        topic=sns.Topic.from_topic_arn(stack, "Topic", "arn:aws:sns:us-east-1:123456789012:notifications"),
    )
    [machine] = Template.from_stack(stack).find_resources("AWS::StepFunctions::StateMachine").values()
    return set(machine["Properties"]["DefinitionSubstitutions"])


def _scopes(machine: Mapping[str, Any], name: str = "<top>") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The machine and every Parallel branch (each has its own StartAt and States), depth first."""
    yield name, machine
    for state_name, state in machine["States"].items():
        for index, branch in enumerate(state.get("Branches", [])):
            yield from _scopes(branch, f"{state_name}[{index}]")


def _transitions(state: Mapping[str, Any]) -> list[str]:
    """Every state this one can go to: Next, Choice rules and Default, and its Catch targets."""
    targets = [state["Next"]] if "Next" in state else []
    targets += [choice["Next"] for choice in state.get("Choices", [])]
    targets += [state["Default"]] if "Default" in state else []
    targets += [catcher["Next"] for catcher in state.get("Catch", [])]
    return targets


def _catch_targets(asl: Mapping[str, Any]) -> set[str]:
    return {catcher["Next"] for _, state in _all_states(asl) for catcher in state.get("Catch", [])}


def _paths_read(asl_state: Mapping[str, Any]) -> set[str]:
    """The `$.…` paths a state reads in its Parameters and Choice rules."""
    return {
        path
        for key, text in _strings({"p": asl_state.get("Parameters", {}), "c": asl_state.get("Choices", [])})
        if key.endswith(".$") or key == "Variable"
        for path in _STATE_PATH.findall(text)
    }


def _resolve(state: Mapping[str, Any], path: str) -> None:
    value: Any = state
    for part in path.split(".")[1:]:
        assert isinstance(value, dict), path
        assert part in value, path
        value = value[part]


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key)
    elif isinstance(value, str):
        yield key, value


def _all_states(asl: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for _, scope in _scopes(asl):
        yield from scope["States"].items()


def test_every_transition_names_a_state_of_its_scope(asl: dict[str, Any]) -> None:
    # GIVEN the machine and its Parallel branches
    for scope_name, scope in _scopes(asl):
        names = set(scope["States"])

        # WHEN / THEN StartAt, every Next, Choice Next, Default and Catch Next name a state in the same scope
        assert scope["StartAt"] in names, scope_name
        for state_name, state in scope["States"].items():
            for target in _transitions(state):
                assert target in names, f"{scope_name}.{state_name} → {target}"


def test_every_state_is_reachable(asl: dict[str, Any]) -> None:
    # GIVEN each scope
    for scope_name, scope in _scopes(asl):
        # WHEN the states are walked from StartAt, through transitions and Catch targets
        seen: set[str] = set()
        pending = [scope["StartAt"]]
        while pending:
            name = pending.pop()
            if name not in seen:
                seen.add(name)
                pending += _transitions(scope["States"][name])

        # THEN every state was reached
        assert seen == set(scope["States"]), f"unreachable in {scope_name}: {set(scope['States']) - seen}"


def test_every_state_either_moves_on_or_ends(asl: dict[str, Any]) -> None:
    # GIVEN / WHEN / THEN each non-terminal state has exactly one of Next and End
    for name, state in _all_states(asl):
        if state["Type"] not in TERMINAL_TYPES:
            assert ("Next" in state) != bool(state.get("End")), name


def test_substitutions_are_exactly_the_ones_the_stack_provides(
    asl: dict[str, Any], substitution_keys: set[str]
) -> None:
    # GIVEN the ${Var} placeholders in the definition
    used = set(_SUBSTITUTION.findall(STATE_MACHINE_FILE.read_text(encoding="utf-8")))

    # WHEN / THEN each is provided by the stack, and the stack provides none that is unused
    assert used == substitution_keys
    assert {"DetectSentimentFunctionArn", "TicketsTableName", "NotificationsTopicArn"} <= used


def test_every_path_the_definition_reads_exists_in_the_canonical_state(asl: dict[str, Any]) -> None:
    # GIVEN the execution state after sentiment, triage and stamp (what MarkResponded and NotifyTeam see)
    state = load_event(STATE_AFTER_TRIAGE)
    failure_states = _catch_targets(asl)

    # WHEN every `$.…` path in Parameters and Choice rules outside the failure path is collected
    paths = {
        path
        for name, asl_state in _all_states(asl)
        if name not in failure_states
        for path in _paths_read(asl_state)
    }

    # THEN each resolves in the canonical state
    assert {"$.triage.priority", "$.sentiment.scores.mixed", "$.stamp.at", "$.data.subject"} <= paths
    for path in sorted(paths):
        _resolve(state, path)


def test_the_failure_path_reads_only_what_every_catch_provides(asl: dict[str, Any]) -> None:
    # GIVEN the state a Catch into the failure path leaves: the error alone (ResultPath `$` replaces the
    # state, so the ticket's data travels no further and no failure outgrows Step Functions' payload limit)
    state = {"Error": "States.TaskFailed", "Cause": "boom"}
    into_failure = [
        catcher
        for _, s in _all_states(asl)
        for catcher in s.get("Catch", [])
        if catcher["Next"] == "RecordFailure"
    ]

    # WHEN the paths RecordFailure reads are collected
    task = asl["States"]["RecordFailure"]
    paths = _paths_read(task)

    # THEN every Catch into it replaces the state with the error, each path resolves in the error, and the
    # ticket is found by the execution's name (executions are named after their ticket)
    assert into_failure
    assert all(catcher["ResultPath"] == "$" for catcher in into_failure)
    assert paths == {"$.Error", "$.Cause"}
    for path in sorted(paths):
        _resolve(state, path)
    assert task["Parameters"]["Key"] == {"ticket_id": {"S.$": "$$.Execution.Name"}}


def test_notification_choice_matches_the_priorities_that_notify(asl: dict[str, Any]) -> None:
    # GIVEN the NeedsAttention choice
    [rule] = asl["States"]["NeedsAttention"]["Choices"]

    # WHEN the priorities it sends to NotifyTeam are read
    notified = {condition["StringEquals"] for condition in rule["Or"]}

    # THEN they are the model's notifying priorities; the rest go to MarkResponded, as NotifyTeam does
    assert rule["Next"] == "NotifyTeam"
    assert notified == {p.value for p in Priority if p.notifies}
    assert asl["States"]["NeedsAttention"]["Default"] == "MarkResponded"
    assert asl["States"]["NotifyTeam"]["Next"] == "MarkResponded"


def test_lambda_tasks_retry_throttling(asl: dict[str, Any]) -> None:
    # GIVEN every Lambda task
    tasks = [(n, s) for n, s in _all_states(asl) if s.get("Resource") == "arn:aws:states:::lambda:invoke"]

    # WHEN / THEN each retries a throttled (reserved-concurrency) invocation with jitter
    assert len(tasks) == 3
    for name, task in tasks:
        errors = {error for retrier in task["Retry"] for error in retrier["ErrorEquals"]}
        assert {"Lambda.TooManyRequestsException", "Lambda.Unknown"} <= errors, name
        assert all(retrier.get("JitterStrategy") == "FULL" for retrier in task["Retry"]), name


def test_dynamodb_tasks_retry_throttling_and_server_errors(asl: dict[str, Any]) -> None:
    # GIVEN every DynamoDB task: the emulator runs them itself, so the AWS fault proxy cannot reach them
    tasks = [
        (n, s) for n, s in _all_states(asl) if s.get("Resource", "").startswith("arn:aws:states:::dynamodb:")
    ]

    # WHEN / THEN each retries DynamoDB's throttling and server errors with jitter, and nothing else
    assert [name for name, _ in tasks] == ["MarkProcessing", "MarkResponded", "RecordFailure"]
    for name, task in tasks:
        errors = {error for retrier in task["Retry"] for error in retrier["ErrorEquals"]}
        assert errors == {
            "DynamoDB.ProvisionedThroughputExceededException",
            "DynamoDB.ThrottlingException",
            "DynamoDB.RequestLimitExceeded",
            "DynamoDB.InternalServerErrorException",
        }, name
        assert all(retrier.get("JitterStrategy") == "FULL" for retrier in task["Retry"]), name


# --- the ticket lifecycle --------------------------------------------------------------------------------

FAILURE_PATH = ("RecordFailure", "CountFailure", "TicketFailed")
STATUS_WRITES = {  # state → (the status it writes, the statuses it may write over)
    "MarkProcessing": ("PROCESSING", {"RECEIVED"}),
    "MarkResponded": ("RESPONDED", {"PROCESSING"}),
    "RecordFailure": ("FAILED", {"RECEIVED", "PROCESSING"}),
}
_PLACEHOLDER = re.compile(r"[:#]\w+")


def _condition_values(task: Mapping[str, Any]) -> set[str]:
    """The values the ConditionExpression compares `#status` with (its `:value` placeholders resolved)."""
    parameters = task["Parameters"]
    condition: str = parameters["ConditionExpression"]
    assert condition.startswith("#status "), condition
    assert parameters["ExpressionAttributeNames"] == {"#status": "status"}
    values = parameters["ExpressionAttributeValues"]
    return {values[name]["S"] for name in _PLACEHOLDER.findall(condition) if name.startswith(":")}


def test_every_task_outside_the_failure_path_catches_into_record_failure(asl: dict[str, Any]) -> None:
    # GIVEN the top-level tasks (and any Parallel: its branches' errors surface on it)
    steps = {
        name: state
        for name, state in asl["States"].items()
        if state["Type"] in {"Task", "Parallel"} and name not in FAILURE_PATH
    }

    # WHEN / THEN each one's last catcher takes every error to RecordFailure, the error in place of the state
    assert {
        "MarkProcessing",
        "DetectSentiment",
        "GenerateResponse",
        "ArchiveTicket",
        "NotifyTeam",
        "MarkResponded",
    } <= set(steps)
    for name, state in steps.items():
        last = state["Catch"][-1]
        assert last == {"ErrorEquals": ["States.ALL"], "ResultPath": "$", "Next": "RecordFailure"}, name


def test_the_machine_has_no_parallel_and_one_write_stores_the_record(asl: dict[str, Any]) -> None:
    # GIVEN the states
    states = asl["States"]

    # WHEN / THEN no Parallel (each costs the emulator a thread and events per branch) and no Pass state
    assert {state["Type"] for state in states.values()} <= {"Task", "Choice", "Succeed", "Fail"}
    # and the archive's processing moment comes back from the writer, for MarkResponded to store
    archive = states["ArchiveTicket"]
    assert archive["Parameters"]["Payload"]["processedAt.$"] == "$$.State.EnteredTime"
    assert archive["ResultSelector"] == {"at.$": "$.Payload.processedAt"}
    assert archive["ResultPath"] == "$.stamp"


@pytest.mark.parametrize("name", sorted(STATUS_WRITES))
def test_status_writes_are_conditional_on_the_status_before(asl: dict[str, Any], name: str) -> None:
    # GIVEN a state that changes the ticket's status
    task = asl["States"][name]
    to, allowed_from = STATUS_WRITES[name]
    parameters = task["Parameters"]

    # WHEN its update is read
    update: str = parameters["UpdateExpression"]
    values = parameters["ExpressionAttributeValues"]

    # THEN it sets the status, its timestamps and a history entry, only over the statuses it may replace
    assert task["Resource"] == "arn:aws:states:::dynamodb:updateItem"
    assert values[":to"] == {"S": to}
    for assignment in (
        "#status = :to",
        "status_at = :at",
        f"{to.lower()}_at = :at",
        "history = list_append(",
    ):
        assert assignment in update, (name, assignment)
    assert values[":entry"]["L"][0]["M"]["status"] == {"S": to}
    assert _condition_values(task) == allowed_from


def test_record_failure_keeps_the_reason_and_never_overwrites_a_finished_ticket(asl: dict[str, Any]) -> None:
    # GIVEN RecordFailure
    task = asl["States"]["RecordFailure"]
    values = task["Parameters"]["ExpressionAttributeValues"]

    # WHEN / THEN the reason is the caught Error and Cause, on the item and in its history entry
    reason = "States.Format('{}: {}', $.Error, $.Cause)"
    assert "status_reason = :reason" in task["Parameters"]["UpdateExpression"]
    assert values[":reason"] == {"S.$": reason}
    assert values[":entry"]["L"][0]["M"]["reason"] == {"S.$": reason}
    # and only RECEIVED or PROCESSING may become FAILED: RESPONDED, FAILED and REJECTED stay as they are
    assert _condition_values(task) == {"RECEIVED", "PROCESSING"}
    assert task["Parameters"]["ConditionExpression"] == "#status IN (:received, :processing)"


def test_the_record_is_stored_by_the_conditional_responded_write(asl: dict[str, Any]) -> None:
    # GIVEN MarkResponded, the one write of the processed ticket
    task = asl["States"]["MarkResponded"]
    update = task["Parameters"]["UpdateExpression"]

    # WHEN / THEN it stores the enrichment with the status, in one update conditional on PROCESSING
    assert _condition_values(task) == {"PROCESSING"}
    for assignment in ("processed_at = :processed_at", "sentiment = :sentiment", "priority = :priority",
                       "response_text = :response_text", "customer_email = :customer_email"):  # fmt: skip
        assert assignment in update, assignment
    # and it is the last step: the archive and the notification are done before the ticket is RESPONDED
    assert task["End"] is True
    assert asl["States"]["ArchiveTicket"]["Next"] == "NeedsAttention"


@pytest.mark.parametrize("name", ["MarkProcessing", "MarkResponded"])
def test_a_failed_condition_means_already_handled_not_failed(asl: dict[str, Any], name: str) -> None:
    # GIVEN a conditional status step
    catchers = asl["States"][name]["Catch"]

    # WHEN / THEN a failed condition (a late or repeated execution) ends in AlreadyHandled, before States.ALL
    assert catchers[0] == {
        "ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
        "ResultPath": None,
        "Next": "AlreadyHandled",
    }
    assert asl["States"]["AlreadyHandled"]["Type"] == "Succeed"


def test_the_failure_path_records_counts_and_fails_whatever_happens(asl: dict[str, Any]) -> None:
    # GIVEN the failure path
    record, count, failed = (asl["States"][name] for name in FAILURE_PATH)

    # WHEN / THEN RecordFailure goes on to CountFailure even if its write fails, CountFailure to TicketFailed
    assert record["Next"] == "CountFailure"
    assert [c["Next"] for c in record["Catch"]] == ["CountFailure"]
    assert record["Catch"][0]["ResultPath"] is None  # the original error is kept, and no second one added
    assert count["Catch"][0]["ResultPath"] is None
    assert count["Next"] == "TicketFailed"
    assert [c["Next"] for c in count["Catch"]] == ["TicketFailed"]
    # CountFailure publishes one TicketsFailed count in the pipeline's namespace; the execution then fails
    assert count["Resource"] == "arn:aws:states:::aws-sdk:cloudwatch:putMetricData"
    assert count["Parameters"]["Namespace"] == "${MetricNamespace}"
    assert count["Parameters"]["MetricData"] == [
        {"MetricName": "${FailureMetricName}", "Value": 1, "Unit": "Count"}
    ]
    assert failed["Type"] == "Fail"
