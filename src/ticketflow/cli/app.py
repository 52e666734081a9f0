"""The root `ticketflow` command: it only composes the command modules."""

from __future__ import annotations

import typer

from ticketflow.cli import demo, deploy, etl, eval, faults, stack

app = typer.Typer(help="Develop, test and ship the ticketflow support-ticket pipeline.", no_args_is_help=True)
app.command()(stack.up)
app.command()(stack.down)
app.command()(stack.status)
app.command()(deploy.deploy)
app.command()(deploy.synth)
app.command()(deploy.env)
app.command()(demo.demo)
app.command("eval")(eval.eval_command)
app.command("etl")(etl.etl_command)
app.add_typer(faults.app, name="faults", help="Inject faults into fake_bedrock: errors, latency, bad output.")


def main() -> None:
    app()
