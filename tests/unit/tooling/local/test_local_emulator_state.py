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


def mark_save(emulator: EmulatorService, pid: int, at: float) -> None:
    """What ministack_main writes once MiniStack's save has completed."""
    emulator.saves.marker.write_text(json.dumps({"pid": pid, "saved_at": at}), encoding="utf-8")


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
    assert "it restarts from its last complete save, at" in crash.summary


def test_an_emulator_that_completed_a_save_on_its_way_out_lost_nothing(emulator: EmulatorService) -> None:
    # GIVEN a process started, and its save completed after that (someone else stopped it cleanly)
    started = time.time() - 60
    write(emulator.state_dir / "dynamodb.json", 10, started + 30)
    mark_save(emulator, 4242, started + 31)

    # WHEN / THEN
    crash = emulator.crash(4242, started)
    assert not crash.lost_state
    assert crash.summary == "it saved its state on its way out"


def test_files_saved_without_the_mark_of_a_completed_save_are_a_save_cut_short(
    emulator: EmulatorService,
) -> None:
    # GIVEN files written after the start, but no mark of this process's save (killed between two files), or
    # the mark of another process
    started = time.time() - 60
    write(emulator.state_dir / "dynamodb.json", 10, started + 30)
    mark_save(emulator, 1111, started + 31)

    # WHEN / THEN
    crash = emulator.crash(4242, started)
    assert crash.lost_state
    assert "empty (never saved)" in crash.summary


def complete_save(emulator: EmulatorService, files: dict[str, bytes]) -> None:
    """A save as a clean stop leaves it: the files, kept as the last complete save, and recorded."""
    emulator.state_dir.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (emulator.state_dir / name).write_bytes(body)
    emulator.saves.adopt()


def replace_file(path: Path, body: bytes) -> None:
    """As MiniStack saves: write a .tmp, then rename it over the file."""
    path.with_name(f"{path.name}.tmp").write_bytes(body)
    path.with_name(f"{path.name}.tmp").replace(path)


def contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.json*"))}


def test_a_save_cut_short_between_two_files_is_put_back_to_the_last_complete_one(
    emulator: EmulatorService,
) -> None:
    # GIVEN a complete save, then a save killed after two of its files (one of them new) and before the rest
    complete_save(emulator, {"cloudformation.json": b"old stack", "lambda.json": b"old functions"})
    replace_file(emulator.state_dir / "cloudformation.json", b"new stack")
    (emulator.state_dir / "sqs.json").write_bytes(b"new queues")

    # WHEN the state is settled before the next start
    said = emulator.saves.settle()

    # THEN the last complete save is back, file for file, and the user is told
    assert contents(emulator.state_dir) == {
        "cloudformation.json": b"old stack",
        "lambda.json": b"old functions",
    }
    assert said is not None
    assert "cut short (cloudformation.json, sqs.json)" in said
    assert emulator.saves.settle() is None  # and it now is what was kept


def test_a_save_cut_short_in_a_file_leaves_no_tmp_and_the_older_files(emulator: EmulatorService) -> None:
    # GIVEN a complete save, then one that renamed a file and was killed while writing the next
    complete_save(emulator, {"a.json": b"a1", "b.json": b"b1"})
    replace_file(emulator.state_dir / "a.json", b"a2")
    (emulator.state_dir / "b.json.tmp").write_bytes(b"b2 cut")

    # WHEN / THEN
    assert emulator.saves.settle() is not None
    assert contents(emulator.state_dir) == {"a.json": b"a1", "b.json": b"b1"}


