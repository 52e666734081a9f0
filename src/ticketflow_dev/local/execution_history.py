"""Keeps the emulator's saved Step Functions history bounded: the newest finished executions, the running.

MiniStack keeps every execution with all its events in memory for ever (no retention setting, no
DeleteExecution) and writes them all to `stepfunctions.json` when it stops; the next start loads them back.
AWS keeps a standard workflow's history for 90 days and then drops it. This trims the saved file, while the
emulator is stopped, to the newest `keep` finished executions, so a long-lived local stack starts with a
bounded history. Tickets are never touched: they live in the table and the archive, not in executions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ticketflow_dev.local.saved_state import Compaction, check_keep, compact_file, scoped_map

STATE_FILE = "stepfunctions.json"
KEEP_EXECUTIONS = 2000  # ~34 KB each since #14's smaller machine: about 70 MB at most


def compact_saved_executions(state_dir: Path, *, keep: int = KEEP_EXECUTIONS) -> Compaction:
    """Drops all but the newest `keep` finished executions from `state_dir`'s saved Step Functions state."""
    check_keep(keep, "executions")

    def trim(document: dict[str, Any]) -> tuple[int, int]:
        executions = scoped_map(document, "executions")
        finished = [key for key, execution in executions.items() if execution.get("status") != "RUNNING"]
        # ISO-8601 stop dates of one writer sort as text.
        finished.sort(key=lambda key: str(executions[key].get("stopDate") or ""), reverse=True)
        dropped = finished[keep:]
        for key in dropped:
            del executions[key]
        return len(executions), len(dropped)

    return compact_file(state_dir / STATE_FILE, trim)
