"""The AWS checks in the functions: the package alone on their path and the plugin named, or neither."""

from __future__ import annotations

from pathlib import Path

from ticketflow_dev.local.emulator import emulator_environment
from ticketflow_dev.local.front_door import front_door_folder, install_front_door
from ticketflow_dev.local.service import Layout
from ticketflow_infra.settings import Settings
from ticketflow_parity import PLUGIN_SPEC, PLUGIN_VARIABLE

SHELL = {
    "PATH": "/usr/bin",
    "PYTHONPATH": "/work/main/src",  # the repository: it must never reach a function
    PLUGIN_VARIABLE: "other=some.plugin",
}


def test_checks_on_put_the_package_folder_alone_on_the_functions_path(tmp_path: Path) -> None:
    # GIVEN the default settings (checks on) and a shell that points Python at the repository
    settings = Settings(home=tmp_path)

    # WHEN MiniStack's environment is built
    env = emulator_environment(settings, Layout.of(settings), SHELL)

    # THEN the functions' path is the front door's folder only, and botocore loads the plugin beside the
    # shell's own
    assert env["PYTHONPATH"] == str(front_door_folder(Layout.of(settings)))
    assert env[PLUGIN_VARIABLE] == f"other=some.plugin,{PLUGIN_SPEC}"


def test_checks_off_give_the_functions_neither_the_folder_nor_the_plugin(tmp_path: Path) -> None:
    # GIVEN the checks switched off, and a shell that names the plugin itself
    settings = Settings(home=tmp_path, aws_checks=False)
    shell = SHELL | {PLUGIN_VARIABLE: PLUGIN_SPEC}

    # WHEN MiniStack's environment is built
    env = emulator_environment(settings, Layout.of(settings), shell)

    # THEN nothing of the front door reaches the functions
    assert "PYTHONPATH" not in env
    assert PLUGIN_VARIABLE not in env


def test_the_installed_folder_holds_the_package_and_nothing_else(tmp_path: Path) -> None:
    # GIVEN a stale folder from an earlier start, with something else in it
    layout = Layout(tmp_path)
    stale = front_door_folder(layout) / "ticketflow"
    stale.mkdir(parents=True)
    (stale / "__init__.py").write_text("", encoding="utf-8")

    # WHEN the emulator's start installs the front door
    folder = install_front_door(layout)

    # THEN the folder has only ticketflow_parity (sources, no bytecode), its plugin among them
    assert [path.name for path in folder.iterdir()] == ["ticketflow_parity"]
    assert (folder / "ticketflow_parity" / "plugin.py").is_file()
    assert not list(folder.rglob("__pycache__"))
