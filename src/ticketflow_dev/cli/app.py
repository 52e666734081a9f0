"""The root `ticketflow` command: it composes the command modules, and `main` ends every run well."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
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
    unexpected,
)
from ticketflow_dev.cli.common import ExitStatus, err
from ticketflow_dev.core.aws_checks import switch_aws_checks
from ticketflow_infra.settings import Settings, SettingsError

app = typer.Typer(help="Develop, test and ship the ticketflow support-ticket pipeline.", no_args_is_help=True)


class _Run:
    """What the root options asked of this run."""

    debug = False


@app.callback()
def root(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar=unexpected.DEBUG_VARIABLE,
            help="On an unexpected error, show its traceback here instead of writing it to <home>/logs/.",
        ),
    ] = False,
) -> None:
    _Run.debug = debug
    # Before any command creates a client: the local profile's clients check each request as AWS would.
    switch_aws_checks(Settings.load())


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
# Each group's help is its own Typer's: one given here would override it (and did, for faults).
app.add_typer(tickets.app, name="tickets")
app.add_typer(snapshot.app, name="snapshot")
app.add_typer(dlq.app, name="dlq")
app.add_typer(faults.app, name="faults")


def main() -> None:
    argv = sys.argv[1:]
    try:
        app()
    except SettingsError as error:  # raised wherever settings are first read; one message, no traceback
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise SystemExit(ExitStatus.USAGE) from None
    except Exception as error:  # noqa: BLE001 -- the last word on any error no command foresaw
        status = unexpected.report(error, typer.main.get_command(app), argv, debug=_Run.debug)
        raise SystemExit(status) from None
