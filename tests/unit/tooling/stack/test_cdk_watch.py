"""The CDK CLI stopped when its endpoint stops answering, instead of after its own ~45 s of retries."""

from __future__ import annotations

import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ticketflow_dev.stack import deploy
from ticketflow_dev.stack.deploy import Cdk, CdkError
from ticketflow_infra.settings import Settings


def _stand_in_cdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """A `cdk` printing a line, then taking `seconds` (exec: the pid terminated is the one holding stdout)."""
    script = tmp_path / "cdk"
    script.write_text(f"#!/bin/sh\necho deploying\nexec sleep {seconds}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(deploy, "CDK_BIN", script)
    monkeypatch.setattr(deploy, "WATCH_INTERVAL", 0.05)


def _answers(*answers: str | None) -> Callable[[], str | None]:
    """A probe giving `answers` in turn, then the last one for ever."""
    given: Iterator[str | None] = iter(answers)
    last: list[str | None] = [None]

    def probe() -> str | None:
        last[0] = next(given, last[0])
        return last[0]

    return probe


def test_a_command_is_stopped_soon_after_its_endpoint_stops_answering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a cdk command that would run 30 s, its endpoint answering twice, then refusing
    _stand_in_cdk(tmp_path, monkeypatch, 30)
    probe = _answers(None, None, "connection refused")
    settings = Settings(profile="local", home=tmp_path)

    # WHEN it runs
    started = time.monotonic()
    with pytest.raises(CdkError) as raised:
        Cdk(settings, endpoint_problem=probe).deploy()

    # THEN it is stopped after WATCH_MISSES misses, not after the command's own 30 s, and says why in its log
    assert time.monotonic() - started < 10
    assert "`cdk deploy` stopped: the endpoint stopped answering (connection refused)" in str(raised.value)
    log = (tmp_path / "logs" / "cdk.log").read_text()
    assert "deploying\nstopped by ticketflow: the endpoint stopped answering (connection refused)" in log


def test_misses_that_are_not_in_a_row_stop_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a cdk command of half a second, its busy endpoint missing every other probe
    _stand_in_cdk(tmp_path, monkeypatch, 0.5)
    answers = ["timed out", None] * 50
    probe = _answers(*answers)

    # WHEN it runs, THEN it ends as the command does
    Cdk(Settings(profile="local", home=tmp_path), endpoint_problem=probe).deploy()
    assert "stopped by ticketflow" not in (tmp_path / "logs" / "cdk.log").read_text()
