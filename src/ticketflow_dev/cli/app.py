"""The root `ticketflow` command: it only composes the command modules."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from ticketflow_dev.cli import (
    bench,
    demo,
    deploy,
    destroy,
    dlq,
    doctor,
    etl,
    eval,
    faults,
    generate,
    local_console,
    logs,
    push,
    reset,
    snapshot,
    stack,
    submit,
    tickets,
    trace,
)
from ticketflow_dev.core.aws_checks import switch_aws_checks
from ticketflow_infra.settings import Settings, SettingsError

app = typer.Typer(help="Develop, test and ship the ticketflow support-ticket pipeline.", no_args_is_help=True)
app.command()(doctor.doctor)
app.command()(stack.up)
app.command()(stack.down)
app.command()(stack.status)
app.command()(reset.reset)
app.command()(deploy.deploy)
app.command()(destroy.destroy)
app.command()(push.push)
app.command()(deploy.synth)
app.command()(deploy.env)
app.command()(demo.demo)
app.command("generate")(generate.generate_command)
app.command("eval")(eval.eval_command)
app.command("etl")(etl.etl_command)
app.command()(bench.bench)
app.command()(submit.submit)
app.command()(trace.trace)
app.command()(logs.logs)
app.command("console")(local_console.console_command)
app.add_typer(
    tickets.app, name="tickets", help="A ticket's status, reason and history; the tickets in one status."
)
app.add_typer(
    snapshot.app, name="snapshot", help="The local stack's whole state saved under a name, loaded in seconds."
)
app.add_typer(dlq.app, name="dlq", help="Dead-lettered Kinesis records: list them, replay them.")
app.add_typer(faults.app, name="faults", help="Inject faults into fake_bedrock: errors, latency, bad output.")


def main() -> None:
    try:
        # Before any command creates a client: the local profile's clients check each request as AWS would.
        switch_aws_checks(Settings.load())
        app()
    except SettingsError as error:  # raised wherever settings are first read; one message, no traceback
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        raise SystemExit(2) from None
