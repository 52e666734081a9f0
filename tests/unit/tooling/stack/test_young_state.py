"""The young state: its fingerprint (what changes it, what does not), and its sequence (take once, then load)
with the processes replaced by a recording target whose "emulator" saves a file when it stops cleanly."""

from __future__ import annotations

import json
import shutil
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest

from ticketflow_dev.local import supervisor
from ticketflow_dev.local.emulator_state import SAVED_RECORD
from ticketflow_dev.local.service import Layout, StackError
from ticketflow_dev.local.supervisor import Progress, ServiceStatus
from ticketflow_dev.stack import young_state
from ticketflow_dev.stack.deploy import outputs_file
from ticketflow_dev.stack.young_state import KEEP, find, fingerprint, start_young, template_inputs
from ticketflow_dev.targets import RunningStack, Target
from ticketflow_infra.paths import REPO_ROOT
from ticketflow_infra.settings import Settings


def a_repository(root: Path) -> Path:
    """The files a fingerprint reads, copied from this repository (cdk.json's watch list, the pins)."""
    for path in template_inputs(REPO_ROOT):
        target = root / path.relative_to(REPO_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return root


def test_the_inputs_are_the_cdk_apps_watch_list_and_the_pins() -> None:
    # GIVEN this repository / WHEN the template's inputs are listed
    inputs = {str(path.relative_to(REPO_ROOT)) for path in template_inputs()}

    # THEN the app, its constructs, each function, the state machine, the runtime package, the ETL and the
    # pins of the CDK, the functions and the emulator are among them; tests and tooling are not
    assert {"infra/app.py", "infra/cdk.json", "infra/ticketflow_infra/stack.py",
            "lambdas/trigger_sfn/handler.py", "state_machine/ticket_flow.asl.json", "src/ticketflow/model.py",
            "package-lock.json", "requirements/lambda.txt", "requirements/emulator.txt",
            "requirements/dev.txt"} <= inputs  # fmt: skip
    assert any(name.startswith("glue/ticketflow_etl/") for name in inputs)
    assert not any(name.startswith(("tests/", "src/ticketflow_dev/", "docs/")) for name in inputs)
    assert not any("__pycache__" in name for name in inputs)


def test_the_fingerprint_changes_with_a_function_a_pin_or_a_setting_and_nothing_else(tmp_path: Path) -> None:
    # GIVEN a copy of the template's inputs and the settings of a deploy
    root = a_repository(tmp_path / "repo")
    settings = Settings(home=tmp_path / "home", function_python=None)
    before = fingerprint(settings, root)

    # WHEN nothing changes, a file outside the inputs changes, a function changes, then a pin, then a setting
    (root / "README.md").write_text("docs", encoding="utf-8")
    unchanged = fingerprint(settings, root)
    handler = root / "lambdas" / "trigger_sfn" / "handler.py"
    handler.write_text(handler.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    function_changed = fingerprint(settings, root)
    pins = root / "requirements" / "emulator.txt"
    pins.write_text(pins.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    pin_changed = fingerprint(settings, root)
    setting_changed = fingerprint(settings.model_copy(update={"max_in_flight": 11}), root)

    # THEN only the last three give another fingerprint, each a new one
    assert unchanged == before
    assert len({before, function_changed, pin_changed, setting_changed}) == 4


def test_the_functions_interpreter_version_is_part_of_the_fingerprint(tmp_path: Path) -> None:
    # GIVEN the functions' interpreter in a virtualenv whose version is recorded in its pyvenv.cfg
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    config = tmp_path / "venv" / "pyvenv.cfg"
    config.write_text("version = 3.11.2\n", encoding="utf-8")
    settings = Settings(home=tmp_path, function_python=str(tmp_path / "venv" / "bin" / "python"))
    before = fingerprint(settings)

    # WHEN the venv is rebuilt on another Python at the same path
    config.write_text("version = 3.13.5\n", encoding="utf-8")

    # THEN the fingerprint changes (the wheels are built for that interpreter)
    assert fingerprint(settings) != before


class RecordingTarget(Target):
    """A target whose emulator "saves" state/emulator/cloudformation.json when it stops cleanly."""

    name = "embedded"
    controls_processes = True

    def __init__(self, settings: Settings, calls: list[str]) -> None:
        super().__init__(settings)
        self.calls = calls
        self.deployed = "none"

    def up(self, progress: Progress | None = None) -> RunningStack:  # noqa: ARG002
        self.calls.append("up")
        return RunningStack(self.function_settings(), [])

    def release(self, running: RunningStack, progress: Progress | None = None) -> None:  # noqa: ARG002
        raise AssertionError("not used")

    def down(
        self,
        progress: Progress | None = None,  # noqa: ARG002
        only: Collection[str] | None = None,  # noqa: ARG002
    ) -> list[ServiceStatus]:
        raise AssertionError("not used")

    def status(self) -> list[ServiceStatus]:
        raise AssertionError("not used")

    def function_settings(self) -> Settings:
        return self.settings


@pytest.fixture
def target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RecordingTarget:
    calls: list[str] = []
    target = RecordingTarget(
        Settings(home=tmp_path / "home", function_python="/opt/emulator/bin/python"), calls
    )

    def down(settings: Settings, *, only: Collection[str], progress: Any, kill: bool = False) -> list[Any]:
        calls.append(f"down {','.join(only)}{' kill' if kill else ''}")
        if not kill:  # MiniStack writes its state in its shutdown, and only then
            state = Layout.of(settings).state / "emulator"
            state.mkdir(parents=True, exist_ok=True)
            (state / "cloudformation.json").write_text(target.deployed, encoding="utf-8")
        return []

    monkeypatch.setattr(supervisor, "down", down)
    monkeypatch.setattr(young_state, "port_is_free", lambda _host, _port: True)
    return target


def deploy_into(target: RecordingTarget, resources: str) -> young_state.Deploy:
    def deploy(settings: Settings) -> None:
        target.calls.append("deploy")
        target.deployed = resources
        outputs_file(settings).parent.mkdir(parents=True, exist_ok=True)
        outputs_file(settings).write_text(json.dumps({"deployed": resources}), encoding="utf-8")

    return deploy


def saved_state(target: RecordingTarget) -> str:
    return (Layout.of(target.settings).state / "emulator" / "cloudformation.json").read_text(encoding="utf-8")


def test_the_first_start_deploys_into_an_empty_emulator_and_saves_that_after_a_clean_stop(
    target: RecordingTarget,
) -> None:
    # GIVEN an emulator holding an aged state and no young state
    layout = Layout.of(target.settings)
    (layout.state / "emulator").mkdir(parents=True)
    (layout.state / "emulator" / "tickets.json").write_text("3,000 tickets", encoding="utf-8")

    # WHEN the stack is started young
    started = start_young(target, deploy_into(target, "stack v1"), lambda _s, _m: None)

    # THEN the emulator is killed, emptied, started, deployed into, stopped cleanly (it saves), and started
    assert target.calls == ["down emulator kill", "up", "deploy", "down emulator", "up"]
    assert started.how == "took"
    assert not (layout.state / "emulator" / "tickets.json").exists()
    # AND the young state holds the deployment and its outputs
    young = find(layout, fingerprint(target.settings))
    assert young == started.young
    assert (young.folder / "emulator" / "cloudformation.json").read_text(encoding="utf-8") == "stack v1"
    assert json.loads((young.folder / "outputs" / "Ticketflow.json").read_text(encoding="utf-8")) == {
        "deployed": "stack v1"
    }


def test_a_later_start_loads_the_young_state_in_place_of_what_the_emulator_holds(
    target: RecordingTarget,
) -> None:
    # GIVEN a young state taken, then tickets put (the emulator saved them) and the outputs file gone
    start_young(target, deploy_into(target, "stack v1"), lambda _s, _m: None)
    target.deployed = "stack v1 with 500 tickets"
    supervisor.down(target.settings, only=("emulator",), progress=None)
    outputs_file(target.settings).unlink()
    target.calls.clear()

    # WHEN the stack is started young again with the template unchanged
    started = start_young(target, deploy_into(target, "never"), lambda _s, _m: None)

    # THEN nothing is deployed: the emulator is killed, its state replaced by the young one, and started
    assert target.calls == ["down emulator kill", "up"]
    assert started.how == "loaded"
    assert saved_state(target) == "stack v1"
    assert json.loads(outputs_file(target.settings).read_text(encoding="utf-8")) == {"deployed": "stack v1"}
    # AND a crash from here on is known to restart from this complete save
    assert (Layout.of(target.settings).state / SAVED_RECORD).is_file()


def test_a_changed_template_or_a_fresh_start_takes_a_new_young_state_and_keeps_a_few(
    target: RecordingTarget,
) -> None:
    # GIVEN a young state of the current template
    first = start_young(target, deploy_into(target, "v1"), lambda _s, _m: None).young

    # WHEN a setting the template is made from changes, several times, and then a fresh start is asked for
    taken = [first]
    for limit in range(1, KEEP + 2):
        target.settings = target.settings.model_copy(update={"max_in_flight": limit})
        taken.append(start_young(target, deploy_into(target, f"v{limit}"), lambda _s, _m: None).young)
    target.calls.clear()
    fresh = start_young(target, deploy_into(target, "again"), lambda _s, _m: None, fresh=True)

    # THEN each change deployed and saved its own, the fresh start deployed anew under the same fingerprint,
    # and only the newest KEEP remain
    assert len({young.fingerprint for young in taken}) == KEEP + 2
    assert "deploy" in target.calls
    assert fresh.how == "took"
    assert fresh.young.fingerprint == taken[-1].fingerprint
    layout = Layout.of(target.settings)
    assert [young.fingerprint for young in young_state.young_states(layout)] == [
        fresh.young.fingerprint, taken[-2].fingerprint, taken[-3].fingerprint
    ]  # fmt: skip


def test_a_target_that_does_not_run_the_services_cannot_start_young(target: RecordingTarget) -> None:
    # GIVEN a target that only finds services (external, containers)
    target.controls_processes = False  # type: ignore[misc]

    # WHEN / THEN starting young refuses, and nothing was touched
    with pytest.raises(StackError, match="only a stack this tool runs"):
        start_young(target, deploy_into(target, "never"), lambda _s, _m: None)
    assert target.calls == []
