"""What every command shares: the console, the settings, the clients and one way to fail."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from ticketflow_dev.core.aws import Clients
from ticketflow_dev.core.safe_text import inert
from ticketflow_dev.stack.deploy import outputs_file
from ticketflow_dev.targets import TargetError, stack_target
from ticketflow_infra.outputs import OutputsNotFoundError, StackOutputs, resolve
from ticketflow_infra.settings import Settings

# Long lines (paths, pip milestones) stay whole in logs and narrow terminals: a wrap would split them.
console = Console(stderr=True, soft_wrap=True)


def settings() -> Settings:
    """The settings, with the deployed functions' runtime as the stack target tells it (the emulator's
    interpreter, or Lambda's containers on LocalStack)."""
    try:
        return stack_target(Settings.load()).function_settings()
    except TargetError as error:
        fail(str(error))


def fail(message: str) -> NoReturn:
    console.print(Text.assemble(("error:", "red"), " ", inert(message)))
    raise typer.Exit(1)


@contextmanager
def step(message: str) -> Iterator[Any]:
    """A spinner for a long step; the yielded status can be updated with `.update(text)`."""
    with console.status(message) as status:
        yield status
    console.print(f"[green]✓[/green] {message}")


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
