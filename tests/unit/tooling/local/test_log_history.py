"""Compacting the emulator's saved CloudWatch Logs: each group's newest streams, the rest kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ticketflow_dev.local.log_history import STATE_FILE, compact_saved_logs


def _stream(last: int | None, created: int) -> dict[str, Any]:
    return {"events": [{"timestamp": created, "message": "START"}], "creationTime": created,
            "firstEventTimestamp": last, "lastEventTimestamp": last}  # fmt: skip


def _saved(groups: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """The file as MiniStack 1.5.33 writes it: a versioned wrapper around account/region-scoped maps."""
    scoped = {
        f"000000000000\x00us-east-1\x00{name!r}": {"arn": name, "streams": s} for name, s in groups.items()
    }
    payload = {"log_groups": {"__account_region_scoped__": True, "data": scoped}, "queries": {"q": 1}}
    return {"__ministack_format__": 3, "payload": payload}


def test_each_group_keeps_its_newest_streams(tmp_path: Path) -> None:
    # GIVEN a function's group of three streams (one never written to) and another group of one
    groups = {
        "/aws/lambda/a": {"old": _stream(100, 90), "new": _stream(300, 290), "empty": _stream(None, 200)},
        "/aws/lambda/b": {"only": _stream(50, 40)},
    }
    (tmp_path / STATE_FILE).write_text(json.dumps(_saved(groups)), encoding="utf-8")

    # WHEN compacted to two streams a group
    result = compact_saved_logs(tmp_path, keep=2)

    # THEN the oldest stream of the first group is gone (an empty one counts from its creation), the other
    # group and the rest of the state are as they were, and the file shrank
    saved = json.loads((tmp_path / STATE_FILE).read_text(encoding="utf-8"))
    kept = {g["arn"]: sorted(g["streams"]) for g in saved["payload"]["log_groups"]["data"].values()}
    assert kept == {"/aws/lambda/a": ["empty", "new"], "/aws/lambda/b": ["only"]}
    assert saved["payload"]["queries"] == {"q": 1}
    assert (result.kept, result.dropped) == (3, 1)
    assert result.bytes_after < result.bytes_before


def test_nothing_to_drop_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / STATE_FILE
    path.write_text(json.dumps(_saved({"/aws/lambda/a": {"s": _stream(1, 1)}})), encoding="utf-8")
    written = path.stat().st_mtime_ns
    assert compact_saved_logs(tmp_path, keep=1).dropped == 0
    assert path.stat().st_mtime_ns == written


def test_no_saved_logs_and_a_negative_keep(tmp_path: Path) -> None:
    assert compact_saved_logs(tmp_path).dropped == 0
    with pytest.raises(ValueError, match="zero or more log streams"):
        compact_saved_logs(tmp_path, keep=-1)
