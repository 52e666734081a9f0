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

pytestmark = pytest.mark.unit

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
    targets = [state["Next"]] if "Next" in state else []
    targets += [choice["Next"] for choice in state.get("Choices", [])]
    targets += [state["Default"]] if "Default" in state else []
    return targets


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

        # WHEN / THEN StartAt, every Next, Choice Next and Default name a state in the same scope
        assert scope["StartAt"] in names, scope_name
        for state_name, state in scope["States"].items():
            for target in _transitions(state):
                assert target in names, f"{scope_name}.{state_name} → {target}"


def test_every_state_is_reachable(asl: dict[str, Any]) -> None:
    # GIVEN each scope
    for scope_name, scope in _scopes(asl):
        # WHEN the states are walked from StartAt
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
    # GIVEN the execution state after sentiment, triage and stamp (what Store and NotifyTeam see)
    state = load_event(STATE_AFTER_TRIAGE)

    # WHEN every `$.…` path in Parameters and Choice rules is collected
    paths = {
        path
        for _, asl_state in _all_states(asl)
        for key, text in _strings({"p": asl_state.get("Parameters", {}), "c": asl_state.get("Choices", [])})
        if key.endswith(".$") or key == "Variable"
        for path in _STATE_PATH.findall(text)
    }

    # THEN each resolves in the canonical state
    assert {"$.triage.priority", "$.sentiment.scores.mixed", "$.stamp.at", "$.data.subject"} <= paths
    for path in sorted(paths):
        value: Any = state
        for part in path.split(".")[1:]:
            assert isinstance(value, dict), path
            assert part in value, path
            value = value[part]


def test_notification_choice_matches_the_priorities_that_notify(asl: dict[str, Any]) -> None:
    # GIVEN the NeedsAttention choice
    [rule] = asl["States"]["NeedsAttention"]["Choices"]

    # WHEN the priorities it sends to NotifyTeam are read
    notified = {condition["StringEquals"] for condition in rule["Or"]}

    # THEN they are the model's notifying priorities, and the rest end in Done
    assert rule["Next"] == "NotifyTeam"
    assert notified == {p.value for p in Priority if p.notifies}
    assert asl["States"]["NeedsAttention"]["Default"] == "Done"


def test_lambda_tasks_retry_throttling(asl: dict[str, Any]) -> None:
    # GIVEN every Lambda task
    tasks = [(n, s) for n, s in _all_states(asl) if s.get("Resource") == "arn:aws:states:::lambda:invoke"]

    # WHEN / THEN each retries a throttled (reserved-concurrency) invocation with jitter
    assert len(tasks) == 3
    for name, task in tasks:
        errors = {error for retrier in task["Retry"] for error in retrier["ErrorEquals"]}
        assert {"Lambda.TooManyRequestsException", "Lambda.Unknown"} <= errors, name
        assert all(retrier.get("JitterStrategy") == "FULL" for retrier in task["Retry"]), name
