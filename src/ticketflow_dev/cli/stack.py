"""`ticketflow up | down | status`: the local stack (emulator, warehouse, fake_bedrock) in the background."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ticketflow_dev.local import ServiceStatus, StackError
from ticketflow_dev.local import down as stack_down
from ticketflow_dev.local import status as stack_status
from ticketflow_dev.local import up as stack_up
from ticketflow_infra.settings import Settings

console = Console()
errors = Console(stderr=True)

_STATE_STYLE = {"healthy": "green", "unhealthy": "yellow", "stopped": "dim"}


@contextmanager
def _progress(title: str) -> Iterator[Callable[[str, str], None]]:
    """A Rich spinner showing the latest message, with every message also printed as a line."""
    with console.status(title) as spinner:

        def report(service: str, message: str) -> None:
            console.print(f"  [bold]{service}[/]: {escape(message)}", soft_wrap=True)
            spinner.update(f"{title} [dim]{service}: {escape(message)}[/]")

        yield report


@contextmanager
def _stack_errors() -> Iterator[None]:
    try:
        yield
    except StackError as error:
        errors.print(f"[red]{escape(str(error))}[/]", soft_wrap=True)
        raise typer.Exit(1) from None


def _table(statuses: list[ServiceStatus]) -> Table:
    table = Table(box=None, pad_edge=False)
    for column in ("service", "state", "pid", "url", "log"):
        table.add_column(column, overflow="fold")
    for item in statuses:
        state = f"[{_STATE_STYLE[item.state]}]{item.state}[/]"
        if item.detail:
            state += f" [dim]({escape(item.detail)})[/]"
        table.add_row(item.name, state, str(item.pid or "-"), item.url, item.log)
    return table


def up() -> None:
    """Start the local stack (AWS emulator, warehouse, fake_bedrock) and wait until it is healthy."""
    settings = Settings.load()
    began = time.monotonic()
    with _stack_errors(), _progress("Starting the local stack") as report:
        statuses = stack_up(settings, progress=report)
    console.print(_table(statuses))
    console.print(
        f"[green]Local stack healthy[/] in {time.monotonic() - began:.1f} s (home {settings.home})."
    )


def down() -> None:
    """Stop the local stack's processes; their state stays under the home folder."""
    settings = Settings.load()
    began = time.monotonic()
    with _stack_errors(), _progress("Stopping the local stack") as report:
        stack_down(settings, progress=report)
    console.print(f"[green]Local stack stopped[/] in {time.monotonic() - began:.1f} s.")


def status() -> None:
    """Show each local service: healthy, unhealthy or stopped, with its pid, URL and log."""
    settings = Settings.load()
    with _stack_errors():
        statuses = stack_status(settings)
    console.print(_table(statuses))
