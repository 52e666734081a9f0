"""Which stack a test session runs on (tests/suite_stack.py), and the durations report it writes."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.durations_report import DurationsReport
from tests.suite_stack import PORTS, SuiteStackError, suite_stack
from ticketflow_infra.settings import Settings

DEVELOPERS = Settings(home=Path(".ticketflow"), emulator_port=14566, warehouse_port=14439,
                      fake_bedrock_port=14580, fault_proxy_port=14590)  # fmt: skip


def test_by_default_the_suite_runs_its_own_stack_beside_the_developers() -> None:
    # GIVEN a developer's embedded stack / WHEN the suite's stack is chosen with nothing set
    suite = suite_stack(DEVELOPERS, {})

    # THEN it is the suite's own, in a home and on ports of its own, which every test's environment names
    assert suite.owned
    assert suite.settings.home == Path(".ticketflow/test")
    assert [getattr(suite.settings, port) for port in PORTS] == [14666, 14539, 14680, 14690]
    assert suite.environment() == {
        "TICKETFLOW_HOME": str(Path(".ticketflow/test").absolute()),
        "TICKETFLOW_EMULATOR_PORT": "14666",
        "TICKETFLOW_WAREHOUSE_PORT": "14539",
        "TICKETFLOW_FAKE_BEDROCK_PORT": "14680",
        "TICKETFLOW_FAULT_PROXY_PORT": "14690",
    }


@pytest.mark.parametrize(
    ("settings", "environ"),
    [
        (DEVELOPERS, {"TICKETFLOW_TEST_STACK": "current"}),
        (DEVELOPERS.model_copy(update={"stack": "external"}), {}),
        (DEVELOPERS.model_copy(update={"stack": "containers"}), {}),
    ],
    ids=["asked-for", "external", "containers"],
)
def test_the_suite_uses_the_stack_it_is_given_when_asked_or_when_it_does_not_run_it(
    settings: Settings, environ: dict[str, str]
) -> None:
    # GIVEN the developer's own stack asked for, or a target whose services the suite does not run
    # WHEN the suite's stack is chosen
    suite = suite_stack(settings, environ)

    # THEN it is that stack, untouched, and never started young
    assert suite.settings == settings
    assert not suite.owned
    assert suite.environment() == {}


def test_the_port_offset_moves_the_suites_ports() -> None:
    # GIVEN an offset / WHEN the suite's stack is chosen / THEN its ports are the developer's plus it
    suite = suite_stack(DEVELOPERS, {"TICKETFLOW_TEST_PORT_OFFSET": "7"})
    assert suite.settings.emulator_port == 14573


@pytest.mark.parametrize(
    ("environ", "said"),
    [
        ({"TICKETFLOW_TEST_STACK": "mine"}, "use suite"),
        ({"TICKETFLOW_TEST_PORT_OFFSET": "many"}, "whole number"),
        ({"TICKETFLOW_TEST_PORT_OFFSET": "0"}, "no free range"),
        ({"TICKETFLOW_TEST_PORT_OFFSET": "60000"}, "no free range"),
    ],
)
def test_a_choice_it_cannot_take_is_refused_with_what_it_takes(environ: dict[str, str], said: str) -> None:
    # GIVEN a value the suite cannot use / WHEN the stack is chosen / THEN it says what it takes
    with pytest.raises(SuiteStackError, match=said):
        suite_stack(DEVELOPERS, environ)


class Terminal:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def section(self, title: str) -> None:
        self.lines.append(f"== {title}")

    def write_line(self, line: str) -> None:
        self.lines.append(line)


def phase(nodeid: str, when: str, seconds: float, outcome: str = "passed") -> Any:
    return SimpleNamespace(nodeid=nodeid, when=when, duration=seconds, outcome=outcome)


def test_the_report_keeps_every_tests_phases_slowest_first(tmp_path: Path) -> None:
    # GIVEN a session's phase reports: a test whose setup deploys, a quick one, one that failed
    report = DurationsReport(tmp_path / "reports" / "core.json")
    phases: list[tuple[str, str, float, str]] = [
        ("t::deploys", "setup", 40.0, "passed"), ("t::deploys", "call", 2.0, "passed"),
        ("t::deploys", "teardown", 0.5, "passed"), ("t::quick", "setup", 0.01, "passed"),
        ("t::quick", "call", 0.2, "passed"), ("t::quick", "teardown", 0.0, "passed"),
        ("t::fails", "setup", 0.0, "passed"), ("t::fails", "call", 9.0, "failed"),
    ]  # fmt: skip
    for nodeid, when, seconds, outcome in phases:
        report.pytest_runtest_logreport(phase(nodeid, when, seconds, outcome))
    report.notes["young_state"] = "loaded"
    terminal = Terminal()

    # WHEN the session ends
    report.pytest_terminal_summary(terminal)

    # THEN the file lists each test with its phases and outcome, slowest first, and the summary names them
    written = json.loads((tmp_path / "reports" / "core.json").read_text(encoding="utf-8"))
    assert [test["test"] for test in written["slowest"]] == ["t::deploys", "t::fails", "t::quick"]
    assert written["slowest"][0] == {"test": "t::deploys", "seconds": 42.5, "outcome": "passed",
                                     "setup": 40.0, "call": 2.0, "teardown": 0.5}  # fmt: skip
    assert written["slowest"][1]["outcome"] == "failed"
    assert (written["tests"], written["test_seconds"], written["young_state"]) == (3, 51.7, "loaded")
    assert terminal.lines[1].split() == ["42.50", "s", "t::deploys"]
