"""`ticketflow doctor`: this machine's prerequisites, each OK or what to do about it.

Each check is a small function of what it inspects (passed in, so a test can make it fail for the reason it
names); `run_checks` composes them from the settings. The slow one, the Lambda wheels, builds the functions'
shared code for the interpreter that will run it (cached after the first time) and imports every handler
there, with nothing but its asset on the path.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ticketflow_dev.local.emulator import emulator_python
from ticketflow_dev.local.processes import port_holder, port_is_free
from ticketflow_dev.stack.deploy import CDK_BIN
from ticketflow_dev.targets import Target, TargetError, stack_target
from ticketflow_infra.bundling import build_shared_code, function_asset
from ticketflow_infra.function_platform import FunctionPlatform, function_platform
from ticketflow_infra.paths import LAMBDAS_DIR
from ticketflow_infra.settings import Settings
from ticketflow_infra.wheel_target import UnsupportedPlatformError, WheelTarget

Status = Literal["ok", "warn", "fail"]
SUPPORTED_PYTHON = ((3, 11), (3, 12), (3, 13))
NODE_MIN = 20
DISK_NEEDED = 3 * 1024**3  # a first install: ~1.5 GB of venvs and node_modules, builds, the emulator's state
DISK_LOW = 1024**3
_IMPORT_TIMEOUT = 120


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    detail: str
    fix: str = ""


def _version(version: Sequence[int]) -> str:
    return ".".join(str(part) for part in version[:2])


def check_python(version: Sequence[int], implementation: str, executable: str) -> Finding:
    supported = ", ".join(_version(pair) for pair in SUPPORTED_PYTHON)
    found = f"{implementation} {_version(version)} ({executable})"
    if implementation != "cpython" or tuple(version[:2]) not in SUPPORTED_PYTHON:
        return Finding(
            "python",
            "fail",
            f"{found}; supported: CPython {supported}",
            "install a supported Python and rebuild the venv: rm -rf .venv && PYTHON=python3.13 make install",
        )
    return Finding("python", "ok", found)


def check_node(run: Callable[[list[str]], str | None]) -> Finding:
    """`run(argv)` gives the command's output, None when it cannot run."""
    version = run(["node", "--version"])
    if version is None:
        return Finding(
            "node", "fail", "node is not installed", f"install Node {NODE_MIN} or newer (brew, apt, nvm)"
        )
    major = version.strip().lstrip("v").split(".", 1)[0]
    if not major.isdigit() or int(major) < NODE_MIN:
        return Finding(
            "node", "fail", f"node {version.strip()}: too old", f"install Node {NODE_MIN} or newer"
        )
    if run(["npm", "--version"]) is None:
        return Finding("node", "fail", f"node {version.strip()} without npm", "install npm beside Node")
    return Finding("node", "ok", f"node {version.strip()}")


def check_cdk_cli(cdk_bin: Path) -> Finding:
    if not cdk_bin.exists():
        return Finding("cdk cli", "fail", f"not installed at {cdk_bin}", "make install (runs npm ci)")
    return Finding("cdk cli", "ok", str(cdk_bin))


def check_ports(
    ports: dict[str, tuple[int, str]],
    host: str,
    ours: set[str],
    is_free: Callable[[str, int], bool],
    holder: Callable[[int], str | None] = lambda _: None,
) -> list[Finding]:
    """`ports`: service → (port, variable); `ours`: the services of this stack that are running."""
    findings = []
    for service, (port, variable) in ports.items():
        if service in ours:
            findings.append(Finding(f"port {port}", "ok", f"{service} of this stack is running there"))
        elif is_free(host, port):
            findings.append(Finding(f"port {port}", "ok", f"free for the {service}"))
        else:
            findings.append(
                Finding(
                    f"port {port}",
                    "fail",
                    f"{host}:{port} is taken by {holder(port) or 'another program'} (the {service} needs it)",
                    f"stop that program, or choose another port: {variable}=<port> (environment or .env)",
                )
            )
    return findings


def check_stack(target: Target) -> list[Finding]:
    """Embedded: the ports its services need. External: that each service answers. Containers: Docker."""
    if target.name == "containers":
        reason = target.unavailable()
        if reason is None:
            return [Finding("docker", "ok", "a Docker engine answers (containers target)")]
        return [Finding("docker", "fail", reason, "start Docker, or use TICKETFLOW_STACK=embedded")]
    if not target.controls_processes:
        return [
            Finding(service.name, "ok", f"answers at {service.url} (external)")
            if service.state == "healthy"
            else Finding(
                service.name,
                "fail",
                f"no answer at {service.url}: {service.detail}",
                "start it (with Docker: docker compose up -d --wait), or point TICKETFLOW_*_PORT at it",
            )
            for service in target.status()
        ]
    settings = target.settings
    ports = {
        "emulator": (settings.emulator_port, "TICKETFLOW_EMULATOR_PORT"),
        "warehouse": (settings.warehouse_port, "TICKETFLOW_WAREHOUSE_PORT"),
        "fake_bedrock": (settings.fake_bedrock_port, "TICKETFLOW_FAKE_BEDROCK_PORT"),
    }
    running = {service.name for service in target.status() if service.state not in ("stopped", "crashed")}
    return check_ports(ports, settings.bind_host, running, port_is_free, port_holder)


