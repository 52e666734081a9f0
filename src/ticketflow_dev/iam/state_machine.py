"""What a state machine asks AWS for, task by task, as its own role: the emulator runs the service
integrations in-process (no client plugin sees them), so they are checked from what the executions ran.

Each Task state an execution entered (its history) is one or more IAM requests, read from the deployed
definition's Parameters (AWS's own history also carries the resolved parameters; they win where present):
`lambda:invoke` is lambda:InvokeFunction, `dynamodb:updateItem` dynamodb:UpdateItem, `sns:publish` sns:Publish
(and, on a topic under a KMS key, kms:GenerateDataKey and kms:Decrypt that SNS asks for on the caller's
behalf: SNS Developer Guide, "Encryption at rest"), `aws-sdk:<service>:<action>` as the SDK call would be.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ticketflow_parity.iam.actions import Intent, Target, UnmappedCallError, intents

_INTEGRATION = "arn:aws:states:::"
# aws-sdk integration service names that differ from the SDK's (Step Functions Developer Guide, "AWS SDK
# service integrations").
_SDK_SERVICES = {"sfn": "stepfunctions", "cloudwatchlogs": "logs", "bedrockruntime": "bedrock-runtime"}


@dataclass(frozen=True)
class TaskCall:
    state: str
    intent: Intent
    via_service: bool = False


def task_states(definition: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Every Task state, at any depth (Parallel branches, Map iterators)."""
    found: dict[str, Mapping[str, Any]] = {}
    for name, state in definition.get("States", {}).items():
        if state.get("Type") == "Task":
            found[name] = state
        for branch in state.get("Branches", []):
            found |= task_states(branch)
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                found |= task_states(state[key])
    return found


def _static(parameters: Mapping[str, Any], state: str, *names: str) -> dict[str, Any]:
    """The parameters with the dynamic ones (`Key.$`) left out; a resource-naming one must be static."""
    for name in names:
        if f"{name}.$" in parameters:
            raise UnmappedCallError(
                "states", state, f"{name} is set at run time ({name}.$): not checked from the definition"
            )
    return {key: value for key, value in parameters.items() if not key.endswith(".$")}


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def _kms_for_topic(topic_arn: str, keys: Mapping[str, str], target: Target, state: str) -> Iterator[TaskCall]:
    key = keys.get(topic_arn)
    if key is None:
        return
    context = {"kms:viaservice": f"sns.{target.region}.amazonaws.com", "kms:calleraccount": target.account}
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        yield TaskCall(state, Intent(action, key, context), via_service=True)


def task_calls(
    state: str, task: Mapping[str, Any], target: Target, topic_keys: Mapping[str, str]
) -> list[TaskCall]:
    """The IAM requests of one Task state. `topic_keys`: topic ARN → the ARN of the KMS key encrypting it."""
    resource = str(task["Resource"])
    parameters = task.get("Parameters", {})
    if resource.startswith(f"arn:{target.partition}:lambda:"):
        return [TaskCall(state, Intent("lambda:InvokeFunction", resource))]
    if not resource.startswith(_INTEGRATION):
        raise UnmappedCallError("states", state, f"resource {resource}")
    integration = resource.removeprefix(_INTEGRATION).split(".", 1)[0]  # drop .sync / .waitForTaskToken
    service, _, action = integration.partition(":")
    if service == "aws-sdk":
        sdk_service, _, sdk_action = action.partition(":")
        params = _static(parameters, state)
        found = intents(_SDK_SERVICES.get(sdk_service, sdk_service), _pascal(sdk_action), params, target)
        return [TaskCall(state, intent) for intent in found]
    if service == "lambda" and action == "invoke":
        params = _static(parameters, state, "FunctionName")
        return [TaskCall(state, i) for i in intents("lambda", "Invoke", params, target)]
    if service == "dynamodb":
        params = _static(parameters, state, "TableName")
        return [TaskCall(state, i) for i in intents("dynamodb", _pascal(action), params, target)]
    if service == "sns" and action == "publish":
        params = _static(parameters, state, "TopicArn", "TargetArn")
        calls = [TaskCall(state, i) for i in intents("sns", "Publish", params, target)]
        return calls + list(_kms_for_topic(str(params.get("TopicArn", "")), topic_keys, target, state))
    raise UnmappedCallError("states", state, f"no mapping for the {integration} integration")


def entered_tasks(histories: Iterable[Iterable[Mapping[str, Any]]], tasks: Mapping[str, Any]) -> set[str]:
    """The Task states the executions entered, from their histories' TaskStateEntered events."""
    entered: set[str] = set()
    for events in histories:
        for event in events:
            if event.get("type") == "TaskStateEntered":
                name = event["stateEnteredEventDetails"]["name"]
                if name in tasks:
                    entered.add(name)
        if entered == set(tasks):
            break
    return entered


def definition_of(description: Mapping[str, Any]) -> dict[str, Any]:
    definition: dict[str, Any] = json.loads(description["definition"])
    return definition
