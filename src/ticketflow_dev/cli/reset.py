"""`ticketflow reset`: the emulator back on a fresh deployment, for benchmarks and stacks whose state grew."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from ticketflow_dev.cli.common import err, fail
from ticketflow_dev.cli.deploy import deploy_and_warm, warm
from ticketflow_dev.cli.stack import progress_lines, stack_errors
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.stack.functions import deployed_functions
from ticketflow_dev.stack.young_state import start_young
from ticketflow_dev.targets import stack_target
from ticketflow_dev.tickets.put_journal import put_journal
from ticketflow_infra.settings import Settings

REDEPLOY_HELP = (
    "Deploy into an empty emulator even when a young state of this template is saved (and save anew)."
)


def reset(redeploy: Annotated[bool, typer.Option("--redeploy", help=REDEPLOY_HELP)] = False) -> None:
    """Put the emulator back on a fresh deployment of the current template, then pre-warm the functions.

    The first reset of a template deploys into an empty emulator and saves that state (the young state,
    under <home>/young/); every later one, while the template is unchanged, loads it in seconds. Only the
    emulator's state goes (its stack, tickets, executions, archive); the warehouse keeps its rows and
    fake_bedrock its faults. The emulator is killed, not stopped: saving what is replaced would only cost
    time. On a stack that is not running, it starts it.
    """
    target = stack_target(Settings.load())
    if not target.controls_processes:
        fail(
            f"TICKETFLOW_STACK={target.name}: reset replaces the state of an emulator this tool runs; reset"
            " that one where it runs (e.g. `docker compose down -v && docker compose up -d --wait`)"
        )
    began = time.monotonic()
    with stack_errors(), progress_lines("Resetting the emulator") as report:
        # The young state's own clean stop saves the deploy: no durable restart before it.
        started = start_young(
            target,
            lambda current: deploy_and_warm(current, warm_up=False, durable=False),
            report,
            fresh=redeploy,
        )
    current = started.running.settings
    put_journal(current).path.unlink(missing_ok=True)  # the tickets it names were in the replaced state
    clients = Clients(current)
    warm(clients, deployed_functions(clients("cloudformation"), clients("lambda"), current.stack_name))
    how = "a fresh deployment, saved as" if started.how == "took" else "loaded"
    err.print(
        f"[green]Emulator reset and stack {current.stack_name} deployed[/green] ({how} the young state"
        f" {started.young.fingerprint}) in {time.monotonic() - began:.1f} s, pre-warmed (the warehouse's rows"
        " and fake_bedrock's faults are kept)."
    )
