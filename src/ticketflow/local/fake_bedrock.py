"""fake_bedrock: the stand-in for Bedrock (and Comprehend), a module of this repository."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from ticketflow.local.processes import Launch
from ticketflow.local.service import Layout, Service, http_probe
from ticketflow.settings import Settings


class FakeBedrockService(Service):
    """`python -m fake_bedrock --host <bind_host> --port <fake_bedrock_port>`, health at GET /health."""

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
        argv = [self.python, "-m", self.module, "--host", self.settings.bind_host, "--port", str(self.port)]
        return Launch(argv=argv, env=dict(self.inherited_env), cwd=self.cwd)

    def probe(self) -> str | None:
        return http_probe(f"{self.url}/health")
