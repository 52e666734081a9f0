"""A whole bench: each level through the floor and then the pipeline, on warm worker pools."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ticketflow_dev.aws import Clients
from ticketflow_dev.bench.floor import FloorBuilder
from ticketflow_dev.bench.runner import Level, Target, floor_target, pipeline_target, run_level
from ticketflow_infra.outputs import StackOutputs


def ratio(pipeline: float, floor: float) -> float | None:
    return round(pipeline / floor, 2) if floor > 0 else None


def run_bench(
    clients: Clients,
    outputs: StackOutputs,
    levels: Sequence[Level],
    *,
    processes: Mapping[str, int],
    with_floor: bool,
    warmup: int,
    timeout: float,
    on_progress: Callable[[str], None] = lambda _: None,
) -> list[dict[str, Any]]:
    """One result per level: the pipeline's figures, with the floor's under `floor` and their ratio."""
    targets = [pipeline_target(clients, outputs)]
    if with_floor:
        on_progress("building the floor (no-op handlers, same shape)")
        targets.insert(0, floor_target(FloorBuilder(clients, outputs).build()))

    def run(target: Target, level: Level) -> dict[str, Any]:
        return run_level(
            clients, target, level, processes=processes, timeout=timeout, on_progress=on_progress
        )

    if warmup:
        # Measured runs start on warm worker pools in both targets alike: the cold start is its own figure.
        for target in targets:
            run(target, Level(None, warmup))
    results = []
    for level in levels:
        by_target = {target.name: run(target, level) for target in targets}
        result = by_target["pipeline"]
        if "floor" in by_target:
            floor = by_target["floor"]
            result["floor"] = floor
            result["ratio_to_floor"] = {
                key: ratio(result["latency_ms"][key], floor["latency_ms"][key]) for key in ("p50", "p95")
            }
        results.append(result)
    return results
