"""The in-flight IAM check: a call a Lambda function of a deployed stack makes is refused, before it leaves,
with AWS's AccessDenied error where the function's role (and the resource's policy) would not allow it.

Inside a function `AWS_LAMBDA_FUNCTION_NAME` names the caller; its role is looked up in the policy files the
deploy wrote. Elsewhere (the CLI, the tests: the account's root) nothing is checked. A function of no
deployed stack, or a call the check cannot translate or evaluate, is refused too, saying what to do: an
unchecked call would pass here and might not on AWS.
"""

from __future__ import annotations

import os
from pathlib import Path

from ticketflow_parity.checks import Call, Refusal
from ticketflow_parity.iam import POLICIES_VARIABLE
from ticketflow_parity.iam.actions import UnmappedCallError, intents
from ticketflow_parity.iam.conditions import UnknownOperatorError, UnmodeledKeyError
from ticketflow_parity.iam.deployed import PolicyFolder, StackPolicies, Verdict
from ticketflow_parity.iam.recording import Recorder, record_of

FUNCTION_VARIABLE = "AWS_LAMBDA_FUNCTION_NAME"
# Each service's code and status for a denial (their API references); AccessDeniedException elsewhere.
_DENIAL: dict[str, tuple[str, int]] = {
    "s3": ("AccessDenied", 403),
    "sqs": ("AccessDenied", 403),
    "sns": ("AuthorizationError", 403),
    "cloudwatch": ("AccessDenied", 403),
    "lambda": ("AccessDeniedException", 403),
    "bedrock-runtime": ("AccessDeniedException", 403),
}
UNCHECKED = "TicketflowIamUnchecked"  # the check's own refusal: it cannot say what AWS would answer


class _State:
    """The folder's policies and the recorder: one each per process, made on the first call."""

    def __init__(self, folder: Path) -> None:
        self.policies = PolicyFolder(folder)
        self.recorder = Recorder(folder)


_states: dict[str, _State] = {}


def _state(folder: str) -> _State:
    state = _states.get(folder)
    if state is None:
        state = _states[folder] = _State(Path(folder))
    return state


class _CannotCheckError(Exception):
    pass


def _verdicts(call: Call, stack: StackPolicies, role_id: str, function: str) -> list[Verdict]:
    service, operation = call.service.service_name, call.operation.name
    try:
        wanted = intents(service, operation, call.params, stack.target)
        return [stack.decide(role_id, function, intent) for intent in wanted]
    except UnmappedCallError as error:
        raise _CannotCheckError(f"cannot tell what AWS authorises {error}") from error
    except UnmodeledKeyError as error:
        raise _CannotCheckError(
            f"cannot evaluate {service}.{operation}: a condition in its policies uses {error.key},"
            " whose value on AWS it does not know (ticketflow_parity/iam/evaluation.py)"
        ) from error
    except UnknownOperatorError as error:
        raise _CannotCheckError(f"does not know the condition operator {error}") from error


def check_iam(call: Call) -> Refusal | None:
    folder, function = os.environ.get(POLICIES_VARIABLE), os.environ.get(FUNCTION_VARIABLE)
    if not folder or not function:
        return None
    state = _state(folder)
    found = state.policies.for_function(function)
    if found is None:
        return Refusal(
            UNCHECKED,
            f"ticketflow's IAM check has no policies for function {function} (in {folder}): deploy the stack"
            " with `ticketflow deploy`, which writes them",
        )
    stack, role_id = found
    try:
        verdicts = _verdicts(call, stack, role_id, function)
    except _CannotCheckError as error:
        return Refusal(UNCHECKED, f"ticketflow's IAM check {error}")
    stamp = state.policies.changed()
    if state.recorder.recording(stamp):
        for verdict in verdicts:
            state.recorder.record(record_of(verdict, stack, function, "function"), stamp)
    denied = next((v for v in verdicts if not v.decision.allowed), None)
    if denied is None:
        return None
    code, status = _DENIAL.get(call.service.service_name, ("AccessDeniedException", 400))
    return Refusal(code, denied.decision.message(denied.request), status)
