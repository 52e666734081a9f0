"""`ticketflow submit FILE|-`: your own tickets on the stream, validated first; `--wait` follows each one."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ticketflow.ticket_store import Status
from ticketflow_dev import producer
from ticketflow_dev.cli.common import console, deployed, fail
from ticketflow_dev.journey.timeline import parse_time
from ticketflow_dev.polling import WaitTimeoutError
from ticketflow_dev.ticket_file import RefusedTicketsError, parse_tickets
from ticketflow_dev.tracking import TicketState, Tracker

out = Console()
REPLY_LINES = 3
SCORES = ("positive", "negative", "neutral", "mixed")


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        fail(f"no such file: {source}")
    return path.read_text(encoding="utf-8")


def outcome(ticket_id: str, put_at: float, state: TicketState | None, item: dict[str, Any]) -> dict[str, Any]:
    """What `--wait` reports of one ticket: its final status (None: not final by the deadline) and more."""
    status_at = item.get("status_at")
    return {
        "ticket_id": ticket_id,
        "status": state.status if state else None,
        "reason": state.reason if state else item.get("status_reason"),
        "priority": item.get("priority"),
        "sentiment": item.get("sentiment"),
        "scores": {n: float(item[f"sentiment_score_{n}"]) for n in SCORES if f"sentiment_score_{n}" in item},
        "reply": str(item.get("response_text") or ""),
        "latency_s": round(parse_time(status_at).timestamp() - put_at, 3) if state and status_at else None,
    }


def _table(results: list[dict[str, Any]]) -> Table:
    table = Table(title=f"{len(results)} ticket(s)")
    for column in ("ticket", "status", "priority", "sentiment", "reply", "latency"):
        table.add_column(column, no_wrap=column != "sentiment", overflow="ellipsis")
    for result in results:
        scores = " ".join(f"{name[:3]} {value:.2f}" for name, value in result["scores"].items())
        sentiment = f"{result['sentiment']}\n{scores}" if result["sentiment"] else ""
        reply = "\n".join(result["reply"].splitlines()[:REPLY_LINES]) or (result["reason"] or "")
        style = "green" if result["status"] == Status.RESPONDED else "red"
        latency = f"{result['latency_s']:.2f} s" if result["latency_s"] is not None else ""
        status = f"[{style}]{result['status'] or 'not final'}[/]"
        priority = escape(str(result["priority"] or ""))
        table.add_row(
            escape(result["ticket_id"]), status, priority, escape(sentiment), escape(reply), latency
        )
    return table


def submit(
    source: Annotated[
        str, typer.Argument(help="A JSON file (one ticket or a list), JSON Lines, or - for stdin.")
    ],
    wait: Annotated[bool, typer.Option(help="Follow each ticket to its final status.")] = False,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds --wait waits for every ticket.")] = 120.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Put tickets on the stream; each is validated first and nothing is sent if any is refused."""
    try:
        tickets = parse_tickets(_read(source))
    except RefusedTicketsError as error:
        for refusal in error.refusals:
            console.print(f"[red]refused[/] {escape(str(refusal))}")
        fail(f"{len(error.refusals)} ticket(s) refused; nothing was sent")
    clients, outputs = deployed()
    submitted = producer.submit(clients("kinesis"), outputs.stream_name, tickets)
    console.print(f"submitted {len(submitted)} ticket(s) to {outputs.stream_name}", highlight=False)
    if not wait:
        if as_json:
            typer.echo(
                json.dumps([{"ticket_id": s.ticket_id, "put_at": s.put_at} for s in submitted], indent=2)
            )
        return
    tracker = Tracker(
        clients("dynamodb"), clients("stepfunctions"), outputs.table_name, outputs.state_machine_arn
    )
    ids = [s.ticket_id for s in submitted]
    try:
        final = tracker.wait_for(ids, timeout=timeout)
    except WaitTimeoutError as error:
        console.print(f"[yellow]{escape(str(error.last_state))} after {timeout:g} s[/]")
        final = tracker.states(ids)
    items = tracker.items(ids)
    results = [
        outcome(s.ticket_id, s.put_at, final.get(s.ticket_id), items.get(s.ticket_id, {})) for s in submitted
    ]
    if as_json:
        typer.echo(json.dumps(results, indent=2))
    else:
        out.print(_table(results))
    if any(result["status"] != Status.RESPONDED for result in results):
        raise typer.Exit(1)
