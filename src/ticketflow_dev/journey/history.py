"""An execution's history events → the execution's span, one span per state, its failed attempts and the
notification it published.

Events are matched to their state by `previousEventId` where the history has it (AWS: parallel branches
interleave), else to the innermost open state (MiniStack: simplified history, no TaskStarted, and no
StateEntered for a Parallel's branch states; those are named from the definition by their resource).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ticketflow_dev.journey.model import Span

_EXECUTION_ENDS = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionAborted": "ABORTED",
}
_TASK_ENDS = {"TaskSucceeded": "ok", "TaskFailed": "error", "TaskTimedOut": "error"}


@dataclass
class _Attempt:
    scheduled: datetime
    resource: str
    started: datetime | None = None
    ended: datetime | None = None
    outcome: str | None = None  # ok | error, None while running
    error: str | None = None
    cause: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "scheduled": self.scheduled.isoformat(),
            "ended": None if self.ended is None else self.ended.isoformat(),
            "outcome": self.outcome,
            "error": self.error,
            "cause": self.cause,
        }


@dataclass
class _Open:
    name: str
    kind: str  # Task, Pass, Parallel, Choice, Fail, Succeed, ...
    entered: datetime
    implicit: bool = False  # a branch task the history never entered (MiniStack)
    attempts: list[_Attempt] = field(default_factory=list)
    branch_tasks_used: set[str] = field(default_factory=set)


def _details(event: dict[str, Any]) -> dict[str, Any]:
    found: Any = next((value for key, value in event.items() if key.endswith("EventDetails")), {})
    return found if isinstance(found, dict) else {}


def _states(definition: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Every state of the definition by name, those inside Parallel branches and Maps too."""
    found: dict[str, dict[str, Any]] = {}

    def walk(machine: dict[str, Any]) -> None:
        for name, state in machine.get("States", {}).items():
            found[name] = state
            for branch in state.get("Branches", []):
                walk(branch)
            for key in ("Iterator", "ItemProcessor"):
                if key in state:
                    walk(state[key])

    if definition:
        walk(definition)
    return found


@dataclass(frozen=True)
class ExecutionTimeline:
    spans: list[Span]
    status: str | None  # SUCCEEDED | FAILED | ... ; RUNNING when no end event; None when no events


