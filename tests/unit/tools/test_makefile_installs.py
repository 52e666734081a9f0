"""The Makefile's test targets install only the project's own files; the system's browser is a target of
its own (`make install-browser`), which CI runs."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ticketflow_infra.paths import REPO_ROOT

MAKE = shutil.which("make")


def _dry_run(target: str) -> str:
    """What `make TARGET` would run, without running it (`make -n`)."""
    assert MAKE is not None
    argv = [MAKE, "--no-print-directory", "-n", target]
    result = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return result.stdout


@pytest.mark.skipif(MAKE is None, reason="no make on PATH")
@pytest.mark.parametrize("target", ["test", "test-e2e", "test-unit", "test-integration"])
def test_no_test_target_runs_apt_get(target: str) -> None:
    # GIVEN / WHEN what a test target would run / THEN no system package manager is among it
    assert "apt-get" not in _dry_run(target)


@pytest.mark.skipif(MAKE is None, reason="no make on PATH")
def test_the_browser_has_a_target_of_its_own_and_ci_runs_it() -> None:
    # GIVEN / WHEN the browser target and CI's script / THEN the one installs with apt-get, the other calls it
    assert "apt-get install -y chromium" in _dry_run("install-browser")
    assert "make install-browser" in (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
