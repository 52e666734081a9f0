"""What `ticketflow up` does with the crashes it was handed, where nothing is to be rebuilt."""

from __future__ import annotations

from pathlib import Path

import pytest

from ticketflow_dev.cli.recovery import recover
from ticketflow_dev.local.service import Crash, Layout
from ticketflow_dev.local.supervisor import ServiceStatus
from ticketflow_dev.targets import RunningStack
from ticketflow_infra.settings import Settings


def test_a_crash_nothing_can_recover_is_told_once_and_forgotten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an `up` that found fake_bedrock dead, its faults gone with it (a crash that lost state, recorded
    # by the supervisor until it is recovered)
    settings = Settings(home=tmp_path)
    crash = Crash(4242, 0.0, lost_state=True, summary="its injected faults and statistics are gone")
    record = Layout.of(settings).crash_record("fake_bedrock")
    record.parent.mkdir(parents=True)
    record.write_text('{"pid": 4242}\n')
    status = ServiceStatus("fake_bedrock", "healthy", 4343, 4580, "http://127.0.0.1:4580", "log", crash=crash)

    # WHEN the CLI's recovery runs on it
    recover(RunningStack(settings, [status]))

    # THEN it told the user what was lost, and the record is gone: the next `up` does not tell it again
    assert "fake_bedrock had crashed (pid 4242" in capsys.readouterr().err  # the console writes to stderr
    assert not record.exists()
