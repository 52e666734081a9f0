"""Which wheels each function asset gets: for every (profile, interpreter, architecture) a user may have."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.wheel_tags import accepts
from ticketflow_infra import bundling
from ticketflow_infra.function_platform import function_platform, lambda_platform, machine_architecture
from ticketflow_infra.settings import Settings
from ticketflow_infra.wheel_target import (
    InterpreterFacts,
    UnsupportedPlatformError,
    for_interpreter,
    for_lambda_runtime,
    manylinux_platforms,
    probe,
)


def _linux(version: tuple[int, int], machine: str, glibc: str = "glibc 2.36") -> InterpreterFacts:
    return InterpreterFacts("cpython", version, "", "linux", machine, glibc=glibc)


def _macos(version: tuple[int, int], machine: str, macos: str) -> InterpreterFacts:
    return InterpreterFacts("cpython", version, "", "darwin", machine, macos=macos)


# The pydantic_core 2.50.5 wheels PyPI serves for each platform users have (file names' tags).
PYDANTIC_CORE = {
    "linux x86_64 3.11": (_linux((3, 11), "x86_64"), "cp311-cp311-manylinux_2_17_x86_64"),
    "linux x86_64 3.12": (_linux((3, 12), "x86_64", "glibc 2.39"), "cp312-cp312-manylinux_2_17_x86_64"),
    "linux x86_64 3.13": (_linux((3, 13), "x86_64", "glibc 2.41"), "cp313-cp313-manylinux_2_17_x86_64"),
    "linux aarch64 3.13": (_linux((3, 13), "aarch64", "glibc 2.41"), "cp313-cp313-manylinux_2_17_aarch64"),
    "macOS arm64 3.13": (_macos((3, 13), "arm64", "14.5"), "cp313-cp313-macosx_11_0_arm64"),
    "macOS arm64 3.11": (_macos((3, 11), "arm64", "15.1"), "cp311-cp311-macosx_11_0_arm64"),
    "macOS x86_64 3.12": (_macos((3, 12), "x86_64", "13.6.1"), "cp312-cp312-macosx_10_12_x86_64"),
}


@pytest.mark.parametrize("case", PYDANTIC_CORE)
def test_each_interpreter_gets_its_own_compiled_wheels_and_no_other(case: str) -> None:
    # GIVEN an interpreter a user runs the emulator on, and the wheel PyPI has for it
    facts, own_wheel = PYDANTIC_CORE[case]

    # WHEN its wheel target is chosen
    target = for_interpreter(facts)

    # THEN pip may take that wheel, the pure-Python ones, and none built for another interpreter or platform
    assert accepts(target, own_wheel)
    assert accepts(target, "py3-none-any")
    others = [wheel for name, (_, wheel) in PYDANTIC_CORE.items() if wheel != own_wheel and name != case]
    assert not [wheel for wheel in others if accepts(target, wheel)]
    assert target.python_version == facts.version


def test_the_pip_arguments_name_the_interpreter_abi_and_every_platform() -> None:
    # GIVEN CPython 3.13 on a glibc 2.41 aarch64 Linux
    target = for_interpreter(_linux((3, 13), "aarch64", "glibc 2.41"))

    # WHEN pip's arguments are built
    args = target.pip_args()

    # THEN wheels only, CPython 3.13's ABI, and each manylinux tag that glibc runs, newest first
    assert args[:7] == [
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        "3.13",
        "--abi",
        "cp313",
    ]
    platforms = args[8::2]
    assert args[7::2] == ["--platform"] * len(platforms)
    assert platforms[0] == "manylinux_2_41_aarch64"
    assert "manylinux2014_aarch64" in platforms
    assert "manylinux1_aarch64" not in platforms  # the legacy tags before 2014 are Intel only
    assert platforms[-1] == "manylinux_2_5_aarch64"
    assert target.label == "cp313-manylinux_2_41_aarch64"


def test_a_free_threaded_build_gets_its_own_abi() -> None:
    # GIVEN a free-threaded CPython 3.13 (sys.abiflags "t")
    facts = InterpreterFacts("cpython", (3, 13), "t", "linux", "x86_64", glibc="glibc 2.41")
    # WHEN / THEN its wheels are cp313t, never the GIL build's cp313
    assert for_interpreter(facts).abi == "cp313t"


@pytest.mark.parametrize(
    ("architecture", "version", "first", "wheel"),
    [
        ("x86_64", (3, 13), "manylinux_2_34_x86_64", "cp313-cp313-manylinux_2_17_x86_64"),
        ("arm64", (3, 13), "manylinux_2_34_aarch64", "cp313-cp313-manylinux_2_17_aarch64"),
        ("arm64", (3, 12), "manylinux_2_34_aarch64", "cp312-cp312-manylinux_2_17_aarch64"),
        ("x86_64", (3, 11), "manylinux_2_26_x86_64", "cp311-cp311-manylinux_2_17_x86_64"),
    ],
)
def test_lambdas_runtime_gets_amazon_linux_wheels_of_its_architecture(
    architecture: str, version: tuple[int, int], first: str, wheel: str
) -> None:
    # GIVEN a declared runtime and architecture (AL2 for python3.11, AL2023 for 3.12 and 3.13)
    # WHEN the Lambda runtime's target is chosen
    target = for_lambda_runtime(version, architecture)  # type: ignore[arg-type]

    # THEN its newest manylinux tag is that Amazon Linux's glibc, and it takes its architecture's wheel only
    assert target.platforms[0] == first
    assert accepts(target, wheel)
    other = wheel.replace("aarch64", "x86_64") if "aarch64" in wheel else wheel.replace("x86_64", "aarch64")
    assert not accepts(target, other)
    assert not accepts(target, "cp313-cp313-macosx_11_0_arm64")


@pytest.mark.parametrize(
    ("facts", "says"),
    [
        (InterpreterFacts("pypy", (3, 11), "", "linux", "x86_64", glibc="glibc 2.36"), "only CPython"),
        (InterpreterFacts("cpython", (3, 12), "", "linux", "x86_64", glibc=None), "musl"),
        (InterpreterFacts("cpython", (3, 12), "", "win32", "AMD64"), "WSL 2"),
        (InterpreterFacts("cpython", (3, 12), "", "darwin", "arm64", macos=None), "macOS version"),
    ],
)
def test_an_unsupported_interpreter_is_named_with_what_to_do(facts: InterpreterFacts, says: str) -> None:
    # GIVEN an interpreter no wheels can be chosen for
    # WHEN / THEN choosing fails with a message that says why and what works
    with pytest.raises(UnsupportedPlatformError, match=says):
        for_interpreter(facts)


def test_a_runtime_outside_the_supported_range_is_refused() -> None:
    with pytest.raises(UnsupportedPlatformError, match=r"python3\.9.*supported: python3\.11"):
        for_lambda_runtime((3, 9), "x86_64")


def test_manylinux_tags_reach_down_to_manylinux1_on_intel() -> None:
    tags = manylinux_platforms((2, 17), "x86_64")
    assert tags[:2] == ("manylinux_2_17_x86_64", "manylinux2014_x86_64")
    assert {"manylinux2010_x86_64", "manylinux1_x86_64", "manylinux_2_5_x86_64"} <= set(tags)


def test_the_probe_reports_the_interpreter_that_answers_it() -> None:
    # GIVEN this interpreter
    # WHEN it is probed as a separate process
    facts = probe(sys.executable)

    # THEN it reports itself, and a target can be chosen for it
    assert facts.version == sys.version_info[:2]
    assert facts.implementation == sys.implementation.name
    assert for_interpreter(facts).python_version == facts.version


def test_probing_a_missing_interpreter_says_which() -> None:
    with pytest.raises(UnsupportedPlatformError, match="no-such-python"):
        probe("/nonexistent/no-such-python")


# --- per profile ---------------------------------------------------------------------------------------


def test_the_local_profile_bundles_for_the_emulators_interpreter() -> None:
    # GIVEN the local profile with the emulator's interpreter named (as the CLI names its venv's)
    settings = Settings(profile="local", function_python=sys.executable)

    # WHEN its platform is chosen
    platform = function_platform(settings)

    # THEN the wheels are that interpreter's, the runtime declared is its version, on this machine's arch
    assert platform.interpreter == sys.executable
    assert platform.wheels == for_interpreter(probe(sys.executable))
    assert platform.runtime_name == f"python{sys.version_info[0]}.{sys.version_info[1]}"
    assert platform.architecture == machine_architecture()


@pytest.mark.parametrize(
    ("settings", "architecture"),
    [
        (Settings(profile="aws"), "arm64"),
        (Settings(profile="aws", function_architecture="x86_64"), "x86_64"),
        (Settings(profile="local", functions_run_on="lambda", function_architecture="arm64"), "arm64"),
    ],
)
def test_lambdas_runtime_follows_the_declared_architecture(settings: Settings, architecture: str) -> None:
    # GIVEN a profile whose functions run in Lambda's runtime (AWS, or LocalStack's containers)
    # WHEN its platform is chosen
    platform = function_platform(settings)

    # THEN Graviton unless told otherwise on AWS; the wheels follow the declared runtime and architecture
    assert platform.architecture == architecture
    assert platform.runtime_name == "python3.13"
    assert platform.interpreter is None
    assert platform.wheels == for_lambda_runtime((3, 13), architecture)


def test_localstack_declares_this_machines_architecture_by_default() -> None:
    # Its Lambda containers run natively on the Docker host (arm64 on Apple silicon).
    platform = function_platform(Settings(profile="local", functions_run_on="lambda"))
    assert platform.architecture == machine_architecture()


@pytest.mark.parametrize(
    ("machine", "architecture"),
    [("arm64", "arm64"), ("aarch64", "arm64"), ("x86_64", "x86_64"), ("AMD64", "x86_64")],
)
def test_machine_names_map_to_lambdas_architectures(machine: str, architecture: str) -> None:
    assert machine_architecture(machine) == architecture


def test_each_target_gets_a_shared_build_of_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN two targets and a pip that only records what it was asked for
    calls: list[list[str]] = []

    def pip(argv: list[str], **_: object) -> object:
        calls.append(argv)
        return type("Done", (), {"returncode": 0, "stdout": "", "stderr": ""})()

    monkeypatch.setattr("ticketflow_infra.bundling.subprocess.run", pip)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pydantic_core==2.50.5\n")
    package, etl = tmp_path / "ticketflow", tmp_path / "ticketflow_etl"
    for folder in (package, etl):
        folder.mkdir()
        (folder / "__init__.py").write_text("")
    arm = lambda_platform("arm64").wheels
    mac = for_interpreter(_macos((3, 13), "arm64", "14.5"))

    # WHEN the shared code is built for each, twice
    builds = [
        bundling.build_shared_code(target, requirements, tmp_path / "build", (package, etl))
        for target in (arm, mac, arm, mac)
    ]

    # THEN one build per target, each named by it and installed with its own pip arguments, both kept
    assert builds[0] == builds[2]
    assert builds[1] == builds[3]
    assert builds[0].name.startswith("shared-cp313-manylinux_2_34_aarch64-")
    assert builds[1].name.startswith("shared-cp313-macosx_14_0_arm64-")
    assert len(calls) == 2
    for call, target in zip(calls, (arm, mac), strict=True):
        assert " ".join(target.pip_args()) in " ".join(call)
    assert all(build.is_dir() for build in builds)
