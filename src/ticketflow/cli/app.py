"""The root `ticketflow` command: it only composes the command modules."""

from __future__ import annotations

import typer

from ticketflow.cli import demo, deploy, stack

app = typer.Typer(help="Develop, test and ship the ticketflow support-ticket pipeline.", no_args_is_help=True)
app.command()(stack.up)
app.command()(stack.down)
app.command()(stack.status)
app.command()(deploy.deploy)
app.command()(deploy.synth)
app.command()(deploy.env)
app.command()(demo.demo)


def main() -> None:
    app()
