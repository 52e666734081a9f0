"""Saving and loading a snapshot of the running local stack: stop it, copy its state, start again what ran,
and put fake_bedrock's faults back (they live in its memory, so a start begins without any)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ticketflow_dev.local import snapshots, supervisor
from ticketflow_dev.local.service import Layout
from ticketflow_dev.local.snapshots import Snapshot
from ticketflow_dev.stack.holdings import holdings
from ticketflow_dev.targets import Target

FAKE_BEDROCK, EMULATOR = "fake_bedrock", "emulator"
Faults = dict[str, Any]


@dataclass(frozen=True)
class FaultStore:
    """Reads and writes fake_bedrock's fault configuration at its URL (its admin endpoint)."""

    read: Callable[[str], Faults]
    write: Callable[[str, Faults], Any]


@dataclass(frozen=True)
class SnapshotRun:
    """What a save or a load did, and how long its three steps took."""

    snapshot: Snapshot
    restarted: bool
    stop_s: float
    copy_s: float
    start_s: float


def save_snapshot(target: Target, name: str, faults: FaultStore, report: supervisor.Progress) -> SnapshotRun:
    """Stop the stack cleanly (the emulator saves), copy its state under `name`, start again what ran."""
    current, layout = target.settings, Layout.of(target.settings)
    snapshots.check_name(name)
    if (layout.snapshots / name).exists():
        snapshots.find(layout, name)  # a complete one: `save` refuses it below
    running = [s.name for s in supervisor.status(current) if s.state == "healthy"]
    stack = [s for s in supervisor.default_services(current) if not s.on_demand]
    holds = holdings(current) if {s.name for s in stack} <= set(running) else {}
    set_faults = faults.read(current.fake_bedrock_url) if FAKE_BEDROCK in running else None
    began = time.monotonic()
    supervisor.down(current, progress=report)
    stopped = time.monotonic()
    snapshot = snapshots.save(layout, name, holds, set_faults)
    copied = time.monotonic()
    if running:
        restart(target, set_faults, faults, report)
    return SnapshotRun(snapshot, bool(running), stopped - began, copied - stopped, time.monotonic() - copied)


def load_snapshot(target: Target, name: str, faults: FaultStore, report: supervisor.Progress) -> SnapshotRun:
    """Replace the stack's state with the snapshot's and start it. A running stack is stopped first, the
    emulator without saving (its state is replaced)."""
    current, layout = target.settings, Layout.of(target.settings)
    snapshot = snapshots.find(layout, name)
    began = time.monotonic()
    # The emulator's state is replaced, so it is not saved; the others stop cleanly (in a second).
    supervisor.down(current, only=(EMULATOR,), kill=True, progress=report)
    supervisor.down(current, progress=report)
    stopped = time.monotonic()
    snapshots.load(layout, snapshot)
    supervisor.recovered(current, EMULATOR)  # its state is the snapshot's now, whatever it lost
    copied = time.monotonic()
    restart(target, snapshot.faults, faults, report)
    return SnapshotRun(snapshot, True, stopped - began, copied - stopped, time.monotonic() - copied)


def restart(
    target: Target, set_faults: Faults | None, faults: FaultStore, report: supervisor.Progress
) -> None:
    running = target.up(progress=report)
    if set_faults is not None:
        faults.write(running.settings.fake_bedrock_url, set_faults)
        report(FAKE_BEDROCK, "faults restored")
