"""Off a terminal (a CI log, `ticketflow status > file`), tables keep their paths whole instead of folding
them at 80 columns."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ticketflow_dev.cli import stack
from ticketflow_dev.cli.app import app
from ticketflow_dev.cli.common import LOG_WIDTH, out
from ticketflow_dev.local import ServiceStatus

# A checkout 78 characters deep, as in issue 25: its log path alone is more than 80 columns.
DEEP = "/home/someone/src/work/clients/acme/projects/support/pipelines/ticketflow-clone"


class StackOf:
    def __init__(self, statuses: list[ServiceStatus]) -> None:
        self._statuses = statuses

    def status(self) -> list[ServiceStatus]:
        return self._statuses


def test_status_in_a_log_keeps_each_path_on_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN services whose log paths are longer than a terminal's 80 columns
    statuses = [
        ServiceStatus(
            name=name,
            state="crashed",
            pid=None,
            port=port,
            url=f"http://127.0.0.1:{port}",
            log=f"{DEEP}/.ticketflow/logs/{name}.log",
            detail="kill -9 at 10:02; everything since the last save is gone",
        )
        for name, port in (("emulator", 4566), ("fake_bedrock", 4580))
    ]
    monkeypatch.setattr(stack, "stack_target", lambda _settings: StackOf(statuses))
    monkeypatch.delenv("COLUMNS", raising=False)

    # WHEN `ticketflow status` writes to something that is not a terminal (CliRunner's stream)
    result = CliRunner().invoke(app, ["status"])

    # THEN each service is one line with its whole log path, as a log reader would search for it
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if line.startswith(("emulator", "fake_bedrock"))]
    assert len(rows) == 2
    for row, status in zip(rows, statuses, strict=True):
        assert status.log in row
        assert f"({status.detail})" in row


def test_columns_still_sets_the_width(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN / WHEN COLUMNS is set, or not, for a console that is not a terminal
    monkeypatch.setenv("COLUMNS", "100")
    chosen = out.width
    monkeypatch.delenv("COLUMNS")

    # THEN COLUMNS wins; without it the width is the log width, not Rich's 80
    assert (chosen, out.width) == (100, LOG_WIDTH)
