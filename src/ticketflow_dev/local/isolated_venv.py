"""A service whose program lives in a virtualenv of its own, built once from a pinned requirements file.

The emulator (MiniStack pins botocore exactly) and the AWS fault proxy (microburst brings aiohttp) each get
one, so neither changes a pin of the project's venv. A stamp holds the requirements' hash: a changed pin
rebuilds the venv, an unchanged one costs nothing.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from ticketflow_dev.local.service import Layout, Report, Service, StackError
from ticketflow_infra.settings import Settings

STAMP_NAME = ".ticketflow-requirements.sha256"

# A service's process hands its environment on (MiniStack to every Lambda function), so nothing from the
# developer's shell that points at real AWS (credentials, profiles, endpoints) or at another interpreter's
# packages may reach it.
_DROPPED_PREFIXES = ("AWS_",)
_DROPPED_NAMES = frozenset({"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "BOTO_CONFIG"})


def requirements_hash(requirements: Path) -> str:
    return hashlib.sha256(requirements.read_bytes()).hexdigest()


def scrubbed_environment(inherited: Mapping[str, str]) -> dict[str, str]:
    """`inherited` without any AWS_* variable (credentials, profiles, AWS_ENDPOINT_URL*, ...) and without
    variables that steer Python to another interpreter's packages."""
    return {
        key: value
        for key, value in inherited.items()
        if not key.startswith(_DROPPED_PREFIXES) and key not in _DROPPED_NAMES
    }


class IsolatedVenvService(Service):
    """Subclasses set `venv_name` (the folder under `<home>/venvs`), `executable_name` (the venv's program
    that proves the install), `build_estimate`, `default_requirements` and `port_setting` (the Settings
    field of its port)."""

    venv_name: str
    executable_name: str
    build_estimate: str
    default_requirements: Path
    port_setting: str

    def __init__(
        self,
        settings: Settings,
        *,
        inherited_env: Mapping[str, str],
        requirements: Path | None = None,
        python: str = sys.executable,
    ) -> None:
        self.settings = settings
        self.layout = Layout.of(settings)
        self.port = int(getattr(settings, self.port_setting))
        self.url = f"http://{settings.bind_host}:{self.port}"
        self.requirements = requirements or self.default_requirements
        self.python = python
        self.inherited_env = inherited_env

    @property
    def venv(self) -> Path:
        return self.layout.venvs / self.venv_name

    @property
    def stamp(self) -> Path:
        return self.venv / STAMP_NAME

    @property
    def executable(self) -> Path:
        return self.venv / "bin" / self.executable_name

    def venv_is_current(self) -> bool:
        try:
            recorded = self.stamp.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return False
        return recorded == requirements_hash(self.requirements) and self.executable.exists()

    def prepare(self, report: Report) -> None:
        if not self.requirements.is_file():
            raise StackError(f"{self.name} requirements not found at {self.requirements}")
        if self.venv_is_current():
            return
        report(f"building its virtualenv from {self.requirements.name} (takes {self.build_estimate})")
        shutil.rmtree(self.venv, ignore_errors=True)
        log = self.layout.logs / f"{self.venv_name}-venv.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w", encoding="utf-8") as out:
            for step, milestones in self._build_steps():
                self._run(step, out, log, report if milestones else None)
        self.stamp.write_text(requirements_hash(self.requirements) + "\n", encoding="ascii")
        report("virtualenv ready")

    def _build_steps(self) -> list[tuple[list[str], bool]]:
        """The commands that build the venv (and whether to report their output). When the interpreter
        building it has pip, the venv gets none of its own: `pip --python` installs into it, ~8 s faster."""
        venv_python = str(self.venv / "bin" / "python")
        install = [
            "install",
            "--disable-pip-version-check",
            "--progress-bar",
            "off",
            "-r",
            str(self.requirements),
        ]
        if self.pip_in(self.python):
            return [
                ([self.python, "-m", "venv", "--without-pip", str(self.venv)], False),
                ([self.python, "-m", "pip", "--python", venv_python, *install], True),
            ]
        return [
            ([self.python, "-m", "venv", str(self.venv)], False),
            ([venv_python, "-m", "pip", *install], True),
        ]

    @staticmethod
    def pip_in(python: str) -> bool:
        """Whether `python` can run pip >= 22.3 (the first with `--python`)."""
        probe = "import pip, sys; sys.exit(tuple(map(int, pip.__version__.split('.')[:2])) < (22, 3))"
        return subprocess.run([python, "-c", probe], capture_output=True, check=False).returncode == 0

    def _run(self, argv: list[str], out: IO[str], log: Path, report: Report | None = None) -> None:
        """Run a build step, copying its output to the build log and pip's milestones to `report`."""
        env = scrubbed_environment(self.inherited_env)
        with subprocess.Popen(
            argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                out.write(line)
                if report is not None and line.startswith(("Collecting ", "Installing collected")):
                    report(line.split(" (from ", 1)[0].strip()[:100])  # not pip's "(from -r <path> (line N))"
        if proc.returncode != 0:
            raise StackError(
                f"building the {self.name}'s virtualenv failed ({' '.join(argv[:3])} ...): see {log}"
            )
