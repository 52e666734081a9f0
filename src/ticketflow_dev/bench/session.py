"""A whole bench: each level through the floor and then the pipeline, on warm worker pools; then, if asked,
an overload at twice the knee the levels found, and an ageing check (many tickets, then the knee again)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ticketflow_dev.bench.floor import FloorBuilder
from ticketflow_dev.bench.runner import Level, Target, floor_target, pipeline_target, run_level
from ticketflow_dev.core.aws import Clients
from ticketflow_infra.outputs import StackOutputs

# The knee: the highest paced level carried whole at (nearly) its offered rate.
KNEE_SHARE = 0.95
OVERLOAD_FACTOR = 2.0
NO_KNEE = (
    "no level was carried whole at 95% of its offered rate, so there is no knee to overload or to age at:"
    " add a lower rate to --sweep"
)


def ratio(pipeline: float, floor: float) -> float | None:
    return round(pipeline / floor, 2) if floor > 0 else None


def knee(results: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The pipeline's knee among `results` (None when no paced level was carried well)."""
    carried = [
        r
        for r in results
        if r["offered_rate"] is not None
        and not r["lost"]
        and r["achieved_rate"] >= KNEE_SHARE * r["offered_rate"]
    ]
    return max(carried, key=lambda r: r["offered_rate"], default=None)


@dataclass(frozen=True)
class Extras:
    """What runs after the levels: the overload's length (None: none) and the ageing's tickets (0: none)."""

    overload_seconds: float | None = None
    ageing_tickets: int = 0


def run_bench(
    clients: Clients,
    outputs: StackOutputs,
    levels: Sequence[Level],
    *,
    processes: Mapping[str, int],
    with_floor: bool,
    warmup: int,
    timeout: float,
    extras: Extras = Extras(),
    on_progress: Callable[[str], None] = lambda _: None,
) -> list[dict[str, Any]]:
    """One result per level: the pipeline's figures, with the floor's under `floor` and their ratio; then
    the overload and ageing results (each with its `role`)."""
    pipeline = pipeline_target(clients, outputs)
    targets = [pipeline]
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
    results = [_beside_floor({target.name: run(target, level) for target in targets}) for level in levels]
    found = knee(results)
    if (extras.overload_seconds or extras.ageing_tickets) and found is None:
        # The levels' figures are kept: the report says why the rest did not run.
        on_progress("no level was carried whole at its rate: no knee, so no overload and no ageing")
        return [*results, {"role": "skipped", "reason": NO_KNEE}]
    if found is not None and extras.overload_seconds:
        results.append(_overload(found, extras.overload_seconds, lambda level: run(pipeline, level)))
    if found is not None and extras.ageing_tickets:
        results += _ageing(found, extras.ageing_tickets, lambda level: run(pipeline, level))
    return results


def _beside_floor(by_target: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The pipeline's result, with the floor's (if run) and their ratios."""
    result = by_target["pipeline"]
    floor = by_target.get("floor")
    if floor is None:
        return result
    return result | {
        "floor": floor,
        "ratio_to_floor": {
            key: ratio(result["latency_ms"][key], floor["latency_ms"][key]) for key in ("p50", "p95")
        },
        "cpu_ratio_to_floor": ratio(
            result["emulator_cpu_ms_per_ticket"], floor["emulator_cpu_ms_per_ticket"]
        ),
    }


def _overload(
    at_knee: dict[str, Any], seconds: float, run: Callable[[Level], dict[str, Any]]
) -> dict[str, Any]:
    """Twice the knee's rate for `seconds`: goodput while it lasts and the drain after, against the knee."""
    rate = OVERLOAD_FACTOR * at_knee["offered_rate"]
    result = run(Level(rate, round(rate * seconds)))
    carried = at_knee["achieved_rate"]
    backlog = result["backlog"]
    return result | {
        "role": "overload",
        "knee": {"offered_rate": at_knee["offered_rate"], "achieved_rate": carried},
        "goodput_ratio_to_knee": ratio(backlog["goodput_while_offered"] or 0.0, carried),
        "drain_ratio_to_knee": ratio(backlog["drain_rate"] or 0.0, carried),
    }


def _ageing(
    at_knee: dict[str, Any], tickets: int, run: Callable[[Level], dict[str, Any]]
) -> list[dict[str, Any]]:
    """`tickets` more at the knee's rate, then the knee's level again, its p50 against the fresh one's."""
    load = run(Level(at_knee["offered_rate"], tickets)) | {"role": "ageing load"}
    again = run(Level(at_knee["offered_rate"], at_knee["count"]))
    p50_ratio = ratio(again["latency_ms"]["p50"], at_knee["latency_ms"]["p50"])
    return [load, again | {"role": "aged", "p50_ratio_to_fresh": p50_ratio}]
