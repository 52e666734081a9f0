"""`ticketflow bench`: load through the running local stack, next to the emulator's floor, reported."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ticketflow_dev.bench.runner import Level
from ticketflow_dev.bench.session import run_bench
from ticketflow_dev.cli.common import console, deployed, fail, settings, step, write_report
from ticketflow_dev.targets import stack_target


def _levels(
    *, rate: float, count: int, burst: bool, sweep: str | None, seconds: float, burst_count: int
) -> list[Level]:
    if sweep is None:
        return [Level(None if burst else rate, count)]
    try:
        rates = [float(part) for part in sweep.split(",") if part.strip()]
    except ValueError:
        raise typer.BadParameter(
            f"{sweep!r} is not a list of rates like 10,20,50", param_hint="--sweep"
        ) from None
    if not rates or min(rates) <= 0:
        raise typer.BadParameter("give at least one rate, each above zero", param_hint="--sweep")
    levels = [Level(r, max(1, round(r * seconds))) for r in rates]
    return levels + ([Level(None, burst_count)] if burst_count else [])


def bench(
    *,
    rate: Annotated[float, typer.Option(min=0.1, help="Offered load, tickets per second.")] = 20.0,
    count: Annotated[int, typer.Option(min=1, max=100_000, help="Tickets to submit.")] = 600,
    burst: Annotated[
        bool, typer.Option("--burst", help="Submit all tickets at once instead of paced.")
    ] = False,
    sweep: Annotated[
        str | None, typer.Option(help="Comma-separated rates, each run for --seconds; writes a plot.")
    ] = None,
    seconds: Annotated[
        float, typer.Option(min=1, help="With --sweep: how long each rate is offered.")
    ] = 60.0,
    burst_count: Annotated[int, typer.Option(min=0, help="With --sweep: a final burst of this many.")] = 0,
    floor: Annotated[
        bool,
        typer.Option("--floor/--no-floor", help="Also measure the floor: the same shape, no-op handlers."),
    ] = True,
    warmup: Annotated[
        int, typer.Option(min=0, help="Tickets burst through each target first so pools are warm.")
    ] = 20,
    timeout: Annotated[
        float, typer.Option(min=1, help="Seconds after the last put before an open ticket counts as lost.")
    ] = 300.0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON instead of a table.")
    ] = False,
) -> None:
    """Push generated tickets through the running local stack; measure latency, throughput, resources."""
    current = settings()
    if current.profile != "local":
        fail("the benchmark drives the local stack; unset TICKETFLOW_PROFILE or set it to local")
    processes = {s.name: s.pid for s in stack_target(current).status() if s.pid is not None}
    if "emulator" not in processes:
        fail(
            "no emulator process runs on this machine (the benchmark measures its CPU and memory): start"
            " the local stack with `ticketflow up`, then `ticketflow deploy`"
        )
    levels = _levels(
        rate=rate, count=count, burst=burst, sweep=sweep, seconds=seconds, burst_count=burst_count
    )
    clients, outputs = deployed()
    with step(f"benchmark: {', '.join(level.label for level in levels)}") as spinner:
        results = run_bench(
            clients, outputs, levels, processes=processes, with_floor=floor, warmup=warmup, timeout=timeout,
            on_progress=spinner.update,
        )  # fmt: skip
    report: dict[str, Any] = results[0] if sweep is None else {"levels": results}
    if sweep is not None:
        from ticketflow_dev.bench.plot import plot_sweep  # noqa: PLC0415 (matplotlib costs every command 1.4 s)

        report["plot"] = str(plot_sweep(results, current.reports_dir / "bench.png"))
    path = write_report(current, "bench", report)
    if as_json:
        typer.echo(json.dumps(report, indent=2, sort_keys=True))
    else:
        Console(width=max(console.width, 130)).print(_table(results))
        console.print(f"report: {path}" + (f", plot: {report['plot']}" if "plot" in report else ""))
    if any(result["lost"] for result in results):
        raise typer.Exit(1)


def _table(results: list[dict[str, Any]]) -> Table:
    table = Table(title="ticketflow bench: put → final status, ms (floor: same shape, no-op handlers)")
    columns = ("offered", "achieved", "lost", "p50", "p95", "p99", "max", "floor p50", "floor p95", "ratio",
               "RSS MB", "CPU %")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right")
    for r in results:
        latency, floor = r["latency_ms"], r.get("floor")
        table.add_row(
            "burst" if r["offered_rate"] is None else f"{r['offered_rate']:g}/s",
            f"{r['achieved_rate']:.1f}/s",
            f"{r['lost']}/{r['count']}",
            *(f"{latency[key]:.0f}" for key in ("p50", "p95", "p99", "max")),
            *((f"{floor['latency_ms'][key]:.0f}" for key in ("p50", "p95")) if floor else ("-", "-")),
            f"{r['ratio_to_floor']['p50']}" if floor else "-",
            f"{r['peak_rss_mb']:.0f}",
            f"{r['peak_cpu_percent']:.0f}",
        )
    return table
