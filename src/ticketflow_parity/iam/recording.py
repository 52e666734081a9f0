"""The IAM requests of an e2e run, recorded for the mutation check: by role and logical id, so that two runs
(or two stacks deployed from one template) record the same lines.

An e2e session starts a recording by writing `RUN_FILE` (its run id) into the policy folder; while it is
there, every process that checks a request appends the requests it has not seen yet this run to
`calls-<run>.jsonl` (one line each, O_APPEND: whole lines from many processes).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ticketflow_parity.iam.conditions import ContextValue
from ticketflow_parity.iam.deployed import StackPolicies, Verdict

RUN_FILE = "recording.run"
# Placeholders without colons: an ARN is split at them.
ACCOUNT = "<account>"
REGION = "<region>"
# What varies from call to call inside a resource that one grant covers: an object's key below its first
# folder, a log stream's name, an execution's name.
_VARYING = (
    (re.compile(r"^(arn:[^:]+:s3:::[^/]+/)([^/]+/)?.+$"), r"\1\2<key>"),
    (re.compile(r"^(arn:.*:log-stream:).+$"), r"\1<stream>"),
    (re.compile(r"^(arn:[^:]+:states:[^:]*:[^:]*:execution:[^:]+:).+$"), r"\1<name>"),
)


def calls_file(folder: Path, run: str) -> Path:
    return folder / f"calls-{run}.jsonl"


@dataclass(frozen=True)
class Recorded:
    """One request as recorded: who (the role's and the caller's logical ids), what, on what, with what."""

    role: str
    caller: str
    source: str  # "function" (checked in flight), "state-machine", "service" (AWS on the role's behalf)
    action: str
    resource: str
    context: Mapping[str, ContextValue | None]
    via_service: bool = False

    def key(self) -> str:
        return json.dumps(
            [
                self.role,
                self.caller,
                self.source,
                self.action,
                self.resource,
                dict(self.context),
                self.via_service,
            ],
            sort_keys=True,
        )

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "role": self.role,
            "caller": self.caller,
            "source": self.source,
            "action": self.action,
            "resource": self.resource,
            "context": dict(sorted(self.context.items())),
        }
        if self.via_service:
            data["via_service"] = True
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Recorded:
        return cls(
            data["role"],
            data["caller"],
            data["source"],
            data["action"],
            data["resource"],
            {k: tuple(v) if isinstance(v, list) else v for k, v in data.get("context", {}).items()},
            bool(data.get("via_service", False)),
        )


def rename(text: str, names: Iterable[tuple[str, str]], account: str, region: str) -> str:
    """Physical names to `<LogicalId>` (`names`: longest first, so that a name inside another waits), the
    account and the Region (in an ARN, or alone) to placeholders."""
    for physical, logical in names:
        text = text.replace(physical, f"<{logical}>")
    if text in (account, region):
        return ACCOUNT if text == account else REGION
    return text.replace(f":{region}:", f":{REGION}:").replace(f":{account}:", f":{ACCOUNT}:")


def normalise(text: str, stack: StackPolicies) -> str:
    """`rename`, then what varies from call to call (an object's key, a stream's name) to its kind."""
    text = rename(text, stack.longest_names_first, stack.account, stack.region)
    for pattern, replacement in _VARYING:
        text = pattern.sub(replacement, text)
    return text


def _normalised_value(value: ContextValue | None, stack: StackPolicies) -> ContextValue | None:
    if isinstance(value, str):
        return normalise(value, stack)
    if isinstance(value, tuple):
        return tuple(normalise(v, stack) for v in value)
    return value


def record_of(verdict: Verdict, stack: StackPolicies, caller: str, source: str) -> Recorded:
    request = verdict.request
    context = {key: _normalised_value(value, stack) for key, value in request.context.items()}
    return Recorded(
        verdict.role.logical_id,
        normalise(caller, stack),
        source,
        request.action,
        normalise(request.resource, stack),
        context,
        request.via_service,
    )


class Recorder:
    """Appends each request not yet recorded this run; a no-op while no run is being recorded."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._run: str | None = None
        self._stamp: int | None = None
        self._seen: set[str] = set()

    def _current_run(self, stamp: int | None) -> str | None:
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                run = (self.folder / RUN_FILE).read_text(encoding="utf-8").strip() or None
            except FileNotFoundError:
                run = None
            if run != self._run:
                self._run, self._seen = run, set()
        return self._run

    def recording(self, stamp: int | None) -> bool:
        """Whether a run records now. `stamp`: the policy folder's, as last read (it changes when a run
        starts or stops)."""
        return self._current_run(stamp) is not None

    def record(self, entry: Recorded, stamp: int | None) -> None:
        run = self._current_run(stamp)
        if run is None:
            return
        key = entry.key()
        if key in self._seen:
            return
        self._seen.add(key)
        line = (json.dumps(entry.as_json(), sort_keys=True) + "\n").encode("utf-8")
        descriptor = os.open(calls_file(self.folder, run), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, line)
        finally:
            os.close(descriptor)
