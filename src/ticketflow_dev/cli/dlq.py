"""`ticketflow dlq list | replay`: the Kinesis records the trigger dead-lettered, and putting them back.

`list` consumes nothing: it receives the letters, then makes them visible again at once. `replay` puts each
record back on the stream as it was and deletes its letter only once the put succeeded; a letter it does
not replay is made visible again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ticketflow.dead_letters import DeadLetter
from ticketflow_dev.cli.common import console, deployed, fail
from ticketflow_dev.dead_letter_inbox import DeadLetterInbox, Received, replay

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

app = typer.Typer(help="Dead-lettered Kinesis records: list them, replay them.", no_args_is_help=True)
out = Console()  # results on stdout; notes and errors on stderr (common.console)

# `list` holds the letters only while it reads them; `replay` long enough to put each record back.
LIST_VISIBILITY_SECONDS = 30
REPLAY_VISIBILITY_SECONDS = 120
REPLAY_MAX_MESSAGES = 10_000

JsonOption = Annotated[bool, typer.Option("--json", help="Print plain JSON instead of a table.")]


@dataclass(frozen=True)
class DeadLetterResources:
    queue: DeadLetterInbox
    kinesis: KinesisClient
    stream_name: str


def resources() -> DeadLetterResources:
    """The deployed stack's dead-letter queue and stream, and clients for them."""
    clients, outputs = deployed()
    return DeadLetterResources(
        DeadLetterInbox(clients("sqs"), outputs.dead_letter_queue_url),
        clients("kinesis"),
        outputs.stream_name,
    )


def describe(received: Received) -> dict[str, Any]:
    """One message as `list` shows it; a message that is not a ticketflow letter is shown by its body."""
    letter = received.letter
    if letter is None:
        return {"message_id": received.message_id, "replayable": False, "body": received.body}
    return {
        "message_id": received.message_id,
        "replayable": True,
        "partition_key": letter.partition_key,
        "sequence_number": letter.sequence_number,
        "ticket_id": letter.ticket_id(),
        "reason": letter.reason,
        "failed_at": letter.failed_at,
    }


@app.command("list")
def list_(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many letters.")] = 100,
    as_json: JsonOption = False,
) -> None:
    """The dead letters, without consuming them."""
    queue = resources().queue
    try:
        received = list(queue.receive(max_messages=limit, visibility_seconds=LIST_VISIBILITY_SECONDS))
    except (BotoCoreError, ClientError) as error:
        fail(f"cannot read the dead-letter queue: {error}")
    _release_all(queue, received)
    letters = [describe(message) for message in received]
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
            table.add_row(escape(letter["message_id"]), *map(escape, cells), escape(letter["reason"]))
        else:
            body = letter["body"][:200]
            table.add_row(
                escape(letter["message_id"]), "", "", "", "", escape(f"not a ticketflow letter: {body}")
            )
    out.print(table)


def _release_all(queue: DeadLetterInbox, received: list[Received]) -> None:
    for message in received:
        try:
            queue.release(message)
        except (BotoCoreError, ClientError) as error:
            console.print(
                f"[yellow]note:[/yellow] letter {escape(message.message_id)} stays hidden until its"
                f" visibility timeout ends: {escape(str(error))}"
            )


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
        console.print(f"[red]not in the queue:[/red] {escape(', '.join(missing))}")
    # A letter asked for by id and skipped was not replayed: that is a failure; under --all it is a note.
    if report.failures or missing or (wanted and report.skipped):
        raise typer.Exit(1)


@dataclass
class ReplayReport:
    seen: set[str] = field(default_factory=set)
    replayed: int = 0
    skipped: int = 0
    failures: int = 0


def replay_letters(resources: DeadLetterResources, wanted: set[str] | None) -> ReplayReport:
    """Replays the wanted letters (all when `wanted` is None). Every letter it received and did not delete
    is released at the end, not at once: released early, it would come back in the next receive and end
    the reading before the rest of the queue was seen."""
    report = ReplayReport()
    held: list[Received] = []
    table = Table(title="replayed")
    for column in ("message id", "ticket id", "partition key", "old sequence number", "new sequence number"):
        table.add_column(column)
    try:
        for message in resources.queue.receive(
            max_messages=REPLAY_MAX_MESSAGES, visibility_seconds=REPLAY_VISIBILITY_SECONDS
        ):
            report.seen.add(message.message_id)
            if wanted is not None and message.message_id not in wanted:
                held.append(message)
                continue
            letter = message.letter
            if letter is None:
                console.print(
                    f"[yellow]skipped[/yellow] {escape(message.message_id)}: not a ticketflow letter (it"
                    " carries no record data); left in the queue"
                )
                report.skipped += 1
                held.append(message)
                continue
            new_sequence = _replay_one(resources, message, letter)
            if new_sequence is None:
                report.failures += 1
                held.append(message)
                continue
            report.replayed += 1
            table.add_row(
                escape(message.message_id),
                escape(letter.ticket_id() or ""),
                escape(letter.partition_key),
                escape(letter.sequence_number),
                escape(new_sequence),
            )
            if wanted is not None and wanted <= report.seen:
                break
    except (BotoCoreError, ClientError) as error:
        console.print(f"[red]error:[/red] cannot read the dead-letter queue: {escape(str(error))}")
        report.failures += 1
    finally:
        _release_all(resources.queue, held)
    out.print(table)
    console.print(f"replayed {report.replayed}, skipped {report.skipped}, failed {report.failures}")
    return report


def _replay_one(resources: DeadLetterResources, message: Received, letter: DeadLetter) -> str | None:
    """The record's new sequence number once it is back on the stream (its letter then deleted), else None."""
    try:
        sequence_number = replay(letter, resources.kinesis, resources.stream_name)
    except (BotoCoreError, ClientError) as error:
        console.print(
            f"[red]not replayed[/red] {escape(message.message_id)}: {escape(str(error))}; left in the queue"
        )
        return None
    try:
        resources.queue.delete(message)
    except (BotoCoreError, ClientError) as error:
        # The record is back on the stream; replaying it again is harmless (a re-delivery starts nothing).
        console.print(
            f"[yellow]replayed but not deleted[/yellow] {escape(message.message_id)}: {escape(str(error))}"
        )
    return sequence_number
