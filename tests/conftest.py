"""Shared fixtures. `local_stack`: the local services (emulator, warehouse, fake_bedrock) for a session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from ticketflow.local import down, up
from ticketflow.settings import Settings


@dataclass(frozen=True)
class LocalStack:
    """Where the running local services answer; built from the same Settings the stack was started with."""

    settings: Settings

    @property
    def emulator_url(self) -> str:
        return self.settings.emulator_url

    @property
    def warehouse_url(self) -> str:
        return self.settings.warehouse_url

    @property
    def fake_bedrock_url(self) -> str:
        return self.settings.fake_bedrock_url


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    """The local stack per `TICKETFLOW_*` settings (environment, then .env). Services already running are
    reused and left running; the ones this session started are stopped at its end."""
    settings = Settings.load()
    started = [service.name for service in up(settings) if service.started]
    try:
        yield LocalStack(settings)
    finally:
        if started:
            down(settings, only=started)
