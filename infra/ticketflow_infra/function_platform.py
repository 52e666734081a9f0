"""What the functions run on, per profile: the runtime and architecture they declare, the wheels they carry.

No CDK import: `ticketflow push` builds the same zips as a synth without loading CDK.
"""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass

from ticketflow_infra.settings import Architecture, Settings
from ticketflow_infra.wheel_target import (
    WheelTarget,
    for_interpreter,
    for_lambda_runtime,
    probe,
)

# The Python runtime the functions declare on Lambda: the newest of the supported range.
LAMBDA_PYTHON = (3, 13)
AWS_ARCHITECTURE: Architecture = "arm64"  # Graviton: cheaper per GB-second than x86_64


@dataclass(frozen=True)
class FunctionPlatform:
    python_version: tuple[int, int]  # the declared runtime, python3.X
    architecture: Architecture
    wheels: WheelTarget
    # The interpreter on this machine that runs the functions (the emulator's); None: Lambda's runtime.
    interpreter: str | None = None

    @property
    def runtime_name(self) -> str:
        return f"python{self.python_version[0]}.{self.python_version[1]}"


def machine_architecture(machine: str | None = None) -> Architecture:
    """This machine's architecture as Lambda names it (arm64 for aarch64 and Apple silicon)."""
    return "arm64" if (machine or platform.machine()).lower() in {"arm64", "aarch64"} else "x86_64"


def lambda_platform(
    architecture: Architecture, python_version: tuple[int, int] = LAMBDA_PYTHON
) -> FunctionPlatform:
    """Lambda's managed runtime: Amazon Linux on `architecture`."""
    return FunctionPlatform(python_version, architecture, for_lambda_runtime(python_version, architecture))


def emulator_platform(python: str, architecture: Architecture | None = None) -> FunctionPlatform:
    """The embedded emulator's interpreter `python`, asked for its own facts. It ignores the declared runtime,
    so the stack declares the one closest to it: its Python version, its machine's architecture."""
    facts = probe(python)
    return FunctionPlatform(
        facts.version, architecture or machine_architecture(facts.machine), for_interpreter(facts), python
    )


def function_platform(settings: Settings) -> FunctionPlatform:
    """The platform of `settings`' profile (see Settings.functions_run_on)."""
    runs_on = settings.functions_run_on or ("emulator" if settings.profile == "local" else "lambda")
    if runs_on == "emulator":
        return emulator_platform(settings.function_python or sys.executable, settings.function_architecture)
    default = AWS_ARCHITECTURE if settings.profile == "aws" else machine_architecture()
    return lambda_platform(settings.function_architecture or default)
