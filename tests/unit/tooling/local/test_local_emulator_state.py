"""The emulator's saved state: following a save, recording it, and what a crash of the emulator lost."""

from __future__ import annotations

import json
import os
import time
from functools import partial
from pathlib import Path

import pytest

from ticketflow_dev.local import emulator as emulator_module
from ticketflow_dev.local.emulator import EmulatorService
from ticketflow_dev.local.emulator_state import SavedState, last_save, record_save, save_progress
from ticketflow_dev.local.execution_history import STATE_FILE, compact_saved_executions
from ticketflow_dev.local.log_history import STATE_FILE as LOGS_FILE
from ticketflow_dev.local.log_history import compact_saved_logs
from ticketflow_infra.settings import Settings


def write(path: Path, size: int, mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    os.utime(path, (mtime, mtime))


def test_save_progress_counts_the_files_saved_since_the_stop_and_the_one_in_progress(tmp_path: Path) -> None:
    # GIVEN a state folder with a file from the last run, two saved since the stop, and one being written
    stop = time.time()
    write(tmp_path / "old.json", 10, stop - 60)
    write(tmp_path / "s3.json", 1024 * 1024, stop + 1)
    write(tmp_path / "sqs.json", 1024 * 1024, stop + 2)
    write(tmp_path / "stepfunctions.json.tmp", 3 * 1024 * 1024, stop + 3)

    # WHEN its progress is described (for this process, alive)
    progress = save_progress(tmp_path, stop, os.getpid())

    # THEN it names what was written since the stop, the file in progress and its size
    assert progress.done == (2, 2 * 1024 * 1024, (("stepfunctions.json.tmp", 3 * 1024 * 1024),))
    assert progress.text.startswith(
        "saving its state: 2 files (2.0 MB) written, writing stepfunctions.json (3.0 MB so far), cpu "
    )


def test_a_recorded_save_is_read_back(tmp_path: Path) -> None:
    # GIVEN two saved files
    write(tmp_path / "state" / "a.json", 100, time.time())
    write(tmp_path / "state" / "b.json", 50, time.time())

    # WHEN the save is recorded
    before = time.time()
    saved = record_save(tmp_path / "saved.json", tmp_path / "state")

    # THEN the record says how much and when; no record means never saved
    assert (saved.files, saved.bytes) == (2, 150)
    recorded = last_save(tmp_path / "saved.json")
    assert recorded is not None
    assert before <= recorded <= time.time()
    assert last_save(tmp_path / "missing.json") is None
    assert SavedState.of(tmp_path / "nowhere") == SavedState(0, 0, None)


@pytest.fixture
def emulator(tmp_path: Path) -> EmulatorService:
    return EmulatorService(Settings(home=tmp_path), inherited_env={})


def test_an_emulator_that_died_unsaved_lost_everything_since_its_start(emulator: EmulatorService) -> None:
    # GIVEN state saved (and recorded) before the process started
    started = time.time()
    write(emulator.state_dir / "dynamodb.json", 10, started - 30)
    record_save(emulator.saved_record, emulator.state_dir)
    os.utime(emulator.saved_record, (started - 30, started - 30))

    # WHEN its crash is described
    crash = emulator.crash(4242, started)

    # THEN it lost its state, and the summary says since when and from which save it restarts
    assert crash.lost_state
    assert "everything it did since it started at" in crash.summary
    assert "it restarts from its last save at" in crash.summary


def test_an_emulator_that_saved_on_its_way_out_lost_nothing(emulator: EmulatorService) -> None:
    # GIVEN a process started, and a save completed after that (someone else stopped it cleanly)
    started = time.time() - 60
    write(emulator.state_dir / "dynamodb.json", 10, started + 30)

    # WHEN / THEN
    crash = emulator.crash(4242, started)
    assert not crash.lost_state
    assert crash.summary == "it saved its state on its way out"


def test_an_emulator_killed_mid_save_lost_its_state(emulator: EmulatorService) -> None:
    # GIVEN one file saved after the start and another cut short (its .tmp left behind)
    started = time.time() - 60
    write(emulator.state_dir / "dynamodb.json", 10, started + 30)
    write(emulator.state_dir / "stepfunctions.json.tmp", 10, started + 31)

    # WHEN / THEN
    crash = emulator.crash(4242, started)
    assert crash.lost_state
    assert "empty (never saved)" in crash.summary


def test_a_clean_stop_bounds_the_saved_execution_history_before_recording_the_save(
    emulator: EmulatorService, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a saved Step Functions state with three finished executions, and room for two
    monkeypatch.setattr(
        emulator_module, "compact_saved_executions", partial(compact_saved_executions, keep=2)
    )
    executions = {
        f"000000000000\x00us-east-1\x00'{name}'": {"status": "SUCCEEDED", "stopDate": stop, "events": []}
        for name, stop in [
            ("a", "2026-12-01T10:00:00Z"),
            ("b", "2026-12-01T11:00:00Z"),
            ("c", "2026-12-01T12:00:00Z"),
        ]
    }
    saved = {
        "__ministack_format__": 2,
        "payload": {"executions": {"__account_region_scoped__": True, "data": executions}},
    }
    emulator.state_dir.mkdir(parents=True)
    (emulator.state_dir / STATE_FILE).write_text(json.dumps(saved), encoding="utf-8")
    lines: list[str] = []

    # WHEN the emulator has stopped cleanly
    emulator.after_clean_stop(lines.append)

    # THEN the oldest execution is gone, the user is told, and the record describes the compacted file
    kept = json.loads((emulator.state_dir / STATE_FILE).read_text(encoding="utf-8"))["payload"]["executions"][
        "data"
    ]
    assert sorted(key.rsplit("\x00", 1)[1] for key in kept) == ["'b'", "'c'"]
    assert any("executions' history, dropped 1 older" in line for line in lines)
    assert last_save(emulator.saved_record) is not None
    assert SavedState.of(emulator.state_dir).bytes == (emulator.state_dir / STATE_FILE).stat().st_size


def test_a_clean_stop_bounds_the_saved_logs_too(
    emulator: EmulatorService, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a saved log group of two streams, and room for one
    monkeypatch.setattr(emulator_module, "compact_saved_logs", partial(compact_saved_logs, keep=1))
    streams = {
        name: {"events": [], "creationTime": at, "lastEventTimestamp": at}
        for name, at in [("a", 1), ("b", 2)]
    }
    groups = {"000000000000\x00us-east-1\x00'/aws/lambda/f'": {"streams": streams}}
    saved = {"__ministack_format__": 3, "payload": {"log_groups": {"data": groups}}}
    emulator.state_dir.mkdir(parents=True)
    (emulator.state_dir / LOGS_FILE).write_text(json.dumps(saved), encoding="utf-8")
    lines: list[str] = []

    # WHEN the emulator has stopped cleanly
    emulator.after_clean_stop(lines.append)

    # THEN the older stream is gone, and the user is told
    [group] = json.loads((emulator.state_dir / LOGS_FILE).read_text(encoding="utf-8"))["payload"][
        "log_groups"
    ]["data"].values()
    assert list(group["streams"]) == ["b"]
    assert any("log streams, dropped 1 older" in line for line in lines)
