"""`ticketflow submit FILE|-`: your own tickets on the stream, validated first; `--wait` follows each one."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ticketflow.ticket_store import Status
from ticketflow_dev.cli.common import ExitStatus, deployed, err, fail, out, settings
from ticketflow_dev.core.polling import WaitTimeoutError
from ticketflow_dev.core.safe_text import inert
from ticketflow_dev.journey.timeline import parse_time
from ticketflow_dev.tickets import producer
from ticketflow_dev.tickets.files import RefusedTicketsError, parse_tickets
from ticketflow_dev.tickets.put_journal import put_journal
from ticketflow_dev.tickets.tracking import TicketState, Tracker

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
    """What `--wait` reports of one ticket: its final status (None: not final by the deadline) and more.

    A ticket id that was already final before this put is a duplicate the pipeline drops: its item is the
    first copy's, so it has no latency of this put's."""
    status_at = item.get("status_at")
    latency = parse_time(status_at).timestamp() - put_at if state and status_at else None
    duplicate = latency is not None and latency < 0
    return {
        "ticket_id": ticket_id,
        "status": state.status if state else None,
        "reason": state.reason if state else item.get("status_reason"),
        "priority": item.get("priority"),
        "sentiment": item.get("sentiment"),
        "scores": {n: float(item[f"sentiment_score_{n}"]) for n in SCORES if f"sentiment_score_{n}" in item},
        "reply": str(item.get("response_text") or ""),
        "latency_s": None if latency is None or duplicate else round(latency, 3),
        "duplicate": duplicate,
    }


def _table(results: list[dict[str, Any]]) -> Table:
    """Three columns, so that an 80-column terminal still shows the reply: the ticket and its latency, the
    outcome (status, priority, sentiment and scores), the reply's first lines."""
    table = Table(title=f"{len(results)} ticket(s)")
    table.add_column("ticket", min_width=20, no_wrap=True)
    table.add_column("outcome", min_width=17, max_width=20)
    table.add_column("reply", overflow="fold")
    for result in results:
        style = "green" if result["status"] == Status.RESPONDED else "red"
        scores = " ".join(f"{name[:3]} {value:.2f}" for name, value in result["scores"].items())
        outcome_lines = [
            inert(result["status"] or "not final", style),
            inert(" ".join(str(part) for part in (result["priority"], result["sentiment"]) if part)),
            Text(scores),
        ]
        latency = (
            "already final: a duplicate id"
            if result["duplicate"]
            else f"{result['latency_s']:.2f} s"
            if result["latency_s"] is not None
            else ""
        )
        reply = "\n".join(result["reply"].splitlines()[:REPLY_LINES]) or (result["reason"] or "")
        table.add_row(
            Text.assemble(inert(result["ticket_id"]), "\n", (latency, "dim")),
            Text("\n").join(line for line in outcome_lines if line),
            inert(reply),
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
            err.print(Text.assemble(("refused", "red"), " ", inert(refusal)))
        fail(f"{len(error.refusals)} ticket(s) refused; nothing was sent")
    clients, outputs = deployed()
    journal = put_journal(settings())
    submitted = producer.submit(clients("kinesis"), outputs.stream_name, tickets, journal=journal)
    err.print(f"submitted {len(submitted)} ticket(s) to {outputs.stream_name}", highlight=False)
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
        err.print(inert(f"{error.last_state} after {timeout:g} s", "yellow"))
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
        raise typer.Exit(ExitStatus.FAILED)
