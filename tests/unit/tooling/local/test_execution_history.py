"""Compacting the emulator's saved Step Functions state: the newest finished executions, every running one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ticketflow_dev.local.execution_history import STATE_FILE, compact_saved_executions


def _saved(executions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The file as MiniStack 1.5.33 writes it: a versioned wrapper around account/region-scoped maps."""
    scoped = {f"000000000000\x00us-east-1\x00{name!r}": e for name, e in executions.items()}
    payload = {"state_machines": {"sm": 1}, "executions": {"__account_region_scoped__": True, "data": scoped}}
    return {"__ministack_format__": 2, "payload": payload}


def _execution(status: str, stop: str | None) -> dict[str, Any]:
    return {"status": status, "stopDate": stop, "events": [{"id": 1, "type": "ExecutionStarted"}]}


def test_keeps_the_newest_finished_and_every_running_execution(tmp_path: Path) -> None:
    # GIVEN three finished executions and one running one
    executions = {
        "old": _execution("SUCCEEDED", "2026-12-01T10:00:00.000Z"),
        "newest": _execution("FAILED", "2026-12-01T12:00:00.000Z"),
        "middle": _execution("SUCCEEDED", "2026-12-01T11:00:00.000Z"),
        "running": _execution("RUNNING", None),
    }
    (tmp_path / STATE_FILE).write_text(json.dumps(_saved(executions)), encoding="utf-8")

    # WHEN compacted to two
    result = compact_saved_executions(tmp_path, keep=2)

    # THEN the oldest finished one is gone, the rest of the state is as it was, and the file shrank
    saved = json.loads((tmp_path / STATE_FILE).read_text(encoding="utf-8"))
    kept = {key.rsplit("\x00", 1)[1] for key in saved["payload"]["executions"]["data"]}
    assert kept == {"'newest'", "'middle'", "'running'"}
    assert saved["payload"]["state_machines"] == {"sm": 1}
    assert saved["__ministack_format__"] == 2
    assert (result.kept, result.dropped) == (3, 1)
    assert result.bytes_after < result.bytes_before


def test_nothing_to_drop_leaves_the_file_alone(tmp_path: Path) -> None:
    # GIVEN one finished execution
    path = tmp_path / STATE_FILE
    path.write_text(
        json.dumps(_saved({"a": _execution("SUCCEEDED", "2026-12-01T10:00:00Z")})), encoding="utf-8"
    )
    written = path.stat().st_mtime_ns

    # WHEN compacted to more than there are
    result = compact_saved_executions(tmp_path, keep=5)

    # THEN the file is not rewritten
    assert (result.kept, result.dropped) == (1, 0)
    assert path.stat().st_mtime_ns == written


def test_no_saved_state_is_not_an_error(tmp_path: Path) -> None:
    assert compact_saved_executions(tmp_path).dropped == 0


def test_a_negative_keep_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="zero or more"):
        compact_saved_executions(tmp_path, keep=-1)
