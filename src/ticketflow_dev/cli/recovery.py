"""What `ticketflow up` does after a crash: say what each dead service lost and, when the emulator lost its
state, redeploy (its deployment is part of what it lost, though its health probe says healthy)."""

from __future__ import annotations

from rich.text import Text

from ticketflow_dev.cli.common import err, write_report
from ticketflow_dev.cli.deploy import deploy_and_warm
from ticketflow_dev.core.aws import Clients, remove_bucket
from ticketflow_dev.core.safe_text import inert
from ticketflow_dev.local.emulator_state import clock
from ticketflow_dev.stack.crash_loss import emulator_loss, orphaned_asset_buckets
from ticketflow_dev.stack.deploy import outputs_file
from ticketflow_dev.targets import RunningStack
from ticketflow_infra.outputs import StackOutputs

EMULATOR = "emulator"
REPORT = "emulator-crash"


def recover(running: RunningStack) -> None:
    """Tell of every crash `up` found, then bring the emulator's deployment back if it was lost."""
    crashed = [service for service in running.services if service.crash is not None]
    for service in crashed:
        assert service.crash is not None
        err.print(
            Text.assemble(
                (f"{service.name} had crashed", "yellow"),
                f" (pid {service.crash.pid}, started {clock(service.crash.started_at)}): ",
                inert(service.crash.summary),
            )
        )
    emulator = next((s for s in crashed if s.name == EMULATOR and s.crash and s.crash.lost_state), None)
    if emulator is not None:
        recover_emulator(running)


def recover_emulator(running: RunningStack) -> None:
    current = running.settings
    deployed = StackOutputs.from_file(outputs_file(current), current.stack_name)
    if deployed is None:
        err.print(f"no stack {current.stack_name} had been deployed to it: nothing to redeploy")
        return
    clients = Clients(current)
    loss = emulator_loss(clients, current.stack_name, deployed)
    err.print("[yellow]The emulator's crash lost:[/yellow]")
    for line in loss.lines():
        err.print(Text.assemble("  - ", inert(line)))
    path = write_report(current, REPORT, loss.as_report())
    err.print(f"  (ticket ids in {path})")
    for bucket in orphaned_asset_buckets(clients, current.region):
        err.print(f"removing {bucket}: the bootstrap that made it was lost, and a new one needs its name")
        remove_bucket(clients("s3"), bucket)
    deploy_and_warm(current)
