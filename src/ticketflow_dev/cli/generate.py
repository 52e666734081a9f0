"""`ticketflow generate --count N [--seed S] [--mix ...] [--output FILE] [--writer model]`: JSON lines of
TicketSubmitted events, the shape a producer puts on the stream, one ticket a line. The same seed, mix and
`--submitted-at` give the same file.

`--writer model` has a language model write each ticket from the generated one (see
`generation.model_writer`): Bedrock on the aws profile; locally fake_bedrock at its configured port, which
must have an upstream model (`FAKE_BEDROCK_UPSTREAM_URL`), or it would answer with its own stand-in text.
"""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer

from ticketflow.model import TicketSubmitted
from ticketflow_dev.cli.common import fail
from ticketflow_dev.core.aws import Clients, stand_in_clients
from ticketflow_dev.generation.generator import Generated, generate
from ticketflow_dev.generation.mixes import PRESETS, MixError
from ticketflow_dev.generation.model_writer import ModelWriter, ModelWriterError
from ticketflow_dev.local.service import HttpGetError, http_get
from ticketflow_infra.settings import Settings


class Writer(StrEnum):
    TEMPLATES = "templates"
    MODEL = "model"


def _converse_by(url: str) -> str:
    """Who answers Converse at a fake_bedrock (its /health says), or why that could not be read."""
    try:
        return str(json.loads(http_get(f"{url}/health", timeout=3)).get("converse", "an older fake_bedrock"))
    except (HttpGetError, ValueError) as error:
        return f"unreachable ({error})"


def model_writer(settings: Settings) -> ModelWriter:
    """Bedrock's writer on AWS; locally fake_bedrock's, refused unless a model answers behind it."""
    if settings.profile == "aws":
        return ModelWriter(Clients(settings)("bedrock-runtime"), settings.bedrock_model_id)
    url = settings.fake_bedrock_url
    answered_by = _converse_by(url)
    if answered_by != "upstream":
        fail(
            f"--writer model needs a language model behind fake_bedrock at {url} (Converse there: "
            f"{answered_by}); restart the stack with FAKE_BEDROCK_UPSTREAM_URL and "
            "FAKE_BEDROCK_UPSTREAM_MODEL"
        )
    bedrock = stand_in_clients(settings.region, url)("bedrock-runtime")
    return ModelWriter(bedrock, settings.bedrock_model_id)


def write_lines(tickets: Iterator[TicketSubmitted], out: TextIO) -> int:
    written = 0
    for ticket in tickets:
        out.write(json.dumps(ticket.to_event(), ensure_ascii=False) + "\n")
        written += 1
    return written


def generate_command(
    *,
    count: Annotated[int, typer.Option(min=0, max=1_000_000, help="how many tickets")],
    seed: Annotated[int, typer.Option(help="the same seed gives the same tickets")] = 0,
    mix: Annotated[
        str,
        typer.Option(
            help=f"a preset ({', '.join(PRESETS)}) or weights of tones, sentiments or priorities, "
            "e.g. NEGATIVE=3,POSITIVE=1 or HIGH=1"
        ),
    ] = "realistic",
    output: Annotated[Path | None, typer.Option(help="write here instead of standard output")] = None,
    first_number: Annotated[int, typer.Option(min=0, help="number of the first ticket id")] = 1,
    submitted_at: Annotated[
        datetime | None,
        typer.Option(help="the tickets' submission time (UTC unless it says); default now"),
    ] = None,
    writer: Annotated[
        Writer, typer.Option(help="templates, or a language model rewriting each (see above)")
    ] = Writer.TEMPLATES,
) -> None:
    """Generate realistic support tickets as JSON lines of TicketSubmitted events."""
    try:
        now = (
            submitted_at if submitted_at is None or submitted_at.tzinfo else submitted_at.replace(tzinfo=UTC)
        )
        generated: Iterator[Generated] = generate(
            count, seed=seed, first_number=first_number, now=now, mix=mix
        )
        first = next(generated, None)  # a bad mix fails here, before any output is opened
    except MixError as error:
        fail(f"--mix: {error}")
    rewrite = model_writer(Settings.load()).write if writer is Writer.MODEL else None

    def tickets() -> Iterator[TicketSubmitted]:
        for item in itertools.chain([first] if first else [], generated):
            yield rewrite(item) if rewrite else item.ticket

    try:
        if output is None:
            write_lines(tickets(), sys.stdout)
        else:
            with output.open("w", encoding="utf-8") as out:
                written = write_lines(tickets(), out)
            typer.echo(f"wrote {written} tickets to {output}", err=True)
    except ModelWriterError as error:
        fail(str(error))
