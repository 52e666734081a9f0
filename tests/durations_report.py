"""Where a test session's time went: every test's setup, call and teardown, written to a JSON file, the
slowest first (`pytest --durations-report=PATH`; the Makefile writes .ticketflow/reports/tests/<tier>.json).

pytest's own `--durations=N` prints the slowest phases; this keeps all of them, per test, with the
session's wall time and how its stack started, so that two runs can be compared afterwards.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

SHOWN = 10  # the slowest tests named in the terminal summary


class DurationsReport:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.began = time.time()
        self.phases: dict[str, dict[str, float]] = defaultdict(dict)
        self.outcomes: dict[str, str] = {}
        self.notes: dict[str, Any] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.phases[report.nodeid][report.when] = report.duration
        if report.when == "call" or report.outcome != "passed":
            self.outcomes[report.nodeid] = report.outcome

    def slowest(self) -> list[dict[str, Any]]:
        tests = [
            {"test": nodeid, "seconds": round(sum(phases.values()), 2), "outcome": self.outcomes.get(nodeid)}
            | {when: round(seconds, 2) for when, seconds in phases.items()}
            for nodeid, phases in self.phases.items()
        ]
        return sorted(tests, key=lambda test: test["seconds"], reverse=True)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        tests = self.slowest()
        wall = time.time() - self.began
        document = {
            "finished_at": time.time(),
            "wall_seconds": round(wall, 1),
            "tests": len(tests),
            "test_seconds": round(sum(test["seconds"] for test in tests), 1),
            **self.notes,
            "slowest": tests,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        terminalreporter.section(f"the {min(SHOWN, len(tests))} slowest tests (setup + call + teardown)")
        for test in tests[:SHOWN]:
            terminalreporter.write_line(f"{test['seconds']:8.2f} s  {test['test']}")
        terminalreporter.write_line(f"every test's phases, {wall:.0f} s in all: {self.path}")


def note(config: pytest.Config, **values: Any) -> None:
    """Add `values` to the session's report (when one is written)."""
    plugin = config.pluginmanager.get_plugin("durations-report")
    if isinstance(plugin, DurationsReport):
        plugin.notes.update(values)
