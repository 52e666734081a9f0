"""The ticket state machine's data flow, walked offline: each state's input, its request, the task's result
and its output, by the ASL rules this definition uses.

Those rules: JSONPath reference paths (`$`, `$.a.b`, the context object's `$$.…`), `.$` keys in Parameters
and ResultSelector, the intrinsics States.Format and States.JsonToString, ResultPath (null, `$`, `$.a`),
Choice rules of StringEquals under Or, and Catch into another state. It stands in for Step Functions in unit
tests that measure what the definition sends; a construct it does not know raises instead of guessing.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# A task's result from its request; the tasks absent from a walk's `results` answer with an empty object.
TaskResult = Callable[[Any], Any]
_INTRINSIC = re.compile(r"^(States\.\w+)\((.*)\)$", re.DOTALL)


@dataclass(frozen=True)
class Step:
    state: str
    input: Any
    request: Any  # the resolved Parameters, or None
    result: Any  # the task's result as the integration returned it (before ResultSelector), or None
    output: Any


def reference(document: Any, path: str) -> Any:
    """A reference path (`$` or `$.a.b`) applied to `document`; a missing field raises KeyError."""
    if path == "$":
        return document
    if not path.startswith("$."):
        raise ValueError(f"not a reference path this walk knows: {path!r}")
    value = document
    for part in path[2:].split("."):
        value = value[part]
    return value


def evaluate(expression: str, state: Any, context: Mapping[str, Any]) -> Any:
    """The value of a `.$` field: a path into the state or the context object, or an intrinsic."""
    if expression.startswith("$$."):
        return context[expression]
    if expression.startswith("$"):
        return reference(state, expression)
    match = _INTRINSIC.match(expression)
    if match is None:
        raise ValueError(f"not an expression this walk knows: {expression!r}")
    name, args = match[1], [_argument(a, state, context) for a in _split_arguments(match[2])]
    if name == "States.JsonToString":
        return json.dumps(args[0], separators=(",", ":"), ensure_ascii=False)
    if name == "States.Format":
        template, *values = args
        pieces = template.split("{}")
        if len(pieces) != len(values) + 1:
            raise ValueError(f"{expression!r}: {len(values)} arguments for {len(pieces) - 1} placeholders")
        text = pieces[0]
        for value, piece in zip(values, pieces[1:], strict=True):
            text += (value if isinstance(value, str) else json.dumps(value)) + piece
        return text
    raise ValueError(f"an intrinsic this walk does not know: {name}")


def _split_arguments(text: str) -> list[str]:
    """The intrinsic's arguments, split at commas outside quotes."""
    arguments, current, quoted = [], "", False
    for char in text:
        if char == "'":
            quoted = not quoted
        if char == "," and not quoted:
            arguments.append(current.strip())
            current = ""
        else:
            current += char
    arguments.append(current.strip())
    return arguments


def _argument(text: str, state: Any, context: Mapping[str, Any]) -> Any:
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1]
    return evaluate(text, state, context)


def resolve(template: Any, state: Any, context: Mapping[str, Any]) -> Any:
    """Parameters or a ResultSelector made concrete: each `key.$` becomes `key`, its expression's value."""
    if isinstance(template, dict):
        return {
            key.removesuffix(".$"): evaluate(value, state, context)
            if key.endswith(".$")
            else resolve(value, state, context)
            for key, value in template.items()
        }
    if isinstance(template, list):
        return [resolve(value, state, context) for value in template]
    return template


def with_result(state: Any, result: Any, result_path: str | None) -> Any:
    """The state's output: its input with the result at ResultPath (null: discarded; `$`: replacing it)."""
    if result_path is None:
        return state
    if result_path == "$":
        return result
    *parents, leaf = reference_parts(result_path)
    output = copy.deepcopy(state)
    node = output
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = result
    return output


def reference_parts(path: str) -> list[str]:
    if not path.startswith("$."):
        raise ValueError(f"not a ResultPath this walk knows: {path!r}")
    return path[2:].split(".")


def _chooses(rule: Mapping[str, Any], state: Any) -> bool:
    if "Or" in rule:
        return any(_chooses(inner, state) for inner in rule["Or"])
    if set(rule) - {"Next"} == {"Variable", "StringEquals"}:
        return bool(reference(state, rule["Variable"]) == rule["StringEquals"])
    raise ValueError(f"a Choice rule this walk does not know: {rule}")


def walk(
    definition: Mapping[str, Any],
    execution_input: Any,
    context: Mapping[str, Any],
    results: Mapping[str, TaskResult],
    *,
    fail_at: str | None = None,
    error: Mapping[str, str] | None = None,
) -> list[Step]:
    """Every state an execution goes through, from StartAt to its end. `fail_at` names a task that fails
    with `error` instead of answering, so the walk follows its States.ALL catcher."""
    steps: list[Step] = []
    name: str | None = definition["StartAt"]
    state = execution_input
    while name is not None:
        spec = definition["States"][name]
        kind = spec["Type"]
        if kind == "Choice":
            chosen = next((r["Next"] for r in spec["Choices"] if _chooses(r, state)), spec["Default"])
            steps.append(Step(name, state, None, None, state))
            name = chosen
            continue
        if kind in ("Succeed", "Fail"):
            steps.append(Step(name, state, None, None, state))
            return steps
        if kind != "Task":
            raise ValueError(f"{name}: a {kind} state, which this walk does not know")
        request = resolve(spec.get("Parameters"), state, context) if "Parameters" in spec else None
        if name == fail_at:
            catcher = next(c for c in spec["Catch"] if "States.ALL" in c["ErrorEquals"])
            output = with_result(state, dict(error or {}), catcher.get("ResultPath", "$"))
            steps.append(Step(name, state, request, dict(error or {}), output))
            name = catcher["Next"]
            state = output
            continue
        result = results[name](request) if name in results else {}
        selected = resolve(spec["ResultSelector"], result, context) if "ResultSelector" in spec else result
        output = with_result(state, selected, spec.get("ResultPath", "$"))
        steps.append(Step(name, state, request, result, output))
        name = None if spec.get("End") else spec["Next"]
        state = output
    return steps


_ASSIGNMENT = re.compile(r"^\s*(#?\w+)\s*=\s*(.+?)\s*$")
_APPEND = re.compile(r"^list_append\(if_not_exists\((\w+),\s*(:\w+)\),\s*(:\w+)\)$")


def apply_update(item: dict[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
    """The item after an UpdateItem request's `SET a = :v, …, h = list_append(if_not_exists(h, :none), :e)`
    (the two forms this definition uses), in DynamoDB's typed shape."""
    expression: str = request["UpdateExpression"]
    if not expression.startswith("SET "):
        raise ValueError(f"an update this walk does not know: {expression!r}")
    names = request.get("ExpressionAttributeNames", {})
    values = request["ExpressionAttributeValues"]
    updated = copy.deepcopy(item)
    for assignment in re.split(r",\s*(?![^()]*\))", expression.removeprefix("SET ")):
        match = _ASSIGNMENT.match(assignment)
        if match is None:
            raise ValueError(f"an assignment this walk does not know: {assignment!r}")
        target, value = names.get(match[1], match[1]), match[2]
        if value.startswith(":"):
            updated[target] = values[value]
        elif appended := _APPEND.match(value):
            existing = updated.get(appended[1], values[appended[2]])
            updated[target] = {"L": existing["L"] + values[appended[3]]["L"]}
        else:
            raise ValueError(f"a value this walk does not know: {value!r}")
    return updated
