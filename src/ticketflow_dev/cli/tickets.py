"""`ticketflow tickets show | list`: one ticket's lifecycle (status, reason, history), or one status."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.table import Table
from rich.text import Text

from ticketflow.ticket_store import Status
from ticketflow_dev.cli.common import deployed, fail, out, parse_interval
from ticketflow_dev.core.safe_text import inert
from ticketflow_dev.tickets.queries import (
    TIMESTAMPS,
    TicketNotFoundError,
    get_ticket,
    list_by_status,
    parse_status,
)
from ticketflow_dev.tickets.reconcile import Reconciler

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

app = typer.Typer(
    help="A ticket's status, reason and history; the tickets in one status.", no_args_is_help=True
)

RESPONDED_FIELDS = ("priority", "priority_reasoning", "sentiment")
LABELS = {"status_reason": "reason", "duplicate_of": "duplicate of"}

JsonOption = Annotated[bool, typer.Option("--json", help="Print plain JSON instead of tables.")]


def ticket_table() -> tuple[DynamoDBClient, str]:
    """The deployed stack's ticket table and a client for it."""
    clients, outputs = deployed()
    return clients("dynamodb"), outputs.table_name


@app.command()
def show(
    ticket_id: Annotated[str, typer.Argument(help="The ticket id, e.g. TKT-20250115-0042.")],
    as_json: JsonOption = False,
) -> None:
    """The ticket's status, reason, timestamps and history (priority and sentiment once RESPONDED)."""
    client, table_name = ticket_table()
    try:
        item = get_ticket(client, table_name, ticket_id)
    except TicketNotFoundError as error:
        fail(str(error))
    except (BotoCoreError, ClientError) as error:
        fail(f"cannot read table {table_name}: {error}")
    if as_json:
        typer.echo(json.dumps(item, indent=2, sort_keys=True))
        return
    out.print(_summary(item))
    history = item.get("history", [])
    if history:
        out.print(_history(history))


def summary_fields(item: dict[str, Any]) -> list[tuple[str, Any]]:
    """What `show` prints about a ticket, in order: status, reason, timestamps, the triage once RESPONDED."""
    names = ["status", "status_at", "status_reason", "duplicate_of", *TIMESTAMPS]
    if item.get("status") == Status.RESPONDED:
        names += RESPONDED_FIELDS
    return [(name, item[name]) for name in names if name in item]


def _summary(item: dict[str, Any]) -> Table:
    table = Table(title=Text.assemble("ticket ", inert(item["ticket_id"])), show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for name, value in summary_fields(item):
        table.add_row(LABELS.get(name, name), inert(value))
    return table


def _history(history: list[dict[str, Any]]) -> Table:
    table = Table(title="history")
    table.add_column("at")
    table.add_column("status")
    table.add_column("reason")
    for entry in history:
        table.add_row(*(inert(entry.get(name, "")) for name in ("at", "status", "reason")))
    return table


@app.command("list")
def list_(
    status: Annotated[str, typer.Option(help=f"One of {', '.join(s.value for s in Status)} (any case).")],
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many tickets.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """The tickets in one status, the latest transition first (the table's by-status index)."""
    try:
        wanted = parse_status(status)
    except ValueError as error:
        fail(str(error))
    client, table_name = ticket_table()
    try:
        items = list_by_status(client, table_name, wanted, limit=limit)
    except (BotoCoreError, ClientError) as error:
        fail(f"cannot query table {table_name}: {error}")
    if as_json:
        typer.echo(json.dumps(items, indent=2, sort_keys=True))
        return
    table = Table(title=f"{len(items)} {wanted.value} ticket(s), newest first")
    table.add_column("ticket id")
    table.add_column("status at")
    table.add_column("reason")
    for item in items:
        table.add_row(*(inert(item.get(name, "")) for name in ("ticket_id", "status_at", "status_reason")))
    out.print(table)


@app.command()
def reconcile(
    older_than: Annotated[
        str, typer.Option(help="Only tickets in RECEIVED/PROCESSING for longer than this (2h, 5m, 90s).")
    ] = "5m",
) -> None:
    """Make tickets whose execution ended without a final status FAILED, with the execution's reason."""
    clients, outputs = deployed()
    reconciler = Reconciler(
        clients("dynamodb"), clients("stepfunctions"), clients("cloudwatch"), outputs.table_name,
        outputs.state_machine_arn,
    )  # fmt: skip
    done = reconciler.reconcile(older_than=parse_interval(older_than))
    for ticket in done:
        out.print(inert(f"{ticket.ticket_id}: {ticket.was} → FAILED ({ticket.reason})"))
    out.print(f"{len(done)} stuck ticket(s) made FAILED")
