"""`external`: whatever already answers at the configured endpoints (LocalStack from `docker compose up`,
a MiniStack someone else started, a shared box). Nothing is started or stopped here."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Literal

import psycopg

from ticketflow_dev.core.polling import WaitTimeoutError, wait_until
from ticketflow_dev.local.fake_bedrock_service import is_loopback
from ticketflow_dev.local.processes import interpreter_of, listener_pid
from ticketflow_dev.local.service import HttpGetError, http_get, http_probe
from ticketflow_dev.local.supervisor import Progress, ServiceStatus, State
from ticketflow_dev.targets.base import RunningStack, Target, TargetError
from ticketflow_infra.settings import Settings

EmulatorKind = Literal["MiniStack", "LocalStack"]
ANSWER_TIMEOUT = 15.0  # a compose stack that is still starting gets this long to answer
NOT_OURS = "-"  # the log column: an external service logs where whoever started it said


def emulator_health(url: str) -> dict[str, object] | None:
    """The emulator's health document from the path both LocalStack and MiniStack answer, or None."""
    try:
        document = json.loads(http_get(f"{url}/_localstack/health", timeout=2) or b"{}")
    except (HttpGetError, ValueError):
        return None
    return document if isinstance(document, dict) else {}


def emulator_kind(url: str) -> EmulatorKind:
    """MiniStack answers its own health path too; LocalStack answers it with 404."""
    return "MiniStack" if http_probe(f"{url}/_ministack/health") is None else "LocalStack"


def warehouse_probe(url: str) -> str | None:
    try:
        with psycopg.connect(url, connect_timeout=2) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        first = str(error).strip().splitlines()
        return first[0] if first else type(error).__name__
    return None


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str
    port: int
    variable: str
    probe: Callable[[], str | None]


class ExternalTarget(Target):
    name = "external"
    controls_processes = False

    def __init__(self, settings: Settings, *, answer_timeout: float = ANSWER_TIMEOUT) -> None:
        super().__init__(settings)
        self.answer_timeout = answer_timeout

    def endpoints(self) -> list[Endpoint]:
        s = self.settings

        def emulator() -> str | None:
            return None if emulator_health(s.emulator_url) is not None else f"no answer at {s.emulator_url}"

        return [
            Endpoint("emulator", s.emulator_url, s.emulator_port, "TICKETFLOW_EMULATOR_PORT", emulator),
            Endpoint(
                "warehouse",
                s.warehouse_url,
                s.warehouse_port,
                "TICKETFLOW_WAREHOUSE_PORT",
                lambda: warehouse_probe(s.warehouse_url),
            ),
            Endpoint(
                "fake_bedrock",
                s.fake_bedrock_url,
                s.fake_bedrock_port,
                "TICKETFLOW_FAKE_BEDROCK_PORT",
                lambda: http_probe(f"{s.fake_bedrock_url}/health"),
            ),
        ]

    def _status(self, endpoint: Endpoint, problem: str | None) -> ServiceStatus:
        pid = listener_pid(endpoint.port) if is_loopback(self.settings.bind_host) else None
        state: State = "healthy" if problem is None else "unhealthy"
        return ServiceStatus(endpoint.name, state, pid, endpoint.port, endpoint.url, NOT_OURS, problem)

    def status(self) -> list[ServiceStatus]:
        return [self._status(endpoint, endpoint.probe()) for endpoint in self.endpoints()]

    def up(self, progress: Progress | None = None) -> RunningStack:
        """Wait (briefly) until every endpoint answers; a clear error names the ones that do not."""
        problems: list[str] = []
        statuses: list[ServiceStatus] = []
        for endpoint in self.endpoints():
            try:
                wait_until(
                    endpoint.probe,
                    until=lambda problem: problem is None,
                    timeout=self.answer_timeout,
                    interval=0.25,
                    description=f"the {endpoint.name} at {endpoint.url}",
                )
            except WaitTimeoutError as timeout:
                problems.append(
                    f"  {endpoint.name}: {timeout.last_state} (start it, or point {endpoint.variable} at it)"
                )
                continue
            statuses.append(self._status(endpoint, None))
            if progress is not None:
                progress(endpoint.name, f"answers at {endpoint.url} (external: not started or stopped here)")
        if problems:
            raise TargetError(
                "TICKETFLOW_STACK=external uses services that are already running, and these do not answer"
                f" within {self.answer_timeout:g} s:\n" + "\n".join(problems) + "\nWith Docker: `docker"
                " compose up -d --wait`; without it, TICKETFLOW_STACK=embedded (the default) starts them."
            )
        return RunningStack(self.function_settings(), statuses)

    def release(self, running: RunningStack, progress: Progress | None = None) -> None:
        """Nothing was started, so nothing is stopped: the services stay as they were found."""

    def down(
        self, progress: Progress | None = None, only: Collection[str] | None = None
    ) -> list[ServiceStatus]:
        if progress is not None:
            for endpoint in self.endpoints():
                if only is None or endpoint.name in only:
                    progress(endpoint.name, "external: left running (stop it where it was started)")
        return self.status()

    def function_settings(self) -> Settings:
        """LocalStack runs functions in Lambda's Linux containers; MiniStack on its own interpreter, which
        is found from the process serving the emulator's port when that is on this machine."""
        s = self.settings
        if s.functions_run_on is not None or s.function_python is not None:
            return s
        if emulator_health(s.emulator_url) is None:
            return s  # nothing to ask; a deploy stops on the emulator not answering
        if emulator_kind(s.emulator_url) == "LocalStack":
            return s.model_copy(update={"functions_run_on": "lambda"})
        pid = listener_pid(s.emulator_port) if is_loopback(s.bind_host) else None
        python = None if pid is None else interpreter_of(pid)
        if python is None:
            raise TargetError(
                f"the MiniStack at {s.emulator_url} runs Lambda code on its own Python, and this machine"
                " cannot see which: set TICKETFLOW_FUNCTION_PYTHON to that interpreter (or one of the same"
                " version, OS and architecture) so the functions get wheels it can import"
            )
        return s.model_copy(update={"function_python": python})
