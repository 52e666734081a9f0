"""The Lambda requirements really resolve, from PyPI, to wheels of each platform users run.

pip resolves (`--dry-run --report`, nothing is installed) with the arguments the bundling passes, and
every wheel it picks must fit the target: the interpreter's own compiled wheels or pure-Python ones. It
reaches PyPI, not only local services: marked `pypi`, for CI, kept out of `make test`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from tests.wheel_tags import accepts
from ticketflow_infra.function_platform import lambda_platform
from ticketflow_infra.paths import LAMBDA_REQUIREMENTS
from ticketflow_infra.wheel_target import InterpreterFacts, WheelTarget, for_interpreter, probe

pytestmark = pytest.mark.pypi

TARGETS = {
    "this interpreter": lambda: for_interpreter(probe(sys.executable)),
    "macOS arm64, 3.13": lambda: for_interpreter(
        InterpreterFacts("cpython", (3, 13), "", "darwin", "arm64", macos="15.1")
    ),
    "macOS x86_64, 3.12": lambda: for_interpreter(
        InterpreterFacts("cpython", (3, 12), "", "darwin", "x86_64", macos="13.6")
    ),
    "Linux aarch64, 3.13": lambda: for_interpreter(
        InterpreterFacts("cpython", (3, 13), "", "linux", "aarch64", glibc="glibc 2.41")
    ),
    "Lambda arm64": lambda: lambda_platform("arm64").wheels,
    "Lambda x86_64": lambda: lambda_platform("x86_64").wheels,
}


def _resolve(target: WheelTarget, tmp_path: Path, requirements: Path = LAMBDA_REQUIREMENTS) -> dict[str, str]:
    report = tmp_path / "report.json"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--dry-run",
         "--ignore-installed", "--no-deps", "--target", str(tmp_path / "target"), "--report", str(report),
         *target.pip_args(), "--requirement", str(requirements)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    picked = json.loads(report.read_text(encoding="utf-8"))["install"]
    return {
        canonicalize_name(item["metadata"]["name"]): item["download_info"]["url"].rsplit("/", 1)[1]
        for item in picked
    }


def _assert_fit(target: WheelTarget, wheels: dict[str, str]) -> None:
    for package, filename in wheels.items():
        tags = filename.removesuffix(".whl").split("-", 2)[2]
        assert accepts(target, tags), f"{package}: {filename} does not fit {target.label}"


@pytest.mark.parametrize("name", TARGETS)
def test_every_lambda_dependency_resolves_to_a_wheel_of_the_target(name: str, tmp_path: Path) -> None:
    # GIVEN a target platform and the pinned Lambda requirements
    target = TARGETS[name]()

    # WHEN pip resolves them from PyPI with the bundling's arguments
    wheels = _resolve(target, tmp_path)

    # THEN every requirement resolved, each to a wheel that fits the target, pydantic_core compiled for it
    required = [
        canonicalize_name(line.split("==")[0])
        for line in LAMBDA_REQUIREMENTS.read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert sorted(wheels) == sorted(required)
    _assert_fit(target, wheels)
    major, minor = target.python_version
    assert f"-cp{major}{minor}-" in wheels["pydantic-core"]


# The project's own venvs (`make install`, the emulator's) install from wheels alone on the platforms this
# machine is not: nothing pinned needs a compiler or a platform it has no wheel for.
OTHER_MACHINES = ("macOS arm64, 3.13", "Linux aarch64, 3.13")
VENV_REQUIREMENTS = ("dev.txt", "emulator.txt")


@pytest.mark.parametrize("requirements", VENV_REQUIREMENTS)
@pytest.mark.parametrize("name", OTHER_MACHINES)
def test_the_project_venvs_install_from_wheels_on_other_machines(
    name: str, requirements: str, tmp_path: Path
) -> None:
    # GIVEN another machine's interpreter, and a pinned requirements file of the project's
    target = TARGETS[name]()
    pinned = LAMBDA_REQUIREMENTS.parent / requirements

    # WHEN pip resolves it for that interpreter, wheels only
    wheels = _resolve(target, tmp_path, pinned)

    # THEN every pin has a wheel that fits it
    assert len(wheels) == len([line for line in pinned.read_text().splitlines() if "==" in line])
    _assert_fit(target, wheels)
