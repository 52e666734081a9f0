"""`ticketflow doctor`: each check passes on what it needs and fails, naming the fix, on what it does not."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ticketflow_dev.local.processes import port_holder, port_is_free
from ticketflow_dev.stack.doctor import (
    DISK_LOW,
    DISK_NEEDED,
    check_cdk_cli,
    check_disk,
    check_emulator_venv,
    check_lambda_imports,
    check_node,
    check_platform,
    check_ports,
    check_python,
    function_folders,
)
from ticketflow_infra.bundling import build_shared_code
from ticketflow_infra.function_platform import FunctionPlatform, lambda_platform
from ticketflow_infra.settings import Settings
from ticketflow_infra.wheel_target import WheelTarget, for_interpreter, probe


def _answers(outputs: dict[str, str | None]) -> object:
    """A command runner that answers by program name (None: the program cannot run)."""
    return lambda argv: outputs.get(Path(argv[0]).name)


@pytest.mark.parametrize(
    ("version", "implementation", "status"),
    [((3, 11), "cpython", "ok"), ((3, 13), "cpython", "ok"), ((3, 10), "cpython", "fail"),
     ((3, 14), "cpython", "fail"), ((3, 11), "pypy", "fail")],
)  # fmt: skip
def test_python_must_be_cpython_in_the_supported_range(
    version: tuple[int, int], implementation: str, status: str
) -> None:
    finding = check_python(version, implementation, "/usr/bin/python3")
    assert finding.status == status
    if status == "fail":
        assert "3.11, 3.12, 3.13" in finding.detail
        assert "PYTHON=" in finding.fix


@pytest.mark.parametrize(
    ("outputs", "status", "says"),
    [
        ({"node": "v20.19.2\n", "npm": "9.2.0\n"}, "ok", "v20.19.2"),
        ({"node": "v22.1.0\n", "npm": "10.0.0\n"}, "ok", "v22.1.0"),
        ({"npm": "9.2.0"}, "fail", "not installed"),
        ({"node": "v18.19.0\n", "npm": "9.2.0\n"}, "fail", "too old"),
        ({"node": "v20.19.2\n"}, "fail", "without npm"),
    ],
)
def test_node_must_be_20_or_newer_with_npm(outputs: dict[str, str | None], status: str, says: str) -> None:
    finding = check_node(_answers(outputs))  # type: ignore[arg-type]
    assert finding.status == status
    assert says in finding.detail


def test_the_cdk_cli_must_be_installed(tmp_path: Path) -> None:
    missing = check_cdk_cli(tmp_path / "node_modules" / ".bin" / "cdk")
    assert missing.status == "fail"
    assert "make install" in missing.fix
    present = tmp_path / "cdk"
    present.write_text("")
    assert check_cdk_cli(present).status == "ok"


@pytest.fixture
def listening() -> Iterator[int]:
    """A port some other program listens on."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def test_a_port_taken_by_another_program_names_the_holder_and_the_variable(listening: int) -> None:
    # GIVEN the emulator's port taken by another program, and a free one for the warehouse
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        free = probe_socket.getsockname()[1]
    ports = {
        "emulator": (listening, "TICKETFLOW_EMULATOR_PORT"),
        "warehouse": (free, "TICKETFLOW_WAREHOUSE_PORT"),
    }

    # WHEN the ports are checked
    taken, open_port = check_ports(ports, "127.0.0.1", set(), port_is_free, port_holder)

    # THEN the taken one fails naming the process that holds it and the setting to change; the free one passes
    assert taken.status == "fail"
    assert f"pid {os.getpid()}" in taken.detail
    assert "TICKETFLOW_EMULATOR_PORT=" in taken.fix
    assert open_port.status == "ok"


def test_a_port_held_by_this_stacks_own_service_is_fine(listening: int) -> None:
    [finding] = check_ports({"emulator": (listening, "X")}, "127.0.0.1", {"emulator"}, port_is_free)
    assert finding.status == "ok"
    assert "this stack" in finding.detail


