"""`ticketflow bench`: load through the running local stack, next to the emulator's floor, reported."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from ticketflow_dev.bench.report import NoEmulatorError, stack_processes, sweep_plot, timed_stop
from ticketflow_dev.bench.runner import Level
from ticketflow_dev.bench.session import Extras, run_bench
from ticketflow_dev.cli.common import (
    ExitStatus,
    deployed,
    err,
    fail,
    failing_on,
    out,
    settings,
    step,
    write_report,
)
from ticketflow_infra.settings import Settings


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
    overload: Annotated[
        float,
        typer.Option(
            min=0, help="With --sweep: then twice the knee it found for this many seconds (0: none)."
        ),
    ] = 0.0,
    ageing: Annotated[
        int,
        typer.Option(
            min=0, max=100_000, help="With --sweep: then this many tickets at the knee, and the knee again."
        ),
    ] = 0,
    stop_after: Annotated[
        bool,
        typer.Option("--stop-after", help="Stop the local stack at the end: its time and state on disk."),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON instead of a table.")
    ] = False,
) -> None:
    """Push generated tickets through the running local stack; measure latency, throughput, resources."""
    if (overload or ageing) and sweep is None:
        raise typer.BadParameter(
            "the overload and the ageing run at the knee a sweep finds: add --sweep", param_hint="--sweep"
        )
    current = settings()
    if current.profile != "local":
        fail("the benchmark drives the local stack; unset TICKETFLOW_PROFILE or set it to local")
    with failing_on(NoEmulatorError):
        processes = stack_processes(current)
    levels = _levels(
        rate=rate, count=count, burst=burst, sweep=sweep, seconds=seconds, burst_count=burst_count
    )
    clients, outputs = deployed()
    extras = Extras(overload_seconds=overload or None, ageing_tickets=ageing)
    with step(f"benchmark: {', '.join(level.label for level in levels)}") as spinner:
        everything = run_bench(
            clients, outputs, levels, processes=processes, with_floor=floor, warmup=warmup,
            timeout=timeout, extras=extras, on_progress=spinner.update,
        )  # fmt: skip
    results = [r for r in everything if r.get("role") != "skipped"]
    skipped = [r["reason"] for r in everything if r.get("role") == "skipped"]
    report = _report(current, results, swept=sweep is not None, stop_after=stop_after)
    if skipped:
        report["skipped"] = skipped
    path = write_report(current, "bench", report)
    if as_json:
        typer.echo(json.dumps(report, indent=2, sort_keys=True))
    else:
        out.print(_table(results), width=max(out.width, 130))
        for line in [*_extra_lines(results, report.get("stop")), *skipped]:
            err.print(line)
        err.print(f"report: {path}" + (f", plot: {report['plot']}" if "plot" in report else ""))
    if skipped or any(result["lost"] for result in results):
        raise typer.Exit(ExitStatus.FAILED)


def _report(
    current: Settings, results: list[dict[str, Any]], *, swept: bool, stop_after: bool
) -> dict[str, Any]:
    report: dict[str, Any] = {"levels": results} if swept else results[0]
    if swept:
        report["plot"] = str(sweep_plot(current, results))
    if stop_after:
        with step("stopping the local stack (timed)"):
            report["stop"] = timed_stop(current)
    return report


def _extra_lines(results: list[dict[str, Any]], stop: dict[str, Any] | None) -> list[str]:
    lines = []
    for r in results:
        if r.get("role") == "overload":
            b = r["backlog"]
            lines.append(
                f"overload {r['offered_rate']:g}/s (2x the knee {r['knee']['offered_rate']:g}/s,"
                f" which carried {r['knee']['achieved_rate']:g}/s):"
                f" goodput {b['goodput_while_offered']}/s while offered"
                f" ({r['goodput_ratio_to_knee']} of the knee), drain {b['drain_rate']}/s"
                f" ({r['drain_ratio_to_knee']}), lost {r['lost']}, peak RSS {r['peak_rss_mb']:.0f} MB,"
                f" overtaken p99 {b['overtaken_p99_s']} s, max {b['overtaken_max_s']} s"
            )
        if r.get("role") == "aged":
            lines.append(
                f"aged: the knee's level again after the ageing load: p50 {r['latency_ms']['p50']:.0f} ms,"
                f" {r['p50_ratio_to_fresh']}x the fresh stack's; peak RSS {r['peak_rss_mb']:.0f} MB"
            )
    if stop is not None:
        lines.append(
            f"ticketflow down: {stop['down_seconds']} s; emulator state on disk {stop['state_mb']} MB"
        )
    return lines


def _table(results: list[dict[str, Any]]) -> Table:
    table = Table(title="ticketflow bench: put → final status, ms (floor: same shape, no-op handlers)")
    columns = ("level", "offered", "achieved", "lost", "p50", "p95", "p99", "max", "floor p50", "floor p95",
               "ratio", "CPU ms/t", "floor CPU", "RSS MB", "CPU %")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right")
    for r in results:
        latency, floor = r["latency_ms"], r.get("floor")
        table.add_row(
            r.get("role", ""),
            "burst" if r["offered_rate"] is None else f"{r['offered_rate']:g}/s",
            f"{r['achieved_rate']:.1f}/s",
            f"{r['lost']}/{r['count']}",
            *(f"{latency[key]:.0f}" for key in ("p50", "p95", "p99", "max")),
            *((f"{floor['latency_ms'][key]:.0f}" for key in ("p50", "p95")) if floor else ("-", "-")),
            f"{r['ratio_to_floor']['p50']}" if floor else "-",
            f"{r['emulator_cpu_ms_per_ticket']:.1f}",
            f"{floor['emulator_cpu_ms_per_ticket']:.1f}" if floor else "-",
            f"{r['peak_rss_mb']:.0f}",
            f"{r['peak_cpu_percent']:.0f}",
        )
    return table
