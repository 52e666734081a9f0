"""fake_bedrock: the stand-in for Bedrock (and Comprehend), a module of this repository."""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Mapping
from pathlib import Path

from ticketflow_dev.local.processes import Launch
from ticketflow_dev.local.service import Crash, Layout, Service, http_probe
from ticketflow_infra.settings import Settings


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class FakeBedrockService(Service):
    """`python -m fake_bedrock --host <bind_host> --port <fake_bedrock_port> --admin`, health at GET /health.

    The admin endpoint (`/_admin/faults`, `/_admin/stats`) serves `ticketflow faults ...`. It is switched on
    only while fake_bedrock listens on a loopback address: anyone who reaches it can make the pipeline fail.
    """

    name = "fake_bedrock"
    port_variable = "TICKETFLOW_FAKE_BEDROCK_PORT"
    start_timeout = 20.0

    def __init__(
        self,
        settings: Settings,
        *,
        inherited_env: Mapping[str, str],
        module: str = "fake_bedrock",
        python: str = sys.executable,
        cwd: Path | None = None,
    ) -> None:
        self.settings = settings
        self.layout = Layout.of(settings)
        self.port = settings.fake_bedrock_port
        self.url = settings.fake_bedrock_url
        self.module = module
        self.process_marker = module
        self.python = python
        self.cwd = cwd if cwd is not None else self.layout.home
        self.inherited_env = inherited_env

    def launch(self) -> Launch:
        self.cwd.mkdir(parents=True, exist_ok=True)
        host = self.settings.bind_host
        admin = "--admin" if is_loopback(host) else "--no-admin"
        argv = [self.python, "-m", self.module, "--host", host, "--port", str(self.port), admin]
        return Launch(argv=argv, env=dict(self.inherited_env), cwd=self.cwd)

    def probe(self) -> str | None:
        return http_probe(f"{self.url}/health")

    def crash(self, pid: int, started_at: float) -> Crash:
        """Faults live in its memory, as long as one process: a restart, clean or not, starts without any,
        so that a fault a dead test left behind does not keep failing the pipeline."""
        return Crash(
            pid,
            started_at,
            lost_state=True,
            summary="its injected faults and statistics are gone (it restarts without faults:"
            " set them again with `ticketflow faults`); calls made during the outage are retried",
        )
