"""`ticketflow logs [SERVICE|FUNCTION] [-f] [--ticket ID]`: the local services' logs and the functions'."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.text import Text

from ticketflow_dev.cli.common import fail, out, parse_interval, settings
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.core.safe_text import inert
from ticketflow_dev.journey.evidence import LogEvent
from ticketflow_dev.journey.log_sources import FileSource, GroupSource, LogSource, poll
from ticketflow_dev.local.service import Layout
from ticketflow_dev.stack.functions import StackNotDeployedError, deployed_functions
from ticketflow_infra.settings import Settings

SERVICES = ("emulator", "warehouse", "fake_bedrock")


def service_sources(current: Settings, wanted: str | None) -> list[LogSource]:
    """The embedded stack's log files; none on the other targets (their services keep their own logs)."""
    if current.stack != "embedded":
        if wanted in SERVICES:
            fail(
                f"TICKETFLOW_STACK={current.stack}: {wanted} is not run by ticketflow, so it has no log here"
            )
        return []
    layout = Layout.of(current)
    return [FileSource(name, layout.log(name)) for name in SERVICES if wanted in (None, name)]


def function_sources(
    current: Settings, wanted: str | None, ticket_id: str | None, since: datetime
) -> list[LogSource]:
    clients = Clients(current)
    try:
        functions = deployed_functions(clients("cloudformation"), clients("lambda"), current.stack_name)
    except StackNotDeployedError:
        return []
    return [
        GroupSource(
            f.folder or f.name, f.log_group, clients("logs"), int(since.timestamp() * 1000), ticket_id
        )
        for f in functions
        if f.log_group and wanted in (None, f.folder, f.name)
    ]


def _show(event: LogEvent) -> None:
    out.print(
        Text.assemble(
            (f"{event.timestamp:%H:%M:%S.%f}"[:-3], "dim"),
            " ",
            inert(event.service, "cyan"),
            " ",
            inert(event.message.rstrip()),
        ),
        soft_wrap=True,
    )


def logs(
    source: Annotated[
        str | None,
        typer.Argument(help=f"One of {', '.join(SERVICES)}, or a function (folder or name). Default: all."),
    ] = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep showing new lines until Ctrl-C.")
    ] = False,
    ticket: Annotated[str | None, typer.Option(help="Only the lines naming this ticket id.")] = None,
    since: Annotated[str, typer.Option(help="Function logs from this long ago (10m, 2h).")] = "10m",
    interval: Annotated[float, typer.Option(min=0.2, help="Seconds between polls with --follow.")] = 1.0,
) -> None:
    """The local services' log files and the functions' CloudWatch logs, interleaved by time."""
    current = settings()
    start = datetime.now(UTC) - parse_interval(since)
    sources = service_sources(current, source) + function_sources(current, source, ticket, start)
    if not sources:
        where = f" named {source!r}" if source else ""
        fail(f"no log{where}: not a local service ({', '.join(SERVICES)}) nor a deployed function")
    if current.stack != "embedded" and source is None:
        typer.echo(
            f"(TICKETFLOW_STACK={current.stack}: the services' own logs are not here; functions only)",
            err=True,
        )
    try:
        poll(sources, _show, ticket_id=ticket, follow=follow, interval=interval, sleep=time.sleep)
    except KeyboardInterrupt:
        return
