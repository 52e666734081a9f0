"""The root `ticketflow` command: it only composes the command modules."""

from __future__ import annotations

import typer

app = typer.Typer(help="Develop, test and ship the ticketflow support-ticket pipeline.", no_args_is_help=True)


def main() -> None:
    app()
