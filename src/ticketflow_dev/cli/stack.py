"""`ticketflow up | down | status`: the local stack (emulator, warehouse, fake_bedrock) of the stack target:
started in the background (embedded), or found where it already runs (external)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from rich.table import Table
from rich.text import Text

from ticketflow_dev.cli.common import failing_on, out
from ticketflow_dev.cli.recovery import recover
from ticketflow_dev.core.safe_text import inert
from ticketflow_dev.local import ServiceStatus, StackError
from ticketflow_dev.targets import stack_target
from ticketflow_infra.settings import Settings

_STATE_STYLE = {"healthy": "green", "unhealthy": "yellow", "stopped": "dim", "crashed": "red"}


@contextmanager
def progress_lines(title: str) -> Iterator[Callable[[str, str], None]]:
    """A Rich spinner showing the latest message, with every message also printed as a line."""
    with out.status(title) as spinner:

        def report(service: str, message: str) -> None:
            out.print(Text.assemble("  ", (service, "bold"), ": ", inert(message)), soft_wrap=True)
            spinner.update(Text.assemble(f"{title} ", inert(f"{service}: {message}", "dim")))

        yield report


def stack_errors() -> AbstractContextManager[None]:
    """The local stack's foreseen failures (a port taken, a service that does not come up) end the command
    with their message."""
    return failing_on(StackError)


def _table(statuses: list[ServiceStatus]) -> Table:
    table = Table(box=None, pad_edge=False)
    for column in ("service", "state", "pid", "url", "log"):
        # A path or a URL stays whole (a log can be searched for it); the state's detail folds first.
        table.add_column(column, overflow="fold", no_wrap=column in ("url", "log"))
    for item in statuses:
        state = Text(item.state, style=_STATE_STYLE[item.state])
        if item.detail:
            state.append_text(inert(f" ({item.detail})", "dim"))
        table.add_row(item.name, state, str(item.pid or "-"), item.url, item.log)
    return table


def up() -> None:
    """Start the local stack (AWS emulator, warehouse, fake_bedrock) and wait until it is healthy; on
    TICKETFLOW_STACK=external, check that the running one answers.

    A service found dead without a `ticketflow down` (kill -9, out of memory, power cut) is restarted, and
    what its crash lost is said; after a crash of the emulator the stack is redeployed.
    """
    settings = Settings.load()
    target = stack_target(settings)
    began = time.monotonic()
    with stack_errors(), progress_lines(f"Starting the local stack ({target.name})") as report:
        running = target.up(progress=report)
    out.print(_table(running.services))
    recover(running)
    out.print(
        f"[green]Local stack healthy[/] in {time.monotonic() - began:.1f} s"
        f" ({target.name} target, home {settings.home})."
    )


def down() -> None:
    """Stop the local stack's processes (their state stays under the home folder); an external one is
    left running."""
    target = stack_target(Settings.load())
    began = time.monotonic()
    with stack_errors(), progress_lines(f"Stopping the local stack ({target.name})") as report:
        target.down(progress=report)
    verb = "stopped" if target.controls_processes else "left running"
    out.print(f"[green]Local stack {verb}[/] in {time.monotonic() - began:.1f} s.")


def status() -> None:
    """Show each local service: healthy, unhealthy, stopped or crashed, with its pid, URL and log."""
    with stack_errors():
        statuses = stack_target(Settings.load()).status()
    out.print(_table(statuses))
