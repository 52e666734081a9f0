"""`ticketflow reset`: the emulator afresh, deployed (for benchmarks, and stacks whose state grew)."""

from __future__ import annotations

import time

from ticketflow_dev.cli.common import console, fail
from ticketflow_dev.cli.deploy import deploy_and_warm
from ticketflow_dev.cli.stack import progress_lines, stack_errors
from ticketflow_dev.local import supervisor
from ticketflow_dev.local.emulator import drop_emulator_state
from ticketflow_dev.stack.deploy import outputs_file
from ticketflow_dev.targets import stack_target
from ticketflow_dev.tickets.put_journal import put_journal
from ticketflow_infra.settings import Settings

EMULATOR = "emulator"


def reset() -> None:
    """Stop the emulator, drop its state, start the stack and deploy (with `deploy`'s progress).

    Only the emulator's state goes (its stack, tickets, executions, archive); the warehouse keeps its rows
    and fake_bedrock its faults. The emulator is killed, not stopped: saving what is about to be dropped
    would only cost time. On a stack that is not running, it starts it.
    """
    target = stack_target(Settings.load())
    if not target.controls_processes:
        fail(
            f"TICKETFLOW_STACK={target.name}: reset drops the state of an emulator this tool runs; reset"
            " that one where it runs (e.g. `docker compose down -v && docker compose up -d --wait`)"
        )
    current = target.settings
    began = time.monotonic()
    with stack_errors(), progress_lines("Resetting the emulator") as report:
        supervisor.down(current, only=(EMULATOR,), kill=True, progress=report)
        dropped = drop_emulator_state(current)
        supervisor.recovered(current, EMULATOR)  # a crash it had is no longer anything to recover from
        put_journal(current).path.unlink(missing_ok=True)  # the tickets it names were in the dropped state
        outputs_file(current).unlink(missing_ok=True)  # it names resources that are gone now
        report(EMULATOR, f"dropped its state ({dropped / 1024 / 1024:.1f} MB)")
        running = target.up(progress=report)
    deploy_and_warm(running.settings)
    console.print(
        f"[green]Emulator reset and stack {current.stack_name} deployed[/green] in"
        f" {time.monotonic() - began:.1f} s (the warehouse's rows and fake_bedrock's faults are kept)."
    )
