"""`embedded`: the CLI starts MiniStack, PostgreSQL and fake_bedrock as supervised processes of its own."""

from __future__ import annotations

from collections.abc import Collection

from ticketflow_dev.local import supervisor
from ticketflow_dev.local.emulator import emulator_python
from ticketflow_dev.local.supervisor import Progress, ServiceStatus
from ticketflow_dev.targets.base import RunningStack, Target
from ticketflow_infra.settings import Settings

EMULATOR = "emulator"


class EmbeddedTarget(Target):
    name = "embedded"
    controls_processes = True

    def up(self, progress: Progress | None = None) -> RunningStack:
        services = supervisor.up(self.settings, progress=progress)
        started = tuple(service.name for service in services if service.started)
        return RunningStack(self.function_settings(), services, started)

    def release(self, running: RunningStack, progress: Progress | None = None) -> None:
        if running.started:
            supervisor.down(self.settings, only=running.started, progress=progress)

    def down(
        self, progress: Progress | None = None, only: Collection[str] | None = None
    ) -> list[ServiceStatus]:
        return supervisor.down(self.settings, only=only, progress=progress)

    def status(self) -> list[ServiceStatus]:
        return supervisor.status(self.settings)

    def save_emulator_state(self, progress: Progress | None = None) -> bool:
        """A clean restart of the emulator: MiniStack 1.5.33 saves its state only when it stops (it has no
        save endpoint). Its Lambda workers go with it; the next invocations start them again."""
        emulator = [s for s in supervisor.default_services(self.settings) if s.name == EMULATOR]
        supervisor.down(self.settings, services=emulator, progress=progress)
        supervisor.up(self.settings, services=emulator, progress=progress)
        return True

    def function_settings(self) -> Settings:
        """Locally the functions run on the emulator venv's Python (once `up` has built it)."""
        python = emulator_python(self.settings)
        if self.settings.function_python is None and python.exists():
            return self.settings.model_copy(update={"function_python": str(python)})
        return self.settings
