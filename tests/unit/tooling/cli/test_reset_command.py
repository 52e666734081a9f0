"""`ticketflow reset`: its sequence (kill the emulator, drop its state and outputs, start, deploy) with the
steps replaced by recorders, and its refusal on a target that does not run the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ticketflow_dev.cli import reset as reset_module
from ticketflow_dev.cli.app import app
from ticketflow_dev.stack.deploy import outputs_file
from ticketflow_dev.targets import RunningStack
from ticketflow_infra.settings import Settings


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TICKETFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("TICKETFLOW_STACK", "embedded")
    return tmp_path


def test_reset_kills_the_emulator_drops_its_state_then_starts_and_deploys(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN every step recorded, and an outputs file of the stack deployed before
    calls: list[tuple[str, Any]] = []
    outputs = outputs_file(Settings.load(dotenv=None))
    outputs.parent.mkdir(parents=True)
    outputs.write_text("{}", encoding="utf-8")

    def down(_settings: Settings, **kwargs: Any) -> list[Any]:
        calls.append(("down", (tuple(kwargs["only"]), kwargs["kill"])))
        return []

    def drop(_settings: Settings) -> int:
        calls.append(("drop", outputs.exists()))
        return 3 * 1024 * 1024

    def up(self: Any, progress: Any = None) -> RunningStack:
        calls.append(("up", outputs.exists()))
        return RunningStack(self.settings, [])

    monkeypatch.setattr("ticketflow_dev.local.supervisor.down", down)
    monkeypatch.setattr(reset_module, "drop_emulator_state", drop)
    monkeypatch.setattr("ticketflow_dev.targets.embedded.EmbeddedTarget.up", up)
    monkeypatch.setattr(
        reset_module, "deploy_and_warm", lambda current: calls.append(("deploy", current.home))
    )

    # WHEN reset runs
    result = CliRunner().invoke(app, ["reset"])

    # THEN only the emulator is killed (not saved), its state dropped, the stale outputs removed before
    # the start, and the stack deployed into the fresh emulator
    assert result.exit_code == 0, result.output
    assert calls == [("down", (("emulator",), True)), ("drop", True), ("up", False), ("deploy", home)]
    assert "dropped its state (3.0 MB)" in result.output
    assert "warehouse's rows and fake_bedrock's faults are kept" in result.output


def test_reset_refuses_a_stack_it_does_not_run(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the external target: whatever answers at the endpoints
    monkeypatch.setenv("TICKETFLOW_STACK", "external")

    # WHEN reset runs
    result = CliRunner().invoke(app, ["reset"])

    # THEN it says what to do instead, and nothing is touched
    assert result.exit_code == 1
    assert "TICKETFLOW_STACK=external" in result.output
    assert "docker compose down -v" in result.output
    assert not (home / "run").exists()
