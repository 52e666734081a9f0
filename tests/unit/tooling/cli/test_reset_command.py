"""`ticketflow reset`: its sequence (the stack started young, then pre-warmed) with the steps replaced by
recorders (the young state's own sequence: tests/unit/tooling/stack/test_young_state.py), and its refusal on
a target that does not run the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ticketflow_dev.cli import reset as reset_module
from ticketflow_dev.cli.app import app
from ticketflow_dev.stack.young_state import Started, YoungState
from ticketflow_dev.targets import RunningStack
from ticketflow_infra.settings import Settings


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TICKETFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("TICKETFLOW_STACK", "embedded")
    return tmp_path


def test_reset_starts_the_stack_young_deploying_without_warming_then_prewarms(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the young-state sequence and the pre-warm recorded
    calls: list[tuple[str, Any]] = []

    def start_young(target: Any, deploy: Any, progress: Any, *, fresh: bool) -> Started:
        deploy(target.settings)
        calls.append(("start_young", fresh))
        young = YoungState("0123abcd", home / "young" / "0123abcd", 0.0, 31.0)
        return Started(RunningStack(target.settings, []), young, "loaded", 1.5)

    def deploy_and_warm(current: Settings, *, warm_up: bool, durable: bool) -> None:
        calls.append(("deploy", (current.home, warm_up, durable)))

    monkeypatch.setattr(reset_module, "start_young", start_young)
    monkeypatch.setattr(reset_module, "deploy_and_warm", deploy_and_warm)
    monkeypatch.setattr(reset_module, "deployed_functions", lambda *_args: ["functions"])
    monkeypatch.setattr(reset_module, "warm", lambda _clients, functions: calls.append(("warm", functions)))

    # WHEN reset runs, then reset --redeploy
    result = CliRunner().invoke(app, ["reset"])
    again = CliRunner().invoke(app, ["reset", "--redeploy"])

    # THEN a deploy (when one is needed) neither warms nor saves what the young state's clean stop is about to
    # save; the functions are warmed once the stack runs on the young state; --redeploy asks for a fresh one
    assert result.exit_code == 0, result.output
    assert again.exit_code == 0, again.output
    deployed = ("deploy", (home, False, False))
    assert calls == [deployed, ("start_young", False), ("warm", ["functions"]),
                     deployed, ("start_young", True), ("warm", ["functions"])]  # fmt: skip
    assert "loaded the young state 0123abcd" in result.output
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
