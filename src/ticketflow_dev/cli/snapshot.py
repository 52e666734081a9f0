"""`ticketflow snapshot save | load | list | delete`: the whole local stack's state (emulator, warehouse,
fake_bedrock's faults), copied while the services are stopped, so that a developer (or a test) returns to a
known state in seconds."""

from __future__ import annotations

import time
from typing import Annotated, Any

import psycopg
import typer
from rich.table import Table

from ticketflow_dev.cli.common import console, fail
from ticketflow_dev.cli.stack import progress_lines, stack_errors
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.faults import fake_bedrock_admin
from ticketflow_dev.local import snapshots, supervisor
from ticketflow_dev.local.service import Layout
from ticketflow_dev.stack.crash_loss import archived_ticket_ids, stored_ticket_ids
from ticketflow_dev.stack.deploy import find_stack, outputs_file
from ticketflow_dev.targets import Target, stack_target
from ticketflow_infra.outputs import StackOutputs
from ticketflow_infra.settings import Settings

app = typer.Typer(no_args_is_help=True)
NameArgument = Annotated[str, typer.Argument(help="The snapshot's name: letters, digits, '.', '_', '-'.")]
FAKE_BEDROCK, EMULATOR = "fake_bedrock", "emulator"


def embedded_target() -> Target:
    target = stack_target(Settings.load())
    if not target.controls_processes:
        fail(
            f"TICKETFLOW_STACK={target.name}: snapshots copy the state of the services this tool runs"
            " (TICKETFLOW_STACK=embedded); a stack run elsewhere keeps its state where it runs"
        )
    return target


def holdings(settings: Settings) -> dict[str, Any]:
    """What the running stack holds: the deployed stack, its tickets and archive, the warehouse's rows."""
    holds: dict[str, Any] = {"stack": None}
    deployed = StackOutputs.from_file(outputs_file(settings), settings.stack_name)
    clients = Clients(settings)
    if deployed is not None and find_stack(clients("cloudformation"), settings.stack_name) is not None:
        holds["stack"] = settings.stack_name
        holds["tickets"] = len(stored_ticket_ids(clients("dynamodb"), deployed.table_name))
        holds["archive_objects"] = len(archived_ticket_ids(clients("s3"), deployed.bucket_name))
    try:
        with psycopg.connect(settings.warehouse_url, connect_timeout=5) as connection:
            row = connection.execute("SELECT count(*) FROM processed_tickets").fetchone()
            holds["warehouse_rows"] = int(row[0]) if row else 0
    except psycopg.errors.UndefinedTable:
        holds["warehouse_rows"] = 0  # the ETL never ran
    return holds


def describe(holds: dict[str, Any]) -> str:
    if holds.get("stack") is None:
        return f"nothing deployed, {holds.get('warehouse_rows', 0)} warehouse rows"
    return (
        f"{holds['stack']} deployed, {holds['tickets']} tickets, {holds['archive_objects']} archive objects,"
        f" {holds['warehouse_rows']} warehouse rows"
    )


@app.command("save")
def save_command(name: NameArgument) -> None:
    """Stop the stack cleanly (the emulator saves), copy its state, and start again what was running."""
    target = embedded_target()
    current, layout = target.settings, Layout.of(target.settings)
    with stack_errors():
        snapshots.check_name(name)
        if (layout.snapshots / name).exists():
            snapshots.find(layout, name)  # a complete one: `save` refuses it below
        running = [s.name for s in supervisor.status(current) if s.state == "healthy"]
        stack = [s for s in supervisor.default_services(current) if not s.on_demand]
        holds = holdings(current) if {s.name for s in stack} <= set(running) else {}
        faults = fake_bedrock_admin.get_faults(current.fake_bedrock_url) if FAKE_BEDROCK in running else None
        began = time.monotonic()
        with progress_lines(f"Saving snapshot {name}") as report:
            supervisor.down(current, progress=report)
            stopped = time.monotonic()
            snapshot = snapshots.save(layout, name, holds, faults)
            copied = time.monotonic()
            if running:
                restart(target, faults, report)
    started = time.monotonic()
    console.print(
        f"[green]snapshot {name} saved[/green] ({snapshot.size / 1024 / 1024:.1f} MB: {describe(holds)}):"
        f" stop {stopped - began:.1f} s, copy {copied - stopped:.1f} s,"
        f" start {started - copied:.1f} s" + ("" if running else " (the stack was not running: not started)")
    )


@app.command("load")
def load_command(name: NameArgument) -> None:
    """Replace the stack's state with a snapshot's and start it. A running stack is stopped first (the
    emulator without saving: its state is replaced)."""
    target = embedded_target()
    current, layout = target.settings, Layout.of(target.settings)
    with stack_errors():
        snapshot = snapshots.find(layout, name)
        began = time.monotonic()
        with progress_lines(f"Loading snapshot {name}") as report:
            # The emulator's state is replaced, so it is not saved; the others stop cleanly (in a second).
            supervisor.down(current, only=(EMULATOR,), kill=True, progress=report)
            supervisor.down(current, progress=report)
            stopped = time.monotonic()
            snapshots.load(layout, snapshot)
            supervisor.recovered(current, EMULATOR)  # its state is the snapshot's now, whatever it lost
            copied = time.monotonic()
            restart(target, snapshot.faults, report)
    console.print(
        f"[green]snapshot {name} loaded[/green] ({describe(snapshot.holds)}): stop {stopped - began:.1f} s,"
        f" copy {copied - stopped:.1f} s, start {time.monotonic() - copied:.1f} s"
    )


def restart(target: Target, faults: dict[str, Any] | None, report: supervisor.Progress) -> None:
    running = target.up(progress=report)
    if faults is not None:  # they live in fake_bedrock's memory: a start begins without any
        fake_bedrock_admin.put_faults(running.settings.fake_bedrock_url, faults)
        report(FAKE_BEDROCK, "faults restored")


@app.command("list")
def list_command() -> None:
    """The snapshots: name, size, age and what each holds."""
    layout = Layout.of(embedded_target().settings)
    found = snapshots.snapshots(layout)
    if not found:
        console.print(f"no snapshots in {layout.snapshots}: `ticketflow snapshot save NAME` takes one")
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
    console.print(table)


@app.command("delete")
def delete_command(name: NameArgument) -> None:
    """Delete a snapshot."""
    layout = Layout.of(embedded_target().settings)
    with stack_errors():
        snapshot = snapshots.delete(layout, name)
    console.print(f"snapshot {snapshot.name} deleted")


def age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"
