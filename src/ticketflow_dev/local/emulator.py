"""The AWS emulator: MiniStack in a virtualenv of its own (it pins botocore exactly)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ticketflow_dev.local.isolated_venv import IsolatedVenvService, scrubbed_environment
from ticketflow_dev.local.processes import Launch
from ticketflow_dev.local.service import Layout, http_probe
from ticketflow_infra.settings import Settings

REQUIREMENTS = Path(__file__).resolve().parents[3] / "requirements" / "emulator.txt"


def emulator_python(settings: Settings) -> Path:
    """The interpreter of the emulator's virtualenv: the one that runs Lambda code locally."""
    return Layout.of(settings).venvs / "emulator" / "bin" / "python"


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
    stop_timeout = 20.0

    # --- the process ---------------------------------------------------------------------------------
    def launch(self) -> Launch:
        state = self.layout.state / "emulator"
        state.mkdir(parents=True, exist_ok=True)
        return Launch(
            argv=[str(self.executable)],
            env=emulator_environment(self.settings, self.layout, self.inherited_env),
            cwd=state,
        )

    def probe(self) -> str | None:
        return http_probe(f"{self.url}/_ministack/health")
