"""The AWS fault proxy: microburst (MIT) between the functions and the emulator, in a virtualenv of its own.

Started on demand by `ticketflow faults set SERVICE:OPERATION ...`, never by `ticketflow up`: while no AWS
rule is set nothing points at it, so the pipeline pays nothing for it. `ticketflow down` stops it.
"""

from __future__ import annotations

from pathlib import Path

from ticketflow_dev.local.isolated_venv import IsolatedVenvService, scrubbed_environment
from ticketflow_dev.local.processes import Launch
from ticketflow_dev.local.service import http_probe
from ticketflow_infra.paths import REPO_ROOT

REQUIREMENTS = REPO_ROOT / "requirements" / "fault-proxy.txt"
LAUNCHER = Path(__file__).with_name("fault_proxy_launcher.py")


class FaultProxyService(IsolatedVenvService):
    """microburst on `Settings.fault_proxy_port`, forwarding to the emulator; health at its control API."""

    name = "fault_proxy"
    port_variable = "TICKETFLOW_FAULT_PROXY_PORT"
    process_marker = LAUNCHER.name
    venv_name = "fault-proxy"
    executable_name = "microburst"
    default_requirements = REQUIREMENTS
    port_setting = "fault_proxy_port"
    build_estimate = "~25 s, once"
    on_demand = True

    def launch(self) -> Launch:
        argv = [
            str(self.venv / "bin" / "python"),
            str(LAUNCHER),
            "--upstream",
            self.settings.emulator_url,
            "--host",
            self.settings.bind_host,
            "--port",
            str(self.port),
        ]
        # It forwards requests as they were signed: it needs no credentials, and gets none.
        return Launch(argv=argv, env=scrubbed_environment(self.inherited_env), cwd=self.layout.home)

    def probe(self) -> str | None:
        return http_probe(f"{self.url}/_microburst/health")
