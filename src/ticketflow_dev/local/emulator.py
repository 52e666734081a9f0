"""The AWS emulator: MiniStack in a virtualenv of its own (it pins botocore exactly)."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from ticketflow_dev.core.aws import Clients
from ticketflow_dev.core.aws_checks import aws_checks_on
from ticketflow_dev.iam.policy_file import refresh_policies
from ticketflow_dev.local.emulator_state import (
    COMPLETE_SAVE,
    MB,
    SAVE_MARKER,
    SAVED_RECORD,
    SaveFiles,
    clock,
    completed_save,
    last_save,
    save_progress,
)
from ticketflow_dev.local.execution_history import compact_saved_executions
from ticketflow_dev.local.front_door import install_front_door, with_front_door
from ticketflow_dev.local.isolated_venv import IsolatedVenvService, scrubbed_environment
from ticketflow_dev.local.log_history import compact_saved_logs
from ticketflow_dev.local.processes import Launch, read_pid
from ticketflow_dev.local.service import Crash, Layout, Report, StopWatch, http_probe
from ticketflow_infra.paths import REPO_ROOT
from ticketflow_infra.settings import Settings
from ticketflow_parity.iam import POLICIES_VARIABLE

REQUIREMENTS = REPO_ROOT / "requirements" / "emulator.txt"
MAIN = Path(__file__).with_name("ministack_main.py")  # runs on the emulator's interpreter, not imported


def emulator_python(settings: Settings) -> Path:
    """The interpreter of the emulator's virtualenv: the one that runs Lambda code locally."""
    return Layout.of(settings).venvs / "emulator" / "bin" / "python"


def save_files(layout: Layout) -> SaveFiles:
    return SaveFiles(
        folder=layout.state / "emulator",
        complete=layout.state / COMPLETE_SAVE,
        marker=layout.state / SAVE_MARKER,
        record=layout.state / SAVED_RECORD,
    )


def emulator_environment(settings: Settings, layout: Layout, inherited: Mapping[str, str]) -> dict[str, str]:
    """The complete environment MiniStack runs with (and hands on to each function): scrubbed, dummy
    credentials, persistent state, the AWS checks on or off as the settings say."""
    state = layout.state / "emulator"
    environment = scrubbed_environment(inherited) | {
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
        # Where the functions' IAM check reads the deployed stacks' policies (docs/iam.md).
        POLICIES_VARIABLE: str(layout.iam),
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }
    return with_front_door(settings, layout, environment)


def drop_emulator_state(settings: Settings) -> int:
    """Delete the (stopped) emulator's saved state, its complete copy and its records; the bytes it held."""
    files = save_files(Layout.of(settings))
    folder = files.folder
    size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) if folder.exists() else 0
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(files.complete, ignore_errors=True)
    files.marker.unlink(missing_ok=True)
    files.record.unlink(missing_ok=True)
    return size


class EmulatorService(IsolatedVenvService):
    """MiniStack on `Settings.emulator_port`; state persisted under `<home>/state/emulator`."""

    name = "emulator"
    venv_name = "emulator"
    executable_name = "ministack"
    default_requirements = REQUIREMENTS
    port_setting = "emulator_port"
    build_estimate = "~10 s"
    port_variable = "TICKETFLOW_EMULATOR_PORT"
    process_marker = "ministack"
    start_timeout = 60.0
    # A stop waits for MiniStack's save however long it takes (3,000 tickets: > 20 s), as long as it moves.
    stall_timeout = 120.0

    # --- its state ------------------------------------------------------------------------------------
    @property
    def saves(self) -> SaveFiles:
        return save_files(self.layout)

    @property
    def state_dir(self) -> Path:
        return self.saves.folder

    @property
    def saved_record(self) -> Path:
        return self.saves.record

    def prepare(self, report: Report) -> None:
        super().prepare(report)
        settled = self.saves.settle()
        if settled is not None:
            report(settled)

    def stop_watch(self, since: float) -> StopWatch | None:
        pid = read_pid(self.layout.pid_file(self.name))
        if pid is None:
            return None
        return StopWatch(lambda: save_progress(self.state_dir, since, pid), self.stall_timeout)

    def after_clean_stop(self, pid: int, since: float, report: Report) -> bool:
        """Keep the complete save, bound its execution history and logs, then record it; False when the
        process exited without completing its save (its next start puts the last complete one back)."""
        if not completed_save(self.saves.marker, pid, since):
            return False
        self.saves.adopt()  # first as it is: a stop cut short in the compaction leaves this one
        for what, compaction in (
            ("executions' history", compact_saved_executions(self.state_dir)),
            ("log streams", compact_saved_logs(self.state_dir)),
        ):
            if compaction.dropped:
                sizes = f"{compaction.bytes_before / MB:.0f} → {compaction.bytes_after / MB:.0f} MB"
                dropped = f"dropped {compaction.dropped} older ({sizes}; tickets kept)"
                report(f"kept the newest {compaction.kept} {what}, {dropped}")
        saved = self.saves.adopt()
        report(f"saved its state: {saved.files} files, {saved.bytes / MB:.1f} MB")
        return True

    def crash(self, pid: int, started_at: float) -> Crash:
        """MiniStack saves only in its shutdown: unless it completed a save after this start, all it did is
        gone (a save cut short is put back to the last complete one before the next start)."""
        if completed_save(self.saves.marker, pid, started_at):
            return Crash(pid, started_at, lost_state=False, summary="it saved its state on its way out")
        previous = last_save(self.saved_record)
        since = (
            f"its last complete save, at {clock(previous)}" if previous is not None else "empty (never saved)"
        )
        lost = f"everything it did since it started at {clock(started_at)} is gone; it restarts from {since}"
        return Crash(pid, started_at, lost_state=True, summary=lost)

    # --- the process ---------------------------------------------------------------------------------
    def launch(self) -> Launch:
        state = self.state_dir
        state.mkdir(parents=True, exist_ok=True)
        if aws_checks_on(self.settings):
            install_front_door(self.layout)
        # MiniStack's own main, through a wrapper that says when a save completes (-I: nothing of ours on
        # its path, the wrapper's folder included).
        return Launch(
            argv=[str(self.venv / "bin" / "python"), "-I", str(MAIN), str(self.saves.marker)],
            env=emulator_environment(self.settings, self.layout, self.inherited_env),
            cwd=state,
        )

    def probe(self) -> str | None:
        return http_probe(f"{self.url}/_ministack/health")

    def after_healthy(self, report: Report) -> None:
        """The deployed stacks' policy files describe the stacks it holds now (docs/iam.md)."""
        for stack in refresh_policies(self.settings, Clients(self.settings)("cloudformation")):
            report(f"stack {stack} is no longer deployed: its IAM policy file is removed")
