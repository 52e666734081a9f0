"""tools/toolchain.sh, the Makefile's first step: a supported Python and Node, or what to install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ticketflow_infra.paths import REPO_ROOT

SCRIPT = REPO_ROOT / "tools" / "toolchain.sh"
BASH = shutil.which("bash") or "/bin/bash"


def _fake(bin_dir: Path, name: str, prints: str) -> None:
    """A program that prints `prints` whatever it is asked (as `python -c ...` or `node --version`)."""
    path = bin_dir / name
    path.write_text(f"#!{BASH}\necho '{prints}'\n")
    path.chmod(0o755)


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """A PATH with nothing on it but uname (which the hints read): no Python, no Node of this machine."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "uname").symlink_to(shutil.which("uname") or "/bin/uname")
    return folder


def _run(bin_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(bin_dir), "HOME": os.environ.get("HOME", "/")}
    return subprocess.run([BASH, str(SCRIPT), *args], capture_output=True, text=True, env=env, check=False)


def test_the_default_python3_is_taken_when_supported(bin_dir: Path) -> None:
    # GIVEN python3 is this (supported) interpreter
    (bin_dir / "python3").symlink_to(sys.executable)
    # WHEN / THEN it is the one found
    found = _run(bin_dir, "python")
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == str(bin_dir / "python3")


def test_a_newer_supported_python_is_found_beside_an_unsupported_python3(bin_dir: Path) -> None:
    # GIVEN python3 is 3.10, and python3.12 is supported
    _fake(bin_dir, "python3", "3.10 cpython 1")
    (bin_dir / "python3.12").symlink_to(sys.executable)
    # WHEN / THEN python3.12 is taken
    found = _run(bin_dir, "python")
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == str(bin_dir / "python3.12")


def test_no_supported_python_names_each_one_found_and_what_to_install(bin_dir: Path) -> None:
    # GIVEN python3 is 3.10, python3.13 lacks venv (Debian without python3-venv), python3.12 is PyPy
    _fake(bin_dir, "python3", "3.10 cpython 1")
    _fake(bin_dir, "python3.13", "3.13 cpython 0")
    _fake(bin_dir, "python3.12", "3.12 pypy 1")

    # WHEN a Python is looked for
    found = _run(bin_dir, "python")

    # THEN it fails, saying what each one is and what to do
    assert found.returncode == 1
    assert found.stdout == ""
    message = found.stderr
    assert "needs CPython 3.11, 3.12, 3.13" in message
    assert "python3 (" in message
    assert "Python 3.10" in message
    assert "without the venv module" in message
    assert "python3-venv" in message
    assert "pypy 3.12, not CPython" in message
    assert "python3.11: not found" in message
    assert "PYTHON=" in message


def test_an_explicit_python_is_checked_too(bin_dir: Path) -> None:
    _fake(bin_dir, "python3.9", "3.9 cpython 1")
    found = _run(bin_dir, "python", "python3.9")
    assert found.returncode == 1
    assert "python3.9 (" in found.stderr
    assert "Python 3.9" in found.stderr


@pytest.mark.parametrize(
    ("node", "npm", "says"),
    [
        (None, True, "Node.js is not installed"),
        ("v18.19.0", True, "too old"),
        ("v20.19.2", False, "npm is missing"),
    ],
)
def test_node_must_be_20_or_newer_with_npm(bin_dir: Path, node: str | None, npm: bool, says: str) -> None:
    if node is not None:
        _fake(bin_dir, "node", node)
    if npm:
        _fake(bin_dir, "npm", "9.2.0")
    found = _run(bin_dir, "node")
    assert found.returncode == 1
    assert says in found.stderr


def test_node_20_with_npm_passes(bin_dir: Path) -> None:
    _fake(bin_dir, "node", "v20.19.2")
    _fake(bin_dir, "npm", "9.2.0")
    found = _run(bin_dir, "node")
    assert found.returncode == 0, found.stderr
