"""Shared fixtures (`local_stack`: the local services for a session) and the test tiers.

A test's tier is its folder under tests/ (unit, integration, e2e), marked here once for every test in it, so
`pytest -m unit` selects by folder and no file repeats its tier. The services come from the stack target
`TICKETFLOW_STACK` names (embedded, external, containers); a test marked `restarts_stack` is skipped on a
target that does not start and stop them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ticketflow_dev.core.aws_checks import switch_aws_checks
from ticketflow_dev.targets import Target, stack_target
from ticketflow_infra.settings import Settings

TIERS = ("unit", "integration", "e2e")
TESTS_DIR = Path(__file__).parent


def pytest_configure(config: pytest.Config) -> None:
    """The tests' own clients check each request as AWS would (local profile), as the CLI's and the
    functions' do: a test that sends what AWS refuses fails here too."""
    switch_aws_checks(Settings.load())


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by these markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    target = stack_target(Settings.load())
    cannot_restart = pytest.mark.skip(
        reason=f"TICKETFLOW_STACK={target.name}: this target does not stop or start the services"
    )
    for item in items:
        folder = item.path.relative_to(TESTS_DIR).parts[0]
        if folder not in TIERS:
            raise pytest.UsageError(f"{item.nodeid}: a test lives in one of tests/{{{','.join(TIERS)}}}/")
        item.add_marker(folder)
        if item.get_closest_marker("restarts_stack") and not target.controls_processes:
            item.add_marker(cannot_restart)


@dataclass(frozen=True)
class LocalStack:
    """Where the running local services answer (the functions' runtime resolved), and the target that
    brought them up."""

    settings: Settings
    target: Target

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
    reused and left running; what this session started is stopped (or removed) at its end."""
    target = stack_target(Settings.load())
    if (reason := target.unavailable()) is not None:
        pytest.skip(reason)
    running = target.up()
    try:
        yield LocalStack(running.settings, target)
    finally:
        target.release(running)
