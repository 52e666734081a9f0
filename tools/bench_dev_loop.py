"""Benchmark the developer loop on the running local stack: deploy, edit-to-result, the first ticket after a
deploy (issue #7's goals on deploy and cold starts).

    python tools/bench_dev_loop.py [--function s3_writer] [--timeout 120]

Measures in one run, with the commands a developer runs (`ticketflow deploy`, `ticketflow push`):
1. a full deploy with nothing changed (what `make local-deploy` costs on a running stack);
2. edit to result: a module-level constant appended to one handler, `ticketflow push <function>`, and one
   ticket submitted and followed until it is RESPONDED (the clock stops at the item's processed_at); once
   with the push's pre-warming, once with `--no-warm` (the ticket then starts the one worker it needs);
3. the first ticket after a deploy that replaced every function's workers: a constant appended to the shared
   package (every function's code changes), `ticketflow deploy --no-warm` and one ticket; then another value,
   `ticketflow deploy` (which pre-warms) and one ticket.
Every edit is undone in `finally` and the stack deployed again from the restored tree, so it is left as found
(run it on a stack deployed from the current tree: step 1 is only "unchanged" then). Prints a table and
writes .ticketflow/reports/dev_loop.json.
"""

from __future__ import annotations

import argparse
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ticketflow_dev.cli.common import write_report
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.generation import generator
from ticketflow_dev.stack.deploy import outputs_file
from ticketflow_dev.tickets import producer
from ticketflow_dev.tickets.tracking import Tracker
from ticketflow_infra.outputs import StackOutputs, resolve
from ticketflow_infra.paths import REPO_ROOT
from ticketflow_infra.settings import Settings

TICKETFLOW = Path(sys.executable).parent / "ticketflow"
SHARED_MODULE = REPO_ROOT / "src" / "ticketflow" / "__init__.py"
GOALS = {"edit_to_result_s": 10.0, "first_ticket_s": 5.0, "deploy_unchanged_s": 30.0}
console = Console()


@contextmanager
def constant_appended(path: Path) -> Iterator[None]:
    """`path` with a module-level constant of a new value appended; the original bytes put back after."""
    original = path.read_bytes()
    line = f'\nDEV_LOOP_MARK = "{secrets.token_hex(4)}"  # tools/bench_dev_loop.py, undone when it ends\n'
    path.write_bytes(original + line.encode())
    try:
        yield
    finally:
        path.write_bytes(original)


def ticketflow(*args: str) -> float:
    """Runs `ticketflow <args>` as a developer would; its seconds. Its output goes to this one's stderr."""
    started = time.perf_counter()
    subprocess.run([str(TICKETFLOW), *args], check=True, stdout=sys.stderr)
    return time.perf_counter() - started


class OneTicket:
    """Submits one generated ticket at a time and follows it to its final state."""

    def __init__(self, clients: Clients, outputs: StackOutputs, timeout: float) -> None:
        self._kinesis = clients("kinesis")
        self._stream = outputs.stream_name
        self._tracker = Tracker(
            clients("dynamodb"), clients("stepfunctions"), outputs.table_name, outputs.state_machine_arn
        )
        self._timeout = timeout

    def processed_at(self) -> tuple[float, float]:
        """(put_at, processed_at) in epoch seconds of a fresh ticket; raises unless it is RESPONDED."""
        [ticket] = generator.tickets(1, seed=secrets.randbelow(1000), first_number=secrets.randbelow(900_000))
        [submitted] = producer.submit(self._kinesis, self._stream, [ticket])
        state = self._tracker.wait_for([submitted.ticket_id], timeout=self._timeout)[submitted.ticket_id]
        if state.status != "RESPONDED" or state.processed_at is None:
            raise RuntimeError(f"ticket {submitted.ticket_id} ended {state.status}: {state.reason}")
        return submitted.put_at, state.processed_at


def edit_to_result(one: OneTicket, handler: Path, *push_args: str) -> dict[str, float]:
    with constant_appended(handler):
        edited_at = time.time()
        push_s = ticketflow("push", *push_args)
        _, processed_at = one.processed_at()
    return {"push_s": round(push_s, 2), "edit_to_result_s": round(processed_at - edited_at, 2)}


def first_ticket_after_deploy(one: OneTicket, *deploy_args: str) -> dict[str, float]:
    with constant_appended(SHARED_MODULE):
        deploy_s = ticketflow("deploy", *deploy_args)
        put_at, processed_at = one.processed_at()
    return {"deploy_s": round(deploy_s, 2), "first_ticket_s": round(processed_at - put_at, 2)}


def run(function: str, timeout: float) -> dict[str, Any]:
    settings = Settings.load()
    clients = Clients(settings)
    outputs = resolve({}, outputs_file(settings), settings.stack_name, clients("cloudformation"))
    one = OneTicket(clients, outputs, timeout)
    report: dict[str, Any] = {"function": function}
    try:
        console.print("[bold]1/3[/bold] full deploy, nothing changed")
        report["deploy_unchanged_s"] = round(ticketflow("deploy"), 2)
        console.print(f"[bold]2/3[/bold] edit {function}, push it, one ticket to RESPONDED")
        handler = REPO_ROOT / "lambdas" / function / "handler.py"
        report["edit_to_result"] = edit_to_result(one, handler, function)
        report["edit_to_result_no_warm"] = edit_to_result(one, handler, function, "--no-warm")
        console.print("[bold]3/3[/bold] the first ticket after a deploy that replaced every worker")
        report["cold"] = first_ticket_after_deploy(one, "--no-warm")
        report["warm"] = first_ticket_after_deploy(one)
    finally:
        console.print("restoring: deploying the unedited tree")
        ticketflow("deploy")
    return report


def print_table(report: dict[str, Any]) -> None:
    table = Table(title="ticketflow developer loop")
    for column in ("measure", "seconds", "goal"):
        table.add_column(column)
    loop, quick = report["edit_to_result"], report["edit_to_result_no_warm"]
    edited = f"edit {report['function']}, push, ticket RESPONDED"
    rows = [
        ("full deploy, nothing changed", report["deploy_unchanged_s"], GOALS["deploy_unchanged_s"]),
        (edited, loop["edit_to_result_s"], GOALS["edit_to_result_s"]),
        ("  of which `ticketflow push` (pre-warms)", loop["push_s"], None),
        (f"{edited}, --no-warm", quick["edit_to_result_s"], GOALS["edit_to_result_s"]),
        ("  of which `ticketflow push --no-warm`", quick["push_s"], None),
        ("deploy replacing every worker, no warm-up", report["cold"]["deploy_s"], None),
        ("  first ticket after it", report["cold"]["first_ticket_s"], GOALS["first_ticket_s"]),
        ("deploy replacing every worker, pre-warmed", report["warm"]["deploy_s"], None),
        ("  first ticket after it", report["warm"]["first_ticket_s"], GOALS["first_ticket_s"]),
    ]
    for measure, seconds, goal in rows:
        met = goal is not None and seconds <= goal
        verdict = (
            "" if goal is None else f"≤ {goal:g} s " + ("[green]met[/green]" if met else "[red]missed[/red]")
        )
        table.add_row(measure, f"{seconds:.2f}", verdict)
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--function", default="s3_writer", help="the folder under lambdas/ to edit and push")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for each ticket")
    args = parser.parse_args()
    report = run(args.function, args.timeout)
    print_table(report)
    console.print(f"report: {write_report(Settings.load(), 'dev_loop', report)}")


if __name__ == "__main__":
    main()
