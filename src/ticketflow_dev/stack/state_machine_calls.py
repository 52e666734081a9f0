"""The calls the state machine makes itself (its service integrations), as AWS would receive them for a given
execution state, and the AWS checks' verdict on each.

The emulator runs these integrations in its own process, where no client plugin sees them, so they are
checked here from the definition: each Task's Parameters resolved against a state (JSONPath `$.a.b`,
the context `$$.State.EnteredTime` and `$$.Execution.Id`, `States.Format` and `States.JsonToString`), a JSON
object given for a string member serialized as Step Functions serializes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import botocore.session

from ticketflow_parity.checks import Call, Refusal
from ticketflow_parity.plugin import CHECKS
from ticketflow_parity.quotas.stepfunctions import MAX_PAYLOAD_BYTES
from ticketflow_parity.sizes import utf8_size

_OPTIMIZED = re.compile(r"^arn:aws:states:::(?P<service>[a-z0-9-]+):(?P<action>[A-Za-z]+)(?:\.\w+)?$")
_SDK = re.compile(r"^arn:aws:states:::aws-sdk:(?P<service>[a-z0-9-]+):(?P<action>[A-Za-z]+)$")
_FORMAT = re.compile(r"^States\.Format\('(?P<template>(?:[^'\\]|\\.)*)'(?P<args>(?:\s*,\s*[^,)]+)*)\)$")
_TO_STRING = re.compile(r"^States\.JsonToString\((?P<path>[^)]+)\)$")
# Members AWS takes as a string that the definition may give as a JSON object (Step Functions serializes it).
_STRING_MEMBERS = {("lambda", "Invoke"): "Payload", ("sns", "Publish"): "Message"}
_CLIENT_NAMES = {"states": "stepfunctions"}


class UnresolvedPathError(ValueError):
    """A path the state does not hold: the call cannot be built from this state."""


@dataclass(frozen=True)
class IntegrationCall:
    state: str
    service: str
    operation: str
    params: dict[str, Any]


def _lookup(path: str, state: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
    root, rest = (context, path[2:]) if path.startswith("$$") else (state, path[1:])
    value: Any = root
    for part in filter(None, rest.split(".")):
        if not isinstance(value, Mapping) or part not in value:
            raise UnresolvedPathError(path)
        value = value[part]
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _resolve(expression: str, state: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
    if (formatted := _FORMAT.match(expression)) is not None:
        args = [arg.strip() for arg in formatted["args"].split(",") if arg.strip()]
        pieces = formatted["template"].split("{}")
        values = [_text(_lookup(arg, state, context)) for arg in args]
        return "".join(
            piece + (values[index] if index < len(values) else "") for index, piece in enumerate(pieces)
        )
    if (to_string := _TO_STRING.match(expression)) is not None:
        return _text(_lookup(to_string["path"].strip(), state, context))
    return _lookup(expression, state, context)


def resolved(parameters: Any, state: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
    """The Parameters with every `key.$` replaced by its value under `key`."""
    if isinstance(parameters, Mapping):
        out: dict[str, Any] = {}
        for key, value in parameters.items():
            if key.endswith(".$"):
                out[key[:-2]] = _resolve(value, state, context)
            else:
                out[key] = resolved(value, state, context)
        return out
    if isinstance(parameters, list):
        return [resolved(item, state, context) for item in parameters]
    return parameters


def _operation(resource: str) -> tuple[str, str] | None:
    match = _SDK.match(resource) or _OPTIMIZED.match(resource)
    if match is None:
        return None
    service = _CLIENT_NAMES.get(match["service"], match["service"])
    model = botocore.session.get_session().get_service_model(service)
    wanted = match["action"].lower()
    return next(((service, name) for name in model.operation_names if name.lower() == wanted), None)


def _tasks(states: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for name, state in states.items():
        if state.get("Type") == "Task":
            yield name, state
        for branch in state.get("Branches", []):
            yield from _tasks(branch["States"])


def integration_calls(
    definition: Mapping[str, Any], state: Mapping[str, Any], context: Mapping[str, Any]
) -> list[IntegrationCall]:
    """Each Task's request for this state (the definition's substitutions already made)."""
    calls = []
    for name, task in _tasks(definition["States"]):
        operation = _operation(task["Resource"])
        if operation is None:
            continue
        params = resolved(task.get("Parameters", {}), state, context)
        member = _STRING_MEMBERS.get(operation)
        if member is not None and member in params and not isinstance(params[member], str | bytes):
            params[member] = _text(params[member])
        calls.append(IntegrationCall(name, *operation, params))
    return calls


def _data_limit(call: IntegrationCall) -> Refusal | None:
    """Step Functions' own limit on a task's input (its resolved Parameters): 256 KiB of UTF-8. Its wording
    for an input is unverified (AWS's for a result: "... returned a result with a size exceeding the maximum
    number of bytes service limit")."""
    if utf8_size(json.dumps(call.params, separators=(",", ":"), ensure_ascii=False)) <= MAX_PAYLOAD_BYTES:
        return None
    return Refusal(
        "States.DataLimitExceeded",
        f"The state/task '{call.state}' has an input with a size exceeding the maximum number of bytes "
        "service limit.",
    )


def refusals(
    calls: list[IntegrationCall], region: str = "us-east-1"
) -> list[tuple[IntegrationCall, Refusal]]:
    """The calls AWS would refuse or fail, each with AWS's answer: Step Functions' payload limit first,
    then the first check that refuses the request."""
    session = botocore.session.get_session()
    refused = []
    for call in calls:
        if (too_large := _data_limit(call)) is not None:
            refused.append((call, too_large))
            continue
        model = session.get_service_model(call.service)
        checked = Call(model, model.operation_model(call.operation), call.params, "", region)
        refusal = next((r for check in CHECKS if (r := check(checked)) is not None), None)
        if refusal is not None:
            refused.append((call, refusal))
    return refused