def test_a_save_that_completed_without_being_recorded_is_kept(emulator: EmulatorService) -> None:
    # GIVEN a complete save, then a newer one that completed (its mark written after its files) while no
    # clean stop recorded it (the `down` that followed it was itself interrupted)
    complete_save(emulator, {"a.json": b"a1"})
    replace_file(emulator.state_dir / "a.json", b"a2")
    (emulator.state_dir / "b.json").write_bytes(b"b2")
    mark_save(emulator, 4242, time.time() + 1)

    # WHEN / THEN: the newer save stays, and is now the one kept
    said = emulator.saves.settle()
    assert said is not None
    assert "completed" in said
    assert contents(emulator.state_dir) == {"a.json": b"a2", "b.json": b"b2"}
    assert contents(emulator.saves.complete) == {"a.json": b"a2", "b.json": b"b2"}


def test_a_first_save_cut_short_leaves_an_empty_state(emulator: EmulatorService) -> None:
    # GIVEN no save ever completed, and the first one killed after one file
    emulator.state_dir.mkdir(parents=True)
    (emulator.state_dir / "cloudformation.json").write_bytes(b"half a state")

    # WHEN / THEN: an empty state is consistent, half a first save is not
    assert emulator.saves.settle() == "its saved files are not a save known to be complete: it starts empty"
    assert contents(emulator.state_dir) == {}


def test_a_recorded_save_without_kept_files_is_taken_as_complete(emulator: EmulatorService) -> None:
    # GIVEN files a snapshot just put back (or a save recorded before complete saves were kept): recorded,
    # nothing kept
    emulator.state_dir.mkdir(parents=True)
    (emulator.state_dir / "a.json").write_bytes(b"a")
    record_save(emulator.saved_record, emulator.state_dir)

    # WHEN / THEN: they are kept as they are, and become the complete save
    assert emulator.saves.settle() is None
    assert contents(emulator.saves.complete) == {"a.json": b"a"}


def test_a_clean_stop_without_the_mark_of_a_completed_save_records_nothing(emulator: EmulatorService) -> None:
    # GIVEN a complete save, and a stop after which the process exited without marking its save complete
    complete_save(emulator, {"a.json": b"a1"})
    recorded = last_save(emulator.saved_record)
    replace_file(emulator.state_dir / "a.json", b"a2")
    lines: list[str] = []

    # WHEN the stop's clean-stop step runs
    clean = emulator.after_clean_stop(4242, time.time() - 1, lines.append)

    # THEN the stop was not clean (a crash), nothing is recorded or kept, and the next start puts the last
    # complete save back
    assert not clean
    assert lines == []
    assert last_save(emulator.saved_record) == recorded
    assert contents(emulator.saves.complete) == {"a.json": b"a1"}


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
    stopped_at = time.time()
    mark_save(emulator, 4242, stopped_at + 1)

    # WHEN the emulator has stopped cleanly, its save complete
    emulator.after_clean_stop(4242, stopped_at, lines.append)

    # THEN the oldest execution is gone, the user is told, and the record describes the compacted file
    kept = json.loads((emulator.state_dir / STATE_FILE).read_text(encoding="utf-8"))["payload"]["executions"][
        "data"
    ]
    assert sorted(key.rsplit("\x00", 1)[1] for key in kept) == ["'b'", "'c'"]
    assert any("executions' history, dropped 1 older" in line for line in lines)
    assert last_save(emulator.saved_record) is not None
    assert SavedState.of(emulator.state_dir).bytes == (emulator.state_dir / STATE_FILE).stat().st_size
    assert contents(emulator.saves.complete) == contents(emulator.state_dir)  # the compacted file is kept


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
    stopped_at = time.time()
    mark_save(emulator, 4242, stopped_at + 1)

    # WHEN the emulator has stopped cleanly, its save complete
    emulator.after_clean_stop(4242, stopped_at, lines.append)

    # THEN the older stream is gone, and the user is told
    [group] = json.loads((emulator.state_dir / LOGS_FILE).read_text(encoding="utf-8"))["payload"][
        "log_groups"
    ]["data"].values()
    assert list(group["streams"]) == ["b"]
    assert any("log streams, dropped 1 older" in line for line in lines)
