"""An e2e run's recording and the verdict at its end: a denial or a difference from the committed recording
fails the suite and says how to refresh; a whole, green run refreshes it."""

from __future__ import annotations

import json
from pathlib import Path

from ticketflow_dev.iam.run_recording import REFRESH_TARGET, RunRecording, differences, read_committed
from ticketflow_dev.iam.session import RunOutcome, verdict
from ticketflow_parity.iam.recording import RUN_FILE, Recorded, calls_file


def record(action: str, resource: str = "*") -> Recorded:
    return Recorded("Role", "<Fn>", "function", action, resource, {})


def test_a_run_records_while_its_run_file_is_there(tmp_path: Path) -> None:
    # GIVEN a started recording
    recording = RunRecording.start(tmp_path)
    # WHEN a function appends one request twice, and the run stops
    line = json.dumps(record("sqs:SendMessage").as_json()) + "\n"
    calls_file(tmp_path, recording.run).write_text(line * 2, encoding="utf-8")
    was_recording = (tmp_path / RUN_FILE).read_text(encoding="utf-8") == recording.run
    recording.stop()
    # THEN the run file named the run while it lasted; its requests are read once each
    assert was_recording
    assert not (tmp_path / RUN_FILE).exists()
    assert recording.function_calls() == [record("sqs:SendMessage")]
    # AND once read, the session discards its calls file
    recording.discard()
    assert not calls_file(tmp_path, recording.run).exists()


def test_new_requests_always_differ_missing_ones_only_after_a_whole_run() -> None:
    # GIVEN a committed recording of two requests and a run that made one of them and a new one
    committed = [record("s3:PutObject"), record("sqs:SendMessage")]
    run = [record("s3:PutObject"), record("s3:GetObject")]
    # WHEN / THEN a partial run reports the new one only; a whole run the missing one too; both say how
    # to refresh
    partial = differences(run, committed, complete=False)
    whole = differences(run, committed, complete=True)
    assert partial is not None
    assert "s3:GetObject" in partial
    assert "sqs:SendMessage" not in partial
    assert whole is not None
    assert "not made by this whole e2e run" in whole
    assert "sqs:SendMessage" in whole
    assert REFRESH_TARGET in whole
    assert differences(committed[:1], committed, complete=False) is None


def test_the_verdict_fails_on_a_denial_and_refreshes_only_a_whole_green_run(tmp_path: Path) -> None:
    # GIVEN a recording file of its own, and a run's outcome with and without a denial
    path = tmp_path / "iam_calls.json"
    outcome = RunOutcome([record("s3:PutObject")], [])
    denied = RunOutcome([record("s3:PutObject")], ["state-machine M (role R), NotifyTeam: User: ... denied"])
    # WHEN / THEN a denial fails whatever the mode; a partial refresh writes nothing; a whole one writes
    assert verdict(denied, complete=True, refresh=True, recording=path) is not None
    candidate = tmp_path / "candidate.json"
    partial = verdict(outcome, complete=False, refresh=True, recording=path, candidate=candidate)
    assert "partial" in str(partial)
    assert str(candidate) in str(partial)
    assert not path.exists()
    assert read_committed(candidate) == [record("s3:PutObject")]
    assert verdict(outcome, complete=True, refresh=True, recording=path) is None
    assert read_committed(path) == [record("s3:PutObject")]
    assert verdict(outcome, complete=True, refresh=False, recording=path) is None
