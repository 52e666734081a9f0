"""`ticketflow snapshot save | load | list | delete`: the whole local stack's state (emulator, warehouse,
fake_bedrock's faults), copied while the services are stopped, so that a developer (or a test) returns to a
known state in seconds."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from ticketflow_dev.cli.common import err, fail
from ticketflow_dev.cli.stack import progress_lines, stack_errors
from ticketflow_dev.faults import fake_bedrock_admin
from ticketflow_dev.local import snapshots
from ticketflow_dev.local.service import Layout
from ticketflow_dev.stack.holdings import describe
from ticketflow_dev.stack.snapshot_runs import FaultStore, load_snapshot, save_snapshot
from ticketflow_dev.targets import Target, stack_target
from ticketflow_infra.settings import Settings

app = typer.Typer(
    help="The local stack's whole state saved under a name, loaded in seconds.", no_args_is_help=True
)
NameArgument = Annotated[str, typer.Argument(help="The snapshot's name: letters, digits, '.', '_', '-'.")]
FAKE_BEDROCK_FAULTS = FaultStore(fake_bedrock_admin.get_faults, fake_bedrock_admin.put_faults)


def embedded_target() -> Target:
    target = stack_target(Settings.load())
    if not target.controls_processes:
        fail(
            f"TICKETFLOW_STACK={target.name}: snapshots copy the state of the services this tool runs"
            " (TICKETFLOW_STACK=embedded); a stack run elsewhere keeps its state where it runs"
        )
    return target


@app.command("save")
def save_command(name: NameArgument) -> None:
    """Stop the stack cleanly (the emulator saves), copy its state, and start again what was running."""
    target = embedded_target()
    with stack_errors(), progress_lines(f"Saving snapshot {name}") as report:
        run = save_snapshot(target, name, FAKE_BEDROCK_FAULTS, report)
    snapshot = run.snapshot
    err.print(
        f"[green]snapshot {name} saved[/green] ({snapshot.size / 1024 / 1024:.1f} MB:"
        f" {describe(snapshot.holds)}): stop {run.stop_s:.1f} s, copy {run.copy_s:.1f} s,"
        f" start {run.start_s:.1f} s" + ("" if run.restarted else " (the stack was not running: not started)")
    )


@app.command("load")
def load_command(name: NameArgument) -> None:
    """Replace the stack's state with a snapshot's and start it. A running stack is stopped first (the
    emulator without saving: its state is replaced)."""
    target = embedded_target()
    with stack_errors(), progress_lines(f"Loading snapshot {name}") as report:
        run = load_snapshot(target, name, FAKE_BEDROCK_FAULTS, report)
    err.print(
        f"[green]snapshot {name} loaded[/green] ({describe(run.snapshot.holds)}): stop {run.stop_s:.1f} s,"
        f" copy {run.copy_s:.1f} s, start {run.start_s:.1f} s"
    )


@app.command("list")
def list_command() -> None:
    """The snapshots: name, size, age and what each holds."""
    layout = Layout.of(embedded_target().settings)
    found = snapshots.snapshots(layout)
    if not found:
        err.print(f"no snapshots in {layout.snapshots}: `ticketflow snapshot save NAME` takes one")
        return
    table = Table(box=None, pad_edge=False)
    for column in ("name", "size", "age", "holds"):
        table.add_column(column, overflow="fold")
    now = time.time()
    for snapshot in found:
        holds = describe(snapshot.holds) if snapshot.holds else "(taken with the stack stopped)"
        if snapshot.faults and snapshot.faults.get("operations"):
            holds += ", fake_bedrock faults set"
        size = f"{snapshot.size / 1024 / 1024:.1f} MB"
        table.add_row(snapshot.name, size, age(now - snapshot.created_at), holds)
    err.print(table)


@app.command("delete")
def delete_command(name: NameArgument) -> None:
    """Delete a snapshot."""
    layout = Layout.of(embedded_target().settings)
    with stack_errors():
        snapshot = snapshots.delete(layout, name)
    err.print(f"snapshot {snapshot.name} deleted")


def age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"
