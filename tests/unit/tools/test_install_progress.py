"""tools/install_progress.py: a first install shows what it installs, and a failed one shows why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ticketflow_infra.paths import REPO_ROOT

SCRIPT = REPO_ROOT / "tools" / "install_progress.py"
PIP_LIKE = """
print("Collecting aws-cdk-lib==2.275.0 (from -r requirements/dev.txt (line 5))")
print("  Downloading aws_cdk_lib-2.275.0-py3-none-any.whl (41.2 MB)")
print("Collecting boto3==1.44.8 (from -r requirements/dev.txt (line 9))")
print("Installing collected packages: boto3, aws-cdk-lib")
print("Successfully installed aws-cdk-lib-2.275.0 boto3-1.44.8")
"""


def _run(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), "--what", "the venv", "--expect", "2-4 min", "--total", "2"]
    command += ["--log", str(tmp_path / "install.log"), "--", sys.executable, "-c", code]
    # Not a terminal: plain lines, as in a CI log.
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_off_a_terminal_each_package_is_a_plain_line_and_the_log_keeps_everything(tmp_path: Path) -> None:
    # GIVEN an install that prints as pip does
    # WHEN it runs under the progress wrapper, its output not a terminal
    result = _run(tmp_path, PIP_LIKE)

    # THEN what is installed and how long a first install takes, a line per package with its count and
    # download size, the install step, the time it took; pip's own output is in the log
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("==> installing the venv (a first install takes ~2-4 min); log: ")
    assert lines[1].endswith("] 1/2 aws-cdk-lib==2.275.0")
    assert lines[2].endswith("downloading 41.2 MB")
    assert lines[3].endswith("] 2/2 boto3==1.44.8")
    assert "installing the collected packages" in lines[4]
    assert lines[5].startswith("==> the venv: done in ")
    assert "\r" not in result.stdout
    assert "Successfully installed" in (tmp_path / "install.log").read_text()


def test_a_failed_install_prints_the_end_of_its_log_and_exits_with_its_code(tmp_path: Path) -> None:
    failing = (
        "import sys; print('Collecting nosuch==1.0'); print('ERROR: No matching distribution'); sys.exit(3)"
    )
    result = _run(tmp_path, failing)
    assert result.returncode == 3
    assert "installing the venv failed after" in result.stdout
    assert "ERROR: No matching distribution" in result.stdout
