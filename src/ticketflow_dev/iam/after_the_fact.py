"""The requests no client plugin sees, checked at the end of an e2e session against the same policies: the
state machine's tasks (the emulator runs them in-process) and AWS's own calls with the stack's roles."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ticketflow_dev.iam.intrinsics import Resolver
from ticketflow_dev.iam.services import ServiceCall, event_source_calls, log_calls, state_machine_calls
from ticketflow_dev.iam.state_machine import definition_of, entered_tasks, task_calls, task_states
from ticketflow_parity.iam.deployed import StackPolicies, Verdict
from ticketflow_parity.iam.recording import Recorded, record_of

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


@dataclass(frozen=True)
class Checked:
    """One request checked after the fact: its record, and AWS's denial if it would be denied."""

    record: Recorded
    verdict: Verdict
    where: str  # the state, or why the service calls

    def denial(self) -> str | None:
        if self.verdict.decision.allowed:
            return None
        who = f"{self.record.source} {self.record.caller} (role {self.verdict.role.arn}), {self.where}"
        return f"{who}: {self.verdict.decision.message(self.verdict.request)}"


def topic_keys(resolver: Resolver) -> dict[str, str]:
    """Each topic's ARN → the ARN of the KMS key it is encrypted with."""
    keys: dict[str, str] = {}
    for logical_id, resource in resolver.resources.items():
        key = resource.get("Properties", {}).get("KmsMasterKeyId")
        if resource["Type"] == "AWS::SNS::Topic" and key is not None:
            arn = str(resolver.resolve(key))
            keys[resolver.physical_id(logical_id)] = (
                arn if arn.startswith("arn:") else resolver.env.arn("kms", f"key/{arn}")
            )
    return keys


def _histories(sfn: SFNClient, machine: str, since: datetime) -> Iterator[list[Mapping[str, Any]]]:
    """The histories of the executions started since `since` (ListExecutions lists the newest first)."""
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine):
        for execution in page["executions"]:
            if execution["startDate"] < since:
                return
            events: list[Mapping[str, Any]] = []
            history = sfn.get_paginator("get_execution_history").paginate(
                executionArn=execution["executionArn"], includeExecutionData=False
            )
            for history_page in history:
                events.extend(history_page["events"])
            yield events


@dataclass
class _Run:
    stack: StackPolicies
    resolver: Resolver
    checked: list[Checked]
    executed: set[str]
    invoked: set[str]
    since: datetime


def _state_machines(run: _Run, sfn: SFNClient) -> None:
    keys = topic_keys(run.resolver)
    for machine, role in run.stack.state_machines.items():
        definition = definition_of(sfn.describe_state_machine(stateMachineArn=machine))
        tasks = task_states(definition)
        histories = _histories(sfn, machine, run.since)
        first = next(histories, None)
        if first is None:
            continue
        run.executed.add(machine)
        entered = entered_tasks(_chain([first], histories), tasks)
        name = machine.rsplit(":", 1)[-1]
        for state in sorted(entered):
            for call in task_calls(state, tasks[state], run.stack.target, keys):
                verdict = run.stack.decide(role, name, call.intent, via_service=call.via_service)
                run.checked.append(
                    Checked(record_of(verdict, run.stack, machine, "state-machine"), verdict, state)
                )
                if call.intent.action == "lambda:InvokeFunction":
                    run.invoked.add(call.intent.resource.rsplit(":function:", 1)[-1].split(":")[0])


def _chain(*parts: Iterable[list[Mapping[str, Any]]]) -> Iterator[list[Mapping[str, Any]]]:
    for part in parts:
        yield from part


def _services(run: _Run) -> None:
    calls: list[ServiceCall] = [
        *event_source_calls(run.resolver),
        *log_calls(run.resolver, run.invoked),
        *state_machine_calls(run.resolver, run.executed),
    ]
    for call in calls:
        role = run.stack.functions.get(call.caller) or run.stack.state_machines[call.caller]
        session = call.caller.rsplit(":", 1)[-1]
        verdict = run.stack.decide(role, session, call.intent)
        run.checked.append(Checked(record_of(verdict, run.stack, call.caller, "service"), verdict, call.why))


def check_after_the_fact(
    stack: StackPolicies,
    resolver: Resolver,
    sfn: SFNClient,
    invoked_functions: Iterable[str],
    since: datetime,
) -> list[Checked]:
    """The tasks the state machines' executions since `since` ran, then AWS's calls for the functions
    invoked (`invoked_functions`: physical names of those that made calls of their own, plus the tasks')."""
    run = _Run(stack, resolver, [], set(), set(invoked_functions), since)
    _state_machines(run, sfn)
    _services(run)
    return run.checked
