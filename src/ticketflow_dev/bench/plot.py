"""The sweep's plot: latency and achieved throughput against offered load, pipeline next to the floor."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl

mpl.use("Agg")  # files only: no display on CI or over ssh

import matplotlib.pyplot as plt


def plot_sweep(levels: Sequence[dict[str, Any]], path: Path) -> Path:
    """`levels` are paced runs (each with its `floor`); bursts have no offered rate and are left out, and so
    are the overload and ageing runs, which get a panel of their own: tickets per second over time."""
    paced = sorted(
        (lv for lv in levels if lv["offered_rate"] is not None and "role" not in lv),
        key=lambda lv: lv["offered_rate"],
    )
    offered = [lv["offered_rate"] for lv in paced]
    overload = next((lv for lv in levels if lv.get("role") == "overload"), None)
    figure, axes = plt.subplots(1, 3 if overload else 2, figsize=(16.5 if overload else 11, 4.5))
    latency, throughput = axes[0], axes[1]
    for key, style in (("p50", "o-"), ("p95", "s-"), ("p99", "^-")):
        latency.plot(offered, [lv["latency_ms"][key] for lv in paced], style, label=f"pipeline {key}")
    floors = [lv for lv in paced if "floor" in lv]
    if floors:
        rates = [lv["offered_rate"] for lv in floors]
        latency.plot(rates, [lv["floor"]["latency_ms"]["p50"] for lv in floors], "o--", label="floor p50")
        latency.plot(rates, [lv["floor"]["latency_ms"]["p95"] for lv in floors], "s--", label="floor p95")
    latency.set(xlabel="offered load (tickets/s)", ylabel="put → final status (ms)", yscale="log",
                title="latency")  # fmt: skip
    latency.grid(visible=True, which="both", alpha=0.3)
    latency.legend()
    throughput.plot(offered, offered, ":", color="grey", label="offered")
    throughput.plot(offered, [lv["achieved_rate"] for lv in paced], "o-", label="pipeline")
    if floors:
        throughput.plot(rates, [lv["floor"]["achieved_rate"] for lv in floors], "o--", label="floor")
    throughput.set(xlabel="offered load (tickets/s)", ylabel="achieved (tickets/s)", title="throughput")
    throughput.grid(visible=True, alpha=0.3)
    throughput.legend()
    if overload:
        _plot_overload(axes[2], overload)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _plot_overload(axis: Any, overload: dict[str, Any]) -> None:
    per_second = overload["per_second"]
    seconds = range(len(per_second["put"]))
    axis.plot(seconds, per_second["put"], ":", color="grey", label="put")
    axis.plot(seconds, per_second["final"], "-", label="final (goodput)")
    knee = overload["knee"]
    axis.axhline(
        knee["achieved_rate"], linestyle="--", color="green", label=f"knee ({knee['offered_rate']:g}/s)"
    )
    axis.axhline(0.9 * knee["achieved_rate"], linestyle=":", color="red", label="90% of the knee")
    axis.set(xlabel="seconds since the first put", ylabel="tickets per second",
             title=f"overload: {overload['offered_rate']:g}/s offered")  # fmt: skip
    axis.grid(visible=True, alpha=0.3)
    axis.legend()
