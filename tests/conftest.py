"""Shared fixtures (`local_stack`: the local services for a session) and the test tiers.

A test's tier is its folder under tests/ (unit, integration, e2e), marked here once for every test in it, so
`pytest -m unit` selects by folder and no file repeats its tier.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ticketflow_dev.local import down, up
from ticketflow_infra.settings import Settings

TIERS = ("unit", "integration", "e2e")
TESTS_DIR = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by these markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        folder = item.path.relative_to(TESTS_DIR).parts[0]
        if folder not in TIERS:
            raise pytest.UsageError(f"{item.nodeid}: a test lives in one of tests/{{{','.join(TIERS)}}}/")
        item.add_marker(folder)


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
