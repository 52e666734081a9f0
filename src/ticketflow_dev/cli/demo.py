"""`ticketflow demo`: start the local stack, deploy, push generated tickets through, and report."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ticketflow_dev.cli.common import ExitStatus, err, fail, settings, stack_outputs, step, write_report
from ticketflow_dev.cli.deploy import deploy
from ticketflow_dev.cli.stack import up
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.core.safe_text import inert
from ticketflow_dev.generation.mixes import MixError, parse_mix
from ticketflow_dev.targets import stack_target
from ticketflow_dev.tickets.demo import DemoReport, run_demo
from ticketflow_dev.tickets.put_journal import put_journal


def demo(
    count: Annotated[int, typer.Option(min=1, max=10_000, help="How many tickets to submit.")] = 50,
    seed: Annotated[int, typer.Option(help="Seed of the ticket generator.")] = 7,
    mix: Annotated[
        str, typer.Option(help="The generator's mix: realistic, all-high, all-mixed, edge-cases, or weights.")
    ] = "realistic",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for every ticket to finish.")] = 300.0,
    deploy_first: Annotated[
        bool, typer.Option("--deploy/--no-deploy", help="Start and deploy first.")
    ] = True,
) -> None:
    """Run generated tickets end to end through the local stack and report what happened."""
    current = settings()
    try:
        parse_mix(mix)
    except MixError as error:
        fail(f"--mix: {error}")
    if deploy_first:
        up()
        deploy()
    clients = Clients(current)
    outputs = stack_outputs(current, clients)
    with step(f"running {count} tickets end to end") as status:
        report = run_demo(
            clients,
            outputs,
            count=count,
            seed=seed,
            timeout=timeout,
            mix=mix,
            on_progress=status.update,
            journal=put_journal(current),
        )
    path = write_report(current, "demo", report.as_json())
    err.print(_table(report))
    if report.sample:
        err.print(_sample_panel(report.sample), soft_wrap=False)  # wrap the ticket, do not crop it
    err.print(f"report: {path}")
    if stack_target(current).controls_processes:
        err.print("the stack keeps running: `make down` (or `ticketflow down`) stops it")
    if report.processed + report.rejected < report.submitted:
        raise typer.Exit(ExitStatus.FAILED)


def _table(report: DemoReport) -> Table:
    table = Table(title="ticketflow demo", show_header=False)
    table.add_row("submitted", str(report.submitted))
    table.add_row("processed", str(report.processed))
    table.add_row("failed / rejected / lost", f"{report.failed} / {report.rejected} / {report.lost}")
    if report.lost_where:
        table.add_row("lost tickets were", _counts(report.lost_where))
    table.add_row("by priority", _shares(report.by_priority))
    table.add_row("by sentiment", _shares(report.by_sentiment))
    table.add_row(
        "HIGH/CRITICAL notifications", f"{report.notifications} (expected {report.notifications_expected})"
    )
    latency = report.latency_ms
    table.add_row(
        "latency put → stored",
        f"p50 {latency['p50']:.0f} ms, p95 {latency['p95']:.0f} ms, max {latency['max']:.0f} ms",
    )
    return table


def _shares(counts: dict[str, int]) -> str:
    """'MEDIUM 29 (58%), HIGH 14 (28%)': the distribution the pipeline produced."""
    total = sum(counts.values()) or 1
    ordered = sorted(counts.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{key} {value} ({value / total:.0%})" for key, value in ordered) or "-"


def _sample_panel(sample: dict[str, str]) -> Panel:
    body = Text.assemble(
        inert(f"{sample['subject']}\n", "bold"),
        inert(f"{sample['description']}\n\n"),
        inert(f"sentiment {sample['sentiment']}, priority {sample['priority']}\n\n", "cyan"),
        inert(sample["response_text"], "green"),
    )
    title = Text.assemble("sample ticket ", inert(sample["ticket_id"]), " and its reply")
    return Panel(body, title=title, expand=False)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(counts.items(), key=lambda kv: -kv[1])) or "-"
