"""Shared fixtures (`local_stack`: the local services for a session), the test tiers and their timeouts.

A test's tier is its folder under tests/ (unit, integration, e2e), marked here once for every test in it, so
`pytest -m unit` selects by folder and no file repeats its tier. Across the tiers, `proof` marks the slow
proofs: `make test` leaves them out, `make test-proofs` runs only them (docs/tests.md). Every test gets its
tier's timeout (pytest-timeout) unless it sets its own. The services come from the stack target
`TICKETFLOW_STACK` names (embedded, external, containers); on the embedded one the suite runs a stack of its
own (tests/suite_stack.py). A test marked `restarts_stack` is skipped on a target that does not start and
stop them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.durations_report import DurationsReport
from tests.suite_stack import SuiteStack, SuiteStackError, suite_stack
from ticketflow_dev.core.aws_checks import switch_aws_checks
from ticketflow_dev.local import supervisor
from ticketflow_dev.targets import Target, stack_target
from ticketflow_infra.settings import Settings

TIERS = ("unit", "integration", "e2e")
TESTS_DIR = Path(__file__).parent
# Seconds a test may take, setup and teardown included, before pytest-timeout stops it as hung. An e2e
# test's bound covers the session's first deploy, which the first e2e test's setup does.
TIER_TIMEOUTS = {"unit": 120, "integration": 600, "e2e": 900}
SUITE_STACK = pytest.StashKey[SuiteStack]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--durations-report",
        type=Path,
        default=None,
        help="write every test's setup, call and teardown seconds, slowest first, to this JSON file",
    )


def pytest_configure(config: pytest.Config) -> None:
    # The tests' own clients check each request as AWS would (local profile), as the CLI's and the functions'
    # do: a test that sends what AWS refuses fails here too.
    switch_aws_checks(Settings.load())
    try:
        config.stash[SUITE_STACK] = suite_stack(Settings.load(), os.environ)
    except SuiteStackError as error:
        raise pytest.UsageError(str(error)) from None
    path = config.getoption("--durations-report")
    if path is not None and not hasattr(config, "workerinput"):  # the xdist controller writes it
        config.pluginmanager.register(DurationsReport(path), "durations-report")


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
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(TIER_TIMEOUTS[folder]))
        if item.get_closest_marker("restarts_stack") and not target.controls_processes:
            item.add_marker(cannot_restart)


@dataclass(frozen=True)
class LocalStack:
    """Where the running local services answer (the functions' runtime resolved), the target that
    brought them up, and whether they are the suite's own (their emulator may be started young)."""

    settings: Settings
    target: Target
    owned: bool = False

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
def local_stack(pytestconfig: pytest.Config) -> Iterator[LocalStack]:
    """The suite's stack (tests/suite_stack.py). Services already running are reused and left running;
    what this session started is stopped (or removed) at its end: the suite's own emulator is killed, not
    saved, as the next session starts it young again."""
    suite = pytestconfig.stash[SUITE_STACK]
    target = stack_target(suite.settings)
    if (reason := target.unavailable()) is not None:
        pytest.skip(reason)
    running = target.up()
    try:
        yield LocalStack(running.settings, target, suite.owned)
    finally:
        if suite.owned and "emulator" in running.started:
            supervisor.down(suite.settings, only=("emulator",), kill=True)
        target.release(running)


@pytest.fixture(autouse=True)
def suite_environment(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite's stack in the environment of every integration and e2e test, so that the settings a test
    loads, and the commands it runs, find it."""
    if request.node.get_closest_marker("unit") is not None:
        return
    for name, value in request.config.stash[SUITE_STACK].environment().items():
        monkeypatch.setenv(name, value)
