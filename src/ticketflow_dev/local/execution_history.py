"""Keeps the emulator's saved Step Functions history bounded: the newest finished executions, the running.

MiniStack keeps every execution with all its events in memory for ever (no retention setting, no
DeleteExecution) and writes them all to `stepfunctions.json` when it stops; the next start loads them back.
AWS keeps a standard workflow's history for 90 days and then drops it. This trims the saved file, while the
emulator is stopped, to the newest `keep` finished executions, so a long-lived local stack starts with a
bounded history. Tickets are never touched: they live in the table and the archive, not in executions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATE_FILE = "stepfunctions.json"
KEEP_EXECUTIONS = 2000  # ~66 KB each before #14's smaller machine: about 130 MB at most


@dataclass(frozen=True)
class Compaction:
    kept: int
    dropped: int
    bytes_before: int
    bytes_after: int


def compact_saved_executions(state_dir: Path, *, keep: int = KEEP_EXECUTIONS) -> Compaction:
    """Drops all but the newest `keep` finished executions from `state_dir`'s saved Step Functions state.

    Call it only while the emulator is stopped: a running one overwrites the file when it stops.
    """
    if keep < 0:
        raise ValueError(f"keep must be zero or more executions, got {keep}")
    path = state_dir / STATE_FILE
    if not path.is_file():
        return Compaction(0, 0, 0, 0)
    before = path.stat().st_size
    document = json.loads(path.read_text(encoding="utf-8"))
    executions = _executions(document)
    finished = [key for key, execution in executions.items() if execution.get("status") != "RUNNING"]
    # ISO-8601 stop dates of one writer sort as text.
    finished.sort(key=lambda key: str(executions[key].get("stopDate") or ""), reverse=True)
    dropped = finished[keep:]
    if not dropped:
        return Compaction(len(executions), 0, before, before)
    for key in dropped:
        del executions[key]
    temporary = path.with_suffix(".json.compacting")
    temporary.write_text(json.dumps(document), encoding="utf-8")
    temporary.replace(path)  # a crash mid-write leaves the old file whole
    return Compaction(len(executions), len(dropped), before, path.stat().st_size)


def _executions(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The scoped executions map, in the versioned wrapper (`payload`) or a legacy file without it."""
    payload = document.get("payload", document) if "__ministack_format__" in document else document
    scoped = payload.get("executions") or {}
    data: dict[str, dict[str, Any]] = scoped.get("data", {}) if isinstance(scoped, dict) else {}
    return data
