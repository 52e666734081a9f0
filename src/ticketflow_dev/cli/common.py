"""What every command shares: the two consoles, the exit statuses, one way to fail, the settings and the
deployed stack's clients and outputs.

Results go to `out` (stdout: tables, JSON, what a script reads); progress, notes and errors to `err`
(stderr). A command fails by `fail(message)`, which says what went wrong and what to do; an error nobody
foresaw is `ticketflow_dev.cli.app.main`'s to report.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from enum import IntEnum
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console, ConsoleDimensions
from rich.text import Text

from ticketflow_dev.core.aws import Clients
from ticketflow_dev.core.safe_text import inert
from ticketflow_dev.stack.deploy import outputs_file
from ticketflow_dev.targets import TargetError, stack_target
from ticketflow_infra.outputs import OutputsNotFoundError, StackOutputs, resolve
from ticketflow_infra.settings import Settings


class ExitStatus(IntEnum):
    """What `ticketflow`'s exit status says."""

    OK = 0
    FAILED = 1  # a failure the command foresaw: its message says what to do
    USAGE = 2  # an option or a setting it cannot take (click's own usage errors exit 2 too)
    UNEXPECTED = 70  # nobody foresaw it (sysexits' EX_SOFTWARE): one line, the traceback in a log file


# Off a terminal (a CI log, `ticketflow status > file`), Rich would lay everything out at 80 columns and fold
# paths mid-way; a log has room, so tables get this much unless COLUMNS says otherwise.
LOG_WIDTH = 250


class _Console(Console):
    """A Rich console that lays out at LOG_WIDTH when its stream is not a terminal and COLUMNS is unset."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # Rich also keeps the COLUMNS it found at creation in `_width` (it has no public attribute), which
        # would outlive the variable: keep only a width given here. `size` reads COLUMNS at each call.
        self._width = options.get("width")

    @property
    def size(self) -> ConsoleDimensions:
        measured = super().size
        explicit = self._width is not None or self._environ.get("COLUMNS", "").isdigit()
        if explicit or self.is_terminal:
            return measured
        return ConsoleDimensions(LOG_WIDTH, measured.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


out = _Console()
# Long lines (paths, pip milestones) stay whole in logs and narrow terminals: a wrap would split them.
err = _Console(stderr=True, soft_wrap=True)
console = err  # the name `err` had before the pair; other branches still print through it


def fail(message: str, *, status: ExitStatus = ExitStatus.FAILED) -> NoReturn:
    """Say what went wrong (and what to do about it) on stderr, and end the command with `status`."""
    err.print(Text.assemble(("error:", "red"), " ", inert(message)))
    raise typer.Exit(status)


@contextmanager
def failing_on(*errors: type[Exception]) -> Iterator[None]:
    """Within the block, each of `errors` (a failure the command foresees, its message written for the
    user) ends the command through `fail`."""
    try:
        yield
    except errors as error:
        fail(str(error))


def settings() -> Settings:
    """The settings, with the deployed functions' runtime as the stack target tells it (the emulator's
    interpreter, or Lambda's containers on LocalStack)."""
    try:
        return stack_target(Settings.load()).function_settings()
    except TargetError as error:
        fail(str(error))


@contextmanager
def step(message: str) -> Iterator[Any]:
    """A spinner for a long step; the yielded status can be updated with `.update(text)`."""
    with err.status(message) as status:
        yield status
    err.print(f"[green]✓[/green] {message}")


def stack_outputs(current: Settings, clients: Clients) -> StackOutputs:
    return resolve(os.environ, outputs_file(current), current.stack_name, clients("cloudformation"))


def deployed() -> tuple[Clients, StackOutputs]:
    """Clients for the current profile and the deployed stack's outputs; a clear error when not deployed."""
    current = settings()
    clients = Clients(current)
    try:
        return clients, stack_outputs(current, clients)
    except OutputsNotFoundError as error:
        fail(str(error))


def write_report(current: Settings, name: str, report: dict[str, Any]) -> Path:
    path = current.reports_dir / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


_INTERVAL = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")


def parse_interval(text: str) -> timedelta:
    """`2h`, `30m`, `1h30m`, `90s` → a positive timedelta."""
    match = _INTERVAL.match(text.strip().lower())
    if not text.strip() or match is None:
        raise typer.BadParameter(f"{text!r} is not an interval like 2h, 30m, 1h30m or 90s")
    interval = timedelta(
        hours=int(match["h"] or 0), minutes=int(match["m"] or 0), seconds=int(match["s"] or 0)
    )
    if interval <= timedelta(0):
        raise typer.BadParameter("the interval must be longer than zero")
    return interval
