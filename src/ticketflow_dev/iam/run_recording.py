"""An e2e session's recording of the IAM requests, and its comparison with the committed one
(tests/recordings/iam_calls.json), which the mutation check in `make test` reads offline."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ticketflow_infra.paths import REPO_ROOT
from ticketflow_parity.iam.recording import RUN_FILE, Recorded, calls_file

COMMITTED = REPO_ROOT / "tests" / "recordings" / "iam_calls.json"
REFRESH_TARGET = "make iam-recording"


@dataclass(frozen=True)
class RunRecording:
    folder: Path
    run: str
    started: datetime  # what the state machine ran before it is not this run's

    @classmethod
    def start(cls, folder: Path) -> RunRecording:
        """Every function's check records from now on: the calls file first, then the run file renamed into
        place (the folder changes once, and each process resets what it has seen)."""
        folder.mkdir(parents=True, exist_ok=True)
        recording = cls(folder, uuid.uuid4().hex[:12], datetime.now(UTC))
        calls_file(folder, recording.run).touch()
        partial = folder / f"{RUN_FILE}.partial"
        partial.write_text(recording.run, encoding="utf-8")
        partial.replace(folder / RUN_FILE)
        return recording

    def stop(self) -> None:
        (self.folder / RUN_FILE).unlink(missing_ok=True)

    def discard(self) -> None:
        """The run's calls file removed, once read (one a session would otherwise pile up)."""
        calls_file(self.folder, self.run).unlink(missing_ok=True)

    def function_calls(self) -> list[Recorded]:
        lines = calls_file(self.folder, self.run).read_text(encoding="utf-8").splitlines()
        return unique(Recorded.from_json(json.loads(line)) for line in lines if line.strip())


def unique(records: Iterable[Recorded]) -> list[Recorded]:
    by_key = {record.key(): record for record in records}
    return [by_key[key] for key in sorted(by_key)]


def read_committed(path: Path = COMMITTED) -> list[Recorded]:
    """The committed recording; none yet reads as empty (every request then differs)."""
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [Recorded.from_json(entry) for entry in data["calls"]]


def write_committed(records: Iterable[Recorded], path: Path = COMMITTED) -> None:
    data = {
        "about": (
            "The IAM requests one full e2e run made, by role and logical id (docs/iam.md). Written by"
            f" `{REFRESH_TARGET}`; the mutation check (tests/unit/tooling/iam) reads it."
        ),
        "calls": [record.as_json() for record in unique(records)],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _lines(records: Iterable[Recorded]) -> list[str]:
    return [f"  {r.source} {r.caller} as {r.role}: {r.action} on {r.resource}" for r in records]


def differences(run: Iterable[Recorded], committed: Iterable[Recorded], *, complete: bool) -> str | None:
    """What differs, for the developer: new requests always; requests no longer made when the run was the
    whole e2e tier (a partial run makes fewer). None when the recording stands."""
    made = {record.key(): record for record in run}
    recorded = {record.key(): record for record in committed}
    new = [made[key] for key in sorted(made.keys() - recorded.keys())]
    gone = [recorded[key] for key in sorted(recorded.keys() - made.keys())] if complete else []
    if not new and not gone:
        return None
    parts = [f"The IAM requests of this run differ from {COMMITTED.relative_to(REPO_ROOT)}:"]
    if new:
        parts += ["made now, not in the recording:", *_lines(new)]
    if gone:
        parts += ["in the recording, not made by this whole e2e run:", *_lines(gone)]
    parts.append(f"If the change is meant, refresh the recording with `{REFRESH_TARGET}` and commit it.")
    return "\n".join(parts)
