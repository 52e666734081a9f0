"""The AWS emulator: MiniStack in a virtualenv of its own (it pins botocore exactly)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from ticketflow_dev.local.emulator_state import (
    MB,
    SAVED_RECORD,
    clock,
    last_save,
    record_save,
    save_progress,
    saved_since,
    unfinished_files,
)
from ticketflow_dev.local.processes import Launch, read_pid
from ticketflow_dev.local.service import Crash, Layout, Report, Service, StackError, StopWatch, http_probe
from ticketflow_infra.settings import Settings

REQUIREMENTS = Path(__file__).resolve().parents[3] / "requirements" / "emulator.txt"
STAMP_NAME = ".ticketflow-requirements.sha256"

# MiniStack hands its own environment to every Lambda function it runs, so nothing from the developer's
# shell that points at real AWS (credentials, profiles, endpoints) or at another interpreter may reach it.
_DROPPED_PREFIXES = ("AWS_",)
_DROPPED_NAMES = frozenset({"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "BOTO_CONFIG"})


def emulator_python(settings: Settings) -> Path:
    """The interpreter of the emulator's virtualenv: the one that runs Lambda code locally."""
    return Layout.of(settings).venvs / "emulator" / "bin" / "python"


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


def emulator_environment(settings: Settings, layout: Layout, inherited: Mapping[str, str]) -> dict[str, str]:
    """The complete environment MiniStack runs with: scrubbed, dummy credentials, persistent state."""
    state = layout.state / "emulator"
    return scrubbed_environment(inherited) | {
        "GATEWAY_PORT": str(settings.emulator_port),
        "BIND_HOST": settings.bind_host,
        "PERSIST_STATE": "1",
        "STATE_DIR": str(state),
        # Without these S3 keeps bucket metadata but drops object bodies on restart.
        "S3_PERSIST": "1",
        "S3_DATA_DIR": str(state / "s3"),
        "MINISTACK_REGION": settings.region,
        # Retry intervals and Wait states run 4x faster than on AWS: a throttled task retries sooner.
        "SFN_WAIT_SCALE": "0.25",
        # At INFO MiniStack logs a line per execution and invocation, and every SNS message in full (ticket
        # data in a log file); the lines cost its one busy process time under load.
        "LOG_LEVEL": inherited.get("TICKETFLOW_EMULATOR_LOG_LEVEL", "WARNING"),
        "AWS_DEFAULT_REGION": settings.region,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }


def drop_emulator_state(settings: Settings) -> int:
    """Delete the (stopped) emulator's saved state and its record; the bytes it held."""
    layout = Layout.of(settings)
    folder = layout.state / "emulator"
    size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) if folder.exists() else 0
    shutil.rmtree(folder, ignore_errors=True)
    (layout.state / SAVED_RECORD).unlink(missing_ok=True)
    return size


class EmulatorService(Service):
    """MiniStack on `Settings.emulator_port`; state persisted under `<home>/state/emulator`."""

    name = "emulator"
    port_variable = "TICKETFLOW_EMULATOR_PORT"
    process_marker = "ministack"
    start_timeout = 60.0
    # A stop waits for MiniStack's save however long it takes (3,000 tickets: > 20 s), as long as it moves.
    stall_timeout = 120.0

    def __init__(
        self,
        settings: Settings,
        *,
        inherited_env: Mapping[str, str],
        requirements: Path = REQUIREMENTS,
        python: str = sys.executable,
    ) -> None:
        self.settings = settings
        self.layout = Layout.of(settings)
        self.port = settings.emulator_port
        self.url = settings.emulator_url
        self.venv = emulator_python(settings).parents[1]
        self.requirements = requirements
        self.python = python
        self.inherited_env = inherited_env

    # --- the virtualenv ------------------------------------------------------------------------------
    @property
    def stamp(self) -> Path:
        return self.venv / STAMP_NAME

    @property
    def executable(self) -> Path:
        return self.venv / "bin" / "ministack"

    def venv_is_current(self) -> bool:
        try:
            recorded = self.stamp.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return False
        return recorded == requirements_hash(self.requirements) and self.executable.exists()

    def prepare(self, report: Report) -> None:
        if not self.requirements.is_file():
            raise StackError(f"emulator requirements not found at {self.requirements}")
        if self.venv_is_current():
            return
        report(f"building its virtualenv from {self.requirements.name} (takes ~10 s)")
        shutil.rmtree(self.venv, ignore_errors=True)
        log = self.layout.logs / "emulator-venv.log"
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
                f"building the emulator's virtualenv failed ({' '.join(argv[:3])} ...): see {log}"
            )

    # --- its state ------------------------------------------------------------------------------------
    @property
    def state_dir(self) -> Path:
        return self.layout.state / "emulator"

    @property
    def saved_record(self) -> Path:
        return self.layout.state / SAVED_RECORD

    def stop_watch(self, since: float) -> StopWatch | None:
        pid = read_pid(self.layout.pid_file(self.name))
        if pid is None:
            return None
        return StopWatch(lambda: save_progress(self.state_dir, since, pid), self.stall_timeout)

    def after_clean_stop(self, report: Report) -> None:
        """Record the complete save. Steps that rework the saved files between a stop and a start (e.g.
        bounding the execution history) belong here, after the record."""
        cut_short = unfinished_files(self.state_dir)
        if cut_short:
            report(f"its save of {', '.join(cut_short)} was cut short: the older copies stand")
            return
        saved = record_save(self.saved_record, self.state_dir)
        report(f"saved its state: {saved.files} files, {saved.bytes / MB:.1f} MB")

    def crash(self, pid: int, started_at: float) -> Crash:
        """MiniStack saves only in its shutdown: unless it saved after this start, all it did is gone."""
        if saved_since(self.state_dir, started_at) and not unfinished_files(self.state_dir):
            return Crash(pid, started_at, lost_state=False, summary="it saved its state on its way out")
        previous = last_save(self.saved_record)
        since = f"its last save at {clock(previous)}" if previous is not None else "empty (never saved)"
        lost = f"everything it did since it started at {clock(started_at)} is gone; it restarts from {since}"
        return Crash(pid, started_at, lost_state=True, summary=lost)

    # --- the process ---------------------------------------------------------------------------------
    def launch(self) -> Launch:
        state = self.state_dir
        state.mkdir(parents=True, exist_ok=True)
        return Launch(
            argv=[str(self.executable)],
            env=emulator_environment(self.settings, self.layout, self.inherited_env),
            cwd=state,
        )

    def probe(self) -> str | None:
        return http_probe(f"{self.url}/_ministack/health")