def check_disk(path: Path, free_bytes: int) -> Finding:
    free = f"{free_bytes / 1024**3:.1f} GiB free at {path}"
    if free_bytes < DISK_LOW:
        return Finding("disk", "fail", free, "free at least 3 GiB (venvs, node_modules, builds, state)")
    if free_bytes < DISK_NEEDED:
        return Finding("disk", "warn", free, "a first install needs about 3 GiB")
    return Finding("disk", "ok", free)


def check_emulator_venv(python: Path, run: Callable[[list[str]], str | None]) -> Finding:
    if not python.exists():
        return Finding(
            "emulator venv", "ok", f"not built yet: `ticketflow up` builds it at {python.parents[1]}"
        )
    answer = run([str(python), "-c", "import ministack, boto3; print(boto3.__version__)"])
    if answer is None:
        return Finding(
            "emulator venv",
            "fail",
            f"{python} cannot import ministack and boto3",
            f"rebuild it: rm -rf {python.parents[1]} && ticketflow up",
        )
    return Finding("emulator venv", "ok", f"{python} (boto3 {answer.strip()})")


_IMPORT_HANDLER = "import sys; sys.path.insert(0, sys.argv[1]); import pydantic_core, handler"


def check_lambda_imports(
    platform: FunctionPlatform,
    folders: Sequence[str],
    build: Callable[[WheelTarget], Path] = build_shared_code,
) -> Finding:
    """Builds the functions' code for `platform` as a deploy does; where an interpreter of this machine runs
    them (the emulator's), imports each handler on it with nothing but the function's asset on the path."""
    target = platform.wheels
    try:
        shared = build(target)
    except RuntimeError as error:
        return Finding("lambda wheels", "fail", str(error), "check the network to PyPI, then retry")
    if platform.interpreter is None:
        return Finding("lambda wheels", "ok", f"built for Lambda's {platform.runtime_name} ({target.label})")
    failed = []
    for folder in folders:
        asset = function_asset(LAMBDAS_DIR / folder, shared)
        result = subprocess.run(
            [platform.interpreter, "-I", "-B", "-c", _IMPORT_HANDLER, str(asset)],
            capture_output=True, text=True, check=False, timeout=_IMPORT_TIMEOUT,
        )  # fmt: skip
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
            failed.append(f"{folder}: {last}")
    where = f"{platform.interpreter} ({target.label})"
    if failed:
        return Finding(
            "lambda wheels",
            "fail",
            f"built for {where}, but: " + "; ".join(failed),
            "rm -rf .ticketflow/build and retry; if it persists, report it with this output",
        )
    return Finding("lambda wheels", "ok", f"{len(folders)} handlers import on {where}")


def check_platform(settings: Settings) -> FunctionPlatform | Finding:
    """What runs the functions for `settings`, or why no wheels can be chosen for it."""
    try:
        return function_platform(settings)
    except UnsupportedPlatformError as error:
        return Finding("platform", "fail", str(error), "see the supported platforms in the README")


def _output(argv: list[str]) -> str | None:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def _existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path


def function_folders() -> list[str]:
    return sorted(path.parent.name for path in LAMBDAS_DIR.glob("*/handler.py"))


def run_checks(
    settings: Settings, *, on_finding: Callable[[Finding], None] = lambda _: None
) -> list[Finding]:
    """Every check for `settings`, reported as each finishes; the Lambda wheels' check comes last."""
    findings: list[Finding] = []

    def add(*found: Finding) -> None:
        for finding in found:
            findings.append(finding)
            on_finding(finding)

    add(check_python(tuple(sys.version_info[:2]), sys.implementation.name, sys.executable))
    add(check_node(_output), check_cdk_cli(CDK_BIN))
    target = stack_target(settings)
    add(*check_stack(target))
    home = _existing(settings.home)
    add(check_disk(home, shutil.disk_usage(home).free))
    if target.controls_processes:
        add(check_emulator_venv(emulator_python(settings), _output))
    try:
        settings = target.function_settings()
    except TargetError as error:
        add(Finding("platform", "fail", str(error), "set TICKETFLOW_FUNCTION_PYTHON (environment or .env)"))
        return findings
    platform = check_platform(settings)
    if isinstance(platform, Finding):
        add(platform)
    else:
        add(Finding("platform", "ok", f"functions run on {platform.interpreter or platform.runtime_name}"))
        add(check_lambda_imports(platform, function_folders()))
    return findings
