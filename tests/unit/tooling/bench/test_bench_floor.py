"""The floor: the deployed state machine's shape with no work, built from its definition."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from ticketflow_dev.bench.floor import LAMBDA_INVOKE, NOOP_SOURCE, _zip, floor_definition, lambda_arns
from ticketflow_infra.paths import STATE_MACHINE_FILE

ASL = STATE_MACHINE_FILE


@pytest.fixture(scope="module")
def asl() -> dict[str, Any]:
    definition: dict[str, Any] = json.loads(ASL.read_text(encoding="utf-8"))
    return definition


def _states(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every state of the machine and of its Parallel branches, by name."""
    found: dict[str, dict[str, Any]] = {}
    for name, state in definition["States"].items():
        found[name] = state
        for branch in state.get("Branches", []):
            found |= _states(branch)
    return found


def test_the_lambda_tasks_are_found_in_order_across_branches(asl: dict[str, Any]) -> None:
    # GIVEN the pipeline's definition
    # WHEN its Lambda tasks' functions are listed
    arns = lambda_arns(asl)

    # THEN every distinct function appears once, Parallel branches included
    lambda_states = [s for s in _states(asl).values() if s.get("Resource") == LAMBDA_INVOKE]
    assert arns == list(dict.fromkeys(s["Parameters"]["FunctionName"] for s in lambda_states))
    assert len(arns) == len(lambda_states) == 3


def test_the_floor_keeps_every_state_and_transition_and_does_no_work(asl: dict[str, Any]) -> None:
    # GIVEN a stand-in function for each of the pipeline's
    stand_ins = {
        arn: f"arn:aws:lambda:us-east-1:000000000000:function:noop{i}"
        for i, arn in enumerate(lambda_arns(asl))
    }

    # WHEN the floor is derived
    floor = floor_definition(asl, stand_ins)

    # THEN the same states move on the same way
    original, derived = _states(asl), _states(floor)
    assert derived.keys() == original.keys()
    for name, state in derived.items():
        before = original[name]
        if before["Type"] == "Choice":
            assert state == {"Type": "Pass", "Next": before["Default"]}
            continue
        assert {k: state.get(k) for k in ("Next", "End")} == {k: before.get(k) for k in ("Next", "End")}, name
        # AND the Lambda tasks call their stand-ins with the whole state, keeping retries and catches
        if before.get("Resource") == LAMBDA_INVOKE:
            assert state["Parameters"] == {
                "FunctionName": stand_ins[before["Parameters"]["FunctionName"]],
                "Payload.$": "$",
            }
            assert (state.get("Retry"), state.get("Catch")) == (before.get("Retry"), before.get("Catch"))
            assert state["ResultPath"] is None
        # AND every other task is a Pass that leaves the state as it is
        elif before["Type"] in ("Task", "Pass"):
            assert state["Type"] == "Pass", name
            assert state["ResultPath"] is None
            assert "Parameters" not in state
        else:
            assert state["Type"] == before["Type"], name


def test_the_floor_leaves_the_pipeline_definition_untouched(asl: dict[str, Any]) -> None:
    # GIVEN the definition as loaded
    before = json.dumps(asl, sort_keys=True)

    # WHEN a floor is derived from it
    floor_definition(asl, dict.fromkeys(lambda_arns(asl), "noop"))

    # THEN the original is unchanged (the floor works on a copy)
    assert json.dumps(asl, sort_keys=True) == before


def test_a_function_zip_is_the_same_bytes_for_the_same_source() -> None:
    # GIVEN the no-op handler's source
    # WHEN it is zipped twice
    first, second = _zip(NOOP_SOURCE), _zip(NOOP_SOURCE)

    # THEN the bytes match (an unchanged floor function is not updated) and the handler is index.py
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.read("index.py").decode() == NOOP_SOURCE
