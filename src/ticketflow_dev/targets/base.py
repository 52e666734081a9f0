"""What every stack target offers: bring the local services up, release them, and say how they are."""

from __future__ import annotations

import abc
from collections.abc import Collection
from dataclasses import dataclass
from typing import ClassVar

from ticketflow_dev.local.service import StackError
from ticketflow_dev.local.supervisor import Progress, ServiceStatus
from ticketflow_infra.settings import Settings, StackTarget


class TargetError(StackError):
    """The target cannot do what was asked; the message says what to do instead."""


@dataclass(frozen=True)
class RunningStack:
    """A stack that answers: where (its settings, the functions' runtime resolved), and what this call
    started (what `release` stops again)."""

    settings: Settings
    services: list[ServiceStatus]
    started: tuple[str, ...] = ()


class Target(abc.ABC):
    """One way of having the emulator, the warehouse and fake_bedrock: started here, found, or contained."""

    name: ClassVar[StackTarget]
    controls_processes: ClassVar[bool]
    """Whether this target starts and stops the services (a test that restarts the stack needs it)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def unavailable(self) -> str | None:
        """Why this target cannot be used on this machine at all (a test session skips), else None."""
        return None

    @abc.abstractmethod
    def up(self, progress: Progress | None = None) -> RunningStack:
        """Make the services answer (starting what this target starts), then describe them."""

    @abc.abstractmethod
    def release(self, running: RunningStack, progress: Progress | None = None) -> None:
        """Undo what `up` did: stop (or remove) only what it started."""

    @abc.abstractmethod
    def down(
        self, progress: Progress | None = None, only: Collection[str] | None = None
    ) -> list[ServiceStatus]:
        """Stop the services (`ticketflow down`)."""

    @abc.abstractmethod
    def status(self) -> list[ServiceStatus]:
        """Each service as it is now, without changing anything."""

    def save_emulator_state(self, progress: Progress | None = None) -> bool:  # noqa: ARG002 (a hook)
        """Make what the emulator holds now survive a crash of it; False where this target cannot (an
        emulator it does not run saves as it was configured to, or never)."""
        return False

    @abc.abstractmethod
    def function_settings(self) -> Settings:
        """The settings with the deployed functions' runtime filled in (what their wheels are built for),
        as far as this target can tell without starting anything."""