@pytest.mark.parametrize(
    ("free", "status"), [(DISK_NEEDED + 1, "ok"), (DISK_NEEDED - 1, "warn"), (DISK_LOW - 1, "fail")]
)
def test_disk_space(free: int, status: str, tmp_path: Path) -> None:
    assert check_disk(tmp_path, free).status == status


def test_the_emulator_venv_is_checked_once_built(tmp_path: Path) -> None:
    python = tmp_path / "venvs" / "emulator" / "bin" / "python"
    # GIVEN no venv yet: fine, `up` builds it
    assert check_emulator_venv(python, _answers({})).status == "ok"  # type: ignore[arg-type]
    # GIVEN a venv whose python cannot import the emulator: fail, with how to rebuild it
    python.parent.mkdir(parents=True)
    python.write_text("")
    broken = check_emulator_venv(python, _answers({"python": None}))  # type: ignore[arg-type]
    assert broken.status == "fail"
    assert "rm -rf" in broken.fix
    assert check_emulator_venv(python, _answers({"python": "1.43.106\n"})).status == "ok"  # type: ignore[arg-type]


def test_an_unsupported_platform_fails_the_platform_check() -> None:
    # GIVEN the emulator's interpreter set to something that is not a Python
    finding = check_platform(Settings(profile="local", function_python="/nonexistent/python3"))
    # WHEN / THEN the platform check fails and says which interpreter it could not ask
    assert not isinstance(finding, FunctionPlatform)
    assert finding.status == "fail"
    assert "/nonexistent/python3" in finding.detail


@pytest.fixture
def without_wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[WheelTarget], Path]:
    """Bundling with an empty requirements file and no index: the repository's packages only."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    return lambda target: build_shared_code(target, requirements=requirements, build_dir=tmp_path / "build")


def _runs_on(python: str) -> FunctionPlatform:
    return FunctionPlatform((3, 11), "x86_64", for_interpreter(probe(python)), python)


def test_wheels_missing_on_the_interpreter_fail_naming_the_function(
    without_wheels: Callable[[WheelTarget], Path], tmp_path: Path
) -> None:
    # GIVEN code bundled without its wheels, and an interpreter with nothing installed (a bare venv), as
    # when the bundled wheels are another platform's and the interpreter cannot load them
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "bare")], check=True)
    bare = str(tmp_path / "bare" / "bin" / "python")

    # WHEN the functions' imports are checked on it
    finding = check_lambda_imports(_runs_on(bare), ["detect_sentiment", "s3_writer"], without_wheels)

    # THEN it fails, naming each function and the module it could not import
    assert finding.status == "fail"
    assert "detect_sentiment: ModuleNotFoundError: No module named 'pydantic_core'" in finding.detail
    assert "s3_writer: " in finding.detail


def test_every_handler_imports_on_this_interpreter_from_its_asset(
    without_wheels: Callable[[WheelTarget], Path],
) -> None:
    # GIVEN this interpreter as the one that runs the functions (its own site has pydantic and powertools)
    # WHEN / THEN every handler imports from its asset
    finding = check_lambda_imports(_runs_on(sys.executable), function_folders(), without_wheels)
    assert finding.status == "ok", finding.detail
    assert f"{len(function_folders())} handlers" in finding.detail


def test_lambdas_own_runtime_is_built_for_not_imported_here(
    without_wheels: Callable[[WheelTarget], Path],
) -> None:
    finding = check_lambda_imports(lambda_platform("arm64"), function_folders(), without_wheels)
    assert finding.status == "ok"
    assert "python3.13" in finding.detail


def test_a_failed_build_fails_the_check() -> None:
    def broken(_target: WheelTarget) -> Path:
        raise RuntimeError("installing the Lambda dependencies for cp313-x failed")

    finding = check_lambda_imports(lambda_platform("arm64"), function_folders(), broken)
    assert finding.status == "fail"
    assert "installing the Lambda dependencies" in finding.detail
