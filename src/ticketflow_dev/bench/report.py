"""A bench's report around its levels: the processes it measures, the plot of a sweep, a timed stop."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ticketflow_dev.local.service import Layout
from ticketflow_dev.targets import stack_target
from ticketflow_infra.settings import Settings


class NoEmulatorError(RuntimeError):
    """No emulator process runs on this machine, so there is nothing whose CPU and memory to measure."""


def stack_processes(current: Settings) -> dict[str, int]:
    """The local stack's processes by service, the emulator among them (or NoEmulatorError)."""
    processes = {s.name: s.pid for s in stack_target(current).status() if s.pid is not None}
    if "emulator" not in processes:
        raise NoEmulatorError(
            "no emulator process runs on this machine (the benchmark measures its CPU and memory): start"
            " the local stack with `ticketflow up`, then `ticketflow deploy`"
        )
    return processes


def sweep_plot(current: Settings, results: list[dict[str, Any]]) -> Path:
    from ticketflow_dev.bench.plot import plot_sweep  # noqa: PLC0415 (matplotlib costs every command 1.4 s)

    return plot_sweep(results, current.reports_dir / "bench.png")


def timed_stop(current: Settings) -> dict[str, Any]:
    """How long `ticketflow down` takes now (its save, and the compaction of the saved execution history
    that follows it), and what the emulator then holds on disk."""
    target = stack_target(current)
    began = time.monotonic()
    target.down()
    seconds = time.monotonic() - began
    state = Layout.of(current).state / "emulator"
    sizes = {p.name: p.stat().st_size for p in state.glob("*.json")} if state.is_dir() else {}
    return {
        "down_seconds": round(seconds, 1),
        "state_mb": round(sum(_tree_size(state)) / 2**20, 1),
        "largest_state_files_mb": {
            name: round(size / 2**20, 1) for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:4]
        },
    }


def _tree_size(folder: Path) -> list[int]:
    return [p.stat().st_size for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
