"""Which wheels a function's dependencies are installed as: those of the interpreter that will run it.

Two kinds of target: an interpreter on this machine (the embedded emulator runs Lambda code on its own
Python, whatever runtime the function declares), asked for its own facts; and Lambda's managed runtime
(AWS, or LocalStack's Linux containers), known from the declared runtime and architecture.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from typing import Literal

from packaging.tags import mac_platforms

Architecture = Literal["x86_64", "arm64"]

# glibc of the Amazon Linux that each Python runtime runs on (AL2 for 3.11, AL2023 from 3.12).
_LAMBDA_GLIBC = {(3, 11): (2, 26), (3, 12): (2, 34), (3, 13): (2, 34)}
_LAMBDA_MACHINE = {"x86_64": "x86_64", "arm64": "aarch64"}
# The oldest glibc any manylinux tag names (manylinux1 is glibc 2.5).
_OLDEST_GLIBC_MINOR = 5
# PEP 599's names for the manylinux_2_N tags that predate PEP 600.
_LEGACY_MANYLINUX = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
_LEGACY_ARCHES = {
    "manylinux2014": None,
    "manylinux2010": {"x86_64", "i686"},
    "manylinux1": {"x86_64", "i686"},
}
_MACHINE_ALIASES = {"amd64": "x86_64", "arm64": "aarch64"}  # Linux spellings, as wheel tags use them

# Run by the target interpreter itself, standard library only: what it is and where it runs.
PROBE = """
import json, os, platform, sys
try:
    glibc = os.confstr("CS_GNU_LIBC_VERSION")
except (AttributeError, ValueError, OSError):
    glibc = None
print(json.dumps({
    "implementation": sys.implementation.name,
    "version": list(sys.version_info[:2]),
    "abiflags": getattr(sys, "abiflags", ""),
    "system": sys.platform,
    "machine": platform.machine(),
    "glibc": glibc,
    "macos": platform.mac_ver()[0] or None,
}))
"""


class UnsupportedPlatformError(RuntimeError):
    """No wheels can be chosen for this interpreter or platform; the message says what is supported."""


@dataclass(frozen=True)
class InterpreterFacts:
    """What an interpreter reports of itself (see PROBE)."""

    implementation: str  # sys.implementation.name: "cpython"
    version: tuple[int, int]
    abiflags: str  # "" or "t" (free-threaded)
    system: str  # sys.platform: "linux", "darwin", "win32"
    machine: str  # platform.machine(): "x86_64", "aarch64", "arm64"
    glibc: str | None = None  # "glibc 2.41" on glibc Linux
    macos: str | None = None  # "14.5" on macOS


@dataclass(frozen=True)
class WheelTarget:
    """One interpreter and platform to install wheels for: pip's --python-version, --abi and --platform."""

    python_version: tuple[int, int]
    abi: str
    platforms: tuple[str, ...]  # most specific first

    @property
    def label(self) -> str:
        """Short and stable, for build folder names and messages: `cp313-manylinux_2_34_aarch64`."""
        return f"{self.abi}-{self.platforms[0]}"

    def pip_args(self) -> list[str]:
        major, minor = self.python_version
        args = ["--only-binary=:all:", "--implementation", "cp", "--python-version", f"{major}.{minor}"]
        args += ["--abi", self.abi]
        for platform_tag in self.platforms:
            args += ["--platform", platform_tag]
        return args


def manylinux_platforms(glibc: tuple[int, int], machine: str) -> tuple[str, ...]:
    """Every manylinux tag a glibc `glibc` Linux on `machine` runs, newest first, legacy aliases included."""
    major, minor = glibc
    if major != 2:
        raise UnsupportedPlatformError(f"glibc {major}.{minor} is not a glibc manylinux wheels know")
    tags = []
    for version in range(minor, _OLDEST_GLIBC_MINOR - 1, -1):
        tags.append(f"manylinux_2_{version}_{machine}")
        legacy = _LEGACY_MANYLINUX.get(version)
        arches = _LEGACY_ARCHES.get(legacy or "")
        if legacy is not None and (arches is None or machine in arches):
            tags.append(f"{legacy}_{machine}")
    return tuple(tags)


def for_lambda_runtime(python_version: tuple[int, int], architecture: Architecture) -> WheelTarget:
    """The wheels for Lambda's managed Python runtime `python_version` on `architecture`."""
    glibc = _LAMBDA_GLIBC.get(python_version)
    if glibc is None:
        supported = ", ".join(f"python{major}.{minor}" for major, minor in _LAMBDA_GLIBC)
        raise UnsupportedPlatformError(
            f"no Lambda runtime python{python_version[0]}.{python_version[1]} here; supported: {supported}"
        )
    major, minor = python_version
    return WheelTarget(
        python_version=python_version,
        abi=f"cp{major}{minor}",
        platforms=manylinux_platforms(glibc, _LAMBDA_MACHINE[architecture]),
    )


def _version_pair(text: str, what: str) -> tuple[int, int]:
    try:
        major, minor, *_ = (int(part) for part in text.split("."))
    except ValueError as error:
        raise UnsupportedPlatformError(f"cannot read the {what} version from {text!r}") from error
    return major, minor


def for_interpreter(facts: InterpreterFacts) -> WheelTarget:
    """The wheels that the interpreter described by `facts` imports."""
    where = f"{facts.implementation} {facts.version[0]}.{facts.version[1]} on {facts.system} {facts.machine}"
    if facts.implementation != "cpython":
        raise UnsupportedPlatformError(f"{where}: only CPython is supported (its wheels are cp-tagged)")
    major, minor = facts.version
    abi = f"cp{major}{minor}{facts.abiflags}"
    if facts.system == "linux":
        if not facts.glibc or not facts.glibc.startswith("glibc "):
            raise UnsupportedPlatformError(
                f"{where}: a Linux without glibc (musl, e.g. Alpine) is not supported; use a glibc"
                " distribution (Debian, Ubuntu, Fedora, Amazon Linux) or the docker-compose stack"
            )
        glibc = _version_pair(facts.glibc.removeprefix("glibc "), "glibc")
        machine = _MACHINE_ALIASES.get(facts.machine, facts.machine)
        return WheelTarget((major, minor), abi, manylinux_platforms(glibc, machine))
    if facts.system == "darwin":
        if not facts.macos:
            raise UnsupportedPlatformError(f"{where}: the macOS version could not be read")
        macos = _version_pair(facts.macos, "macOS")
        # macOS 11 and later are binary-compatible across minor releases: wheels name X_0.
        version = macos if macos[0] == 10 else (macos[0], 0)
        platforms = tuple(mac_platforms(version, facts.machine))
        return WheelTarget((major, minor), abi, platforms)
    raise UnsupportedPlatformError(
        f"{where}: supported are Linux (glibc) and macOS, x86_64 or arm64; on Windows use WSL 2"
    )


def probe(python: str) -> InterpreterFacts:
    """Asks `python` (a path or command) for its own facts."""
    try:
        answer = subprocess.run(
            [python, "-I", "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise UnsupportedPlatformError(f"could not ask {python} what it is: {error}") from error
    facts = json.loads(answer.stdout)
    return InterpreterFacts(
        implementation=facts["implementation"],
        version=(facts["version"][0], facts["version"][1]),
        abiflags=facts["abiflags"],
        system=facts["system"],
        machine=facts["machine"],
        glibc=facts["glibc"],
        macos=facts["macos"],
    )
