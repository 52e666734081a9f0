"""`ticketflow console`: serve the local console on 127.0.0.1 and open it in the browser."""

from __future__ import annotations

import webbrowser
from typing import Annotated

import typer

from ticketflow_dev.cli.common import deployed, err, settings
from ticketflow_dev.console.server import open_console


def console_command(
    *,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1 (0: a free one).")] = 0,
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the page in the browser.")
    ] = True,
) -> None:
    """A live web page of the local stack: the pipeline with its counts, recent tickets and each one's
    journey, dead letters with replay, alarms, the warehouse, and the faults. Ctrl-C stops it."""
    clients, outputs = deployed()
    try:
        server = open_console(settings(), clients, outputs, port=port)
    except OSError as error:
        raise typer.BadParameter(
            f"cannot listen on 127.0.0.1:{port}: {error}", param_hint="--port"
        ) from error
    # The URL carries this run's token: whoever has it may change the stack, so it is shown only here.
    err.print(f"console: {server.url}", soft_wrap=True, markup=False, highlight=False)
    if open_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        err.print("stopped")
    finally:
        server.close()