class _Walker:
    def __init__(self, definition: dict[str, Any] | None, execution_arn: str | None) -> None:
        self._states = _states(definition)
        self._arn = execution_arn
        self._open: list[_Open] = []
        self._owner: dict[int, _Open] = {}
        self.spans: list[Span] = []
        self.started: datetime | None = None
        self.ended: datetime | None = None
        self.status: str | None = None
        self.end_detail: dict[str, Any] = {}

    def event(self, event: dict[str, Any]) -> None:
        kind: str = event["type"]
        at: datetime = event["timestamp"]
        details = _details(event)
        if kind == "ExecutionStarted":
            self.started = at
        elif kind in _EXECUTION_ENDS:
            self.ended, self.status = at, _EXECUTION_ENDS[kind]
            self.end_detail = {k: details[k] for k in ("error", "cause") if details.get(k)}
        elif kind.endswith("StateEntered"):
            state = _Open(details.get("name", "?"), kind.removesuffix("StateEntered"), at)
            self._open.append(state)
            self._owner[event.get("id", -1)] = state
        elif kind.endswith("StateExited"):
            self._exit(details.get("name", "?"), at)
        elif kind == "TaskScheduled":
            owner = self._task_owner(event, details.get("resource", ""), at)
            owner.attempts.append(_Attempt(at, details.get("resource", "")))
            self._owner[event.get("id", -1)] = owner
        elif kind == "TaskStarted" or kind in _TASK_ENDS:
            self._task_event(event, kind, at, details)

    def _owner_of(self, event: dict[str, Any]) -> _Open | None:
        previous = event.get("previousEventId")
        if previous in self._owner:
            return self._owner[previous]
        return self._open[-1] if self._open else None

    def _task_owner(self, event: dict[str, Any], resource: str, at: datetime) -> _Open:
        previous = event.get("previousEventId")
        if previous in self._owner:
            return self._owner[previous]
        owner = self._open[-1] if self._open else None
        if owner is not None and owner.kind != "Parallel":
            return owner
        # A branch task without its StateEntered: named from the definition, by its resource.
        name = self._branch_task(owner, resource) if owner else resource.rsplit(":::", 1)[-1]
        task = _Open(name, "Task", at, implicit=True)
        self._open.append(task)
        return task

    def _branch_task(self, parallel: _Open, resource: str) -> str:
        state = self._states.get(parallel.name, {})
        for branch in state.get("Branches", []):
            for name, inner in branch.get("States", {}).items():
                if inner.get("Resource") == resource and name not in parallel.branch_tasks_used:
                    parallel.branch_tasks_used.add(name)
                    return str(name)
        return f"{parallel.name}: {resource.rsplit(':::', 1)[-1]}"

    def _task_event(self, event: dict[str, Any], kind: str, at: datetime, details: dict[str, Any]) -> None:
        owner = self._owner_of(event)
        if owner is None or not owner.attempts:
            return
        self._owner[event.get("id", -1)] = owner
        attempt = owner.attempts[-1]
        if kind == "TaskStarted":
            attempt.started = at
            return
        attempt.ended, attempt.outcome = at, _TASK_ENDS[kind]
        attempt.error, attempt.cause = details.get("error"), details.get("cause")
        if kind == "TaskSucceeded" and "sns:publish" in attempt.resource:
            self._notification(owner, at, details)
        if owner.implicit and kind == "TaskSucceeded":
            self._exit(owner.name, at)

    def _notification(self, owner: _Open, at: datetime, details: dict[str, Any]) -> None:
        try:
            output = json.loads(details.get("output") or "{}")
        except ValueError:
            output = {}
        message_id = output.get("MessageId") if isinstance(output, dict) else None
        self.spans.append(
            Span("sns", "notification", at, None, "ok", {"message_id": message_id, "state": owner.name})
        )

    def _exit(self, name: str, at: datetime) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].name == name:
                # Implicit branch tasks still open above it end with it; entered siblings (AWS) stay open.
                closing = [self._open[index], *(s for s in self._open[index + 1 :] if s.implicit)]
                for state in reversed(closing):
                    self.spans.append(self._state_span(state, at))
                self._open = [s for s in self._open if s not in closing]
                return

    def _state_span(self, state: _Open, ended: datetime | None) -> Span:
        failed = [a for a in state.attempts if a.outcome == "error"]
        last = state.attempts[-1] if state.attempts else None
        if state.kind == "Fail" or (last is not None and last.outcome == "error"):
            outcome = "error"
        else:
            outcome = "retry" if failed else "ok"
        definition = self._states.get(state.name, {})
        detail: dict[str, Any] = {
            "type": state.kind,
            "attempts": [a.as_json() for a in state.attempts],
            "retries": max(0, len(state.attempts) - 1),
        }
        if function := definition.get("Parameters", {}).get("FunctionName"):
            detail["function"] = str(function).rsplit(":", 1)[-1]
        if last is not None and last.error:
            detail |= {"error": last.error, "cause": last.cause}
        return Span("stepfunctions", state.name, state.entered, ended, outcome, detail)

    def attempt_spans(self) -> list[Span]:
        """One span per failed attempt: `retry` when another attempt followed, `error` for the last."""
        found = []
        for span in [s for s in self.spans if s.service == "stepfunctions"]:
            attempts = span.detail.get("attempts", [])
            for number, attempt in enumerate(attempts, start=1):
                if attempt["outcome"] != "error":
                    continue
                outcome = "retry" if number < len(attempts) else "error"
                found.append(
                    Span(
                        "stepfunctions",
                        f"{span.name} attempt {number}",
                        datetime.fromisoformat(attempt["scheduled"]),
                        datetime.fromisoformat(attempt["ended"]) if attempt["ended"] else None,
                        outcome,
                        {"state": span.name, "error": attempt["error"], "cause": attempt["cause"]},
                    )
                )
        return found

    def finish(self) -> ExecutionTimeline:
        if self.started is None:
            return ExecutionTimeline(self.spans, None)
        for state in reversed(self._open):  # still running, or a Fail state (it never exits)
            self.spans.append(self._state_span(state, self.ended))
        self._open.clear()
        status = self.status or "RUNNING"
        outcome = "ok" if status in ("SUCCEEDED", "RUNNING") else "error"
        detail = {"status": status, "execution_arn": self._arn, **self.end_detail}
        execution = Span("stepfunctions", "execution", self.started, self.ended, outcome, detail)
        # In the order the states were entered (each span was made when its state exited).
        states = sorted(self.spans, key=lambda span: span.started)
        return ExecutionTimeline([execution, *states, *self.attempt_spans()], status)


def execution_timeline(
    events: list[dict[str, Any]], definition: dict[str, Any] | None, execution_arn: str | None = None
) -> ExecutionTimeline:
    """The spans of one execution from its history events, in whatever order they were read."""
    walker = _Walker(definition, execution_arn)
    for event in sorted(events, key=lambda e: (e.get("id", 0), e["timestamp"])):
        walker.event(event)
    return walker.finish()
