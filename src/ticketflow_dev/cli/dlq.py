"""`ticketflow dlq list | replay`: the Kinesis records the trigger dead-lettered, and putting them back.

`list` consumes nothing: it receives the letters, then makes them visible again at once. `replay` puts each
record back on the stream as it was and deletes its letter only once the put succeeded; a letter it does
not replay is made visible again.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.table import Table
from rich.text import Text

from ticketflow_dev.cli.common import ExitStatus, deployed, err, fail, out
from ticketflow_dev.core.safe_text import inert
from ticketflow_dev.tickets.dead_letter_inbox import (
    CarriedRecords,
    DeadLetterInbox,
    DeadLetterResources,
    Outcome,
    ReplayReport,
    describe,
    peek,
)
from ticketflow_dev.tickets.dead_letter_inbox import replay_letters as replay_queue

app = typer.Typer(help="Dead-lettered Kinesis records: list them, replay them.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print plain JSON instead of a table.")]
_OUTCOME_STYLE = {Outcome.REPLAYED_NOT_DELETED: "yellow", Outcome.SKIPPED: "yellow", Outcome.FAILED: "red"}


def resources() -> DeadLetterResources:
    """The deployed stack's dead-letter queue, stream and archive bucket, and clients for them."""
    clients, outputs = deployed()
    return DeadLetterResources(
        DeadLetterInbox(clients("sqs"), outputs.dead_letter_queue_url),
        clients("kinesis"),
        outputs.stream_name,
        CarriedRecords(clients("s3"), outputs.bucket_name),
    )


@app.command("list")
def list_(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many letters.")] = 100,
    as_json: JsonOption = False,
) -> None:
    """The dead letters, without consuming them."""
    found = resources()
    try:
        received, notes = peek(found.queue, limit=limit)
    except (BotoCoreError, ClientError) as error:
        fail(f"cannot read the dead-letter queue: {error}")
    _print_notes(notes)
    letters = [describe(message, found.records) for message in received]
    if as_json:
        typer.echo(json.dumps(letters, indent=2))
        return
    table = Table(title=f"{len(letters)} dead letter(s)")
    for column in ("message id", "ticket id", "partition key", "sequence number", "failed at", "reason"):
        table.add_column(column)
    for letter in letters:
        if letter["replayable"]:
            cells = [
                letter[key] or "" for key in ("ticket_id", "partition_key", "sequence_number", "failed_at")
            ]
            table.add_row(inert(letter["message_id"]), *map(inert, cells), inert(letter["reason"]))
        else:
            body = letter["body"][:200]
            table.add_row(
                inert(letter["message_id"]), "", "", "", "", inert(f"not a ticketflow letter: {body}")
            )
    out.print(table)


def _print_notes(notes: list[str]) -> None:
    for note in notes:
        err.print(Text.assemble(("note:", "yellow"), " ", inert(note)))


@app.command("replay")
def replay_command(
    replay_all: Annotated[bool, typer.Option("--all", help="Replay every letter in the queue.")] = False,
    message_ids: Annotated[
        list[str] | None, typer.Option("--message-id", help="Replay this letter (repeatable).")
    ] = None,
) -> None:
    """Put the records back on the stream; each letter is deleted once its record is back."""
    wanted = set(message_ids or [])
    if replay_all == bool(wanted):
        fail("pass either --all or one or more --message-id")
    report = replay_letters(resources(), wanted if not replay_all else None)
    missing = sorted(wanted - report.seen)
    if missing:
        err.print(Text.assemble(("not in the queue:", "red"), " ", inert(", ".join(missing))))
    # A letter asked for by id and skipped was not replayed: that is a failure; under --all it is a note.
    if report.failures or missing or (wanted and report.skipped):
        raise typer.Exit(ExitStatus.FAILED)


def replay_letters(resources: DeadLetterResources, wanted: set[str] | None) -> ReplayReport:
    """Replays the wanted letters (all when `wanted` is None) and prints what happened to each."""
    report = replay_queue(resources, wanted)
    table = Table(title="replayed")
    for column in ("message id", "ticket id", "partition key", "old sequence number", "new sequence number"):
        table.add_column(column)
    for letter in report.letters:
        if letter.outcome in _OUTCOME_STYLE:
            style = _OUTCOME_STYLE[letter.outcome]
            err.print(
                Text.assemble((letter.outcome, style), " ", inert(f"{letter.message_id}: {letter.detail}"))
            )
        if letter.new_sequence_number is not None:
            cells = (
                letter.ticket_id,
                letter.partition_key,
                letter.old_sequence_number,
                letter.new_sequence_number,
            )
            table.add_row(inert(letter.message_id), *(inert(cell or "") for cell in cells))
    if report.read_error:
        err.print(Text.assemble(("error:", "red"), " ", inert(report.read_error)))
    _print_notes(report.notes)
    out.print(table)
    err.print(report.summary())
    return report
