"""`ticketflow trace TICKET_ID`: one ticket's timeline across every service, as a waterfall."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ticketflow_dev.cli.common import deployed, err, out, settings
from ticketflow_dev.core.safe_text import inert
from ticketflow_dev.journey import Journey, Span, trace_ticket
from ticketflow_dev.journey.picture import draw_waterfall

BAR_WIDTH = 40  # at most; less on a narrow terminal
STYLES = {"ok": "green", "error": "red", "retry": "yellow", "missing": "dim"}
# What a row shows of a span's detail, in this order, when present.
SHOWN = ("sequence_number", "request_id", "status", "reason", "error", "key", "etag", "bytes", "message_id",
         "retries", "sentiment", "priority", "s3_key")  # fmt: skip


def _bar(span: Span, origin: datetime, total: float, width: int) -> str:
    start = min(width - 1, int((span.started - origin).total_seconds() / total * (width - 1)))
    if span.seconds is None:
        return " " * start + "◆"
    length = max(1, round(span.seconds / total * (width - 1)))
    return " " * start + "█" * min(length, width - start)


def _summary(detail: dict[str, Any]) -> str:
    shown = [f"{key}={detail[key]}" for key in SHOWN if detail.get(key) not in (None, "", 0)]
    return " ".join(shown)[:160]


def waterfall(journey: Journey, width: int = 160) -> Table:
    """The spans as rows with a bar each on the journey's clock; `width` is the terminal's."""
    title = f"{journey.ticket_id}: {journey.status or 'no item'}"
    table = Table(
        title=inert(title + (f" ({journey.reason})" if journey.reason else "")), title_justify="left"
    )
    for column in ("+ms", "service", "step", "", "ms", "detail"):
        table.add_column(
            column, justify="right" if column in ("+ms", "ms") else "left", no_wrap=column != "detail"
        )
    if not journey.spans:
        return table
    origin = journey.spans[0].started
    last = journey.pipeline_end() or origin
    total = max((last - origin).total_seconds(), 0.001)
    bar_width = max(10, min(BAR_WIDTH, width - 100))
    for span in journey.spans:
        style = STYLES.get(span.outcome, "")
        offset = (span.started - origin).total_seconds() * 1000
        duration = "" if span.seconds is None else f"{span.seconds * 1000:.0f}"
        bar = Text(_bar(span, origin, total, bar_width), style=style)
        table.add_row(f"{offset:.0f}", inert(span.service), inert(span.name), bar, duration,
                      inert(_summary(span.detail)))  # fmt: skip
    return table


def trace(
    ticket_id: Annotated[str, typer.Argument(help="The ticket id, e.g. TKT-20250115-0042.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the journey as JSON.")] = False,
    png: Annotated[Path | None, typer.Option(help="Also draw the waterfall into this PNG file.")] = None,
) -> None:
    """One ticket's journey: the put, the trigger, every state, the functions' log lines, the archive
    object, the notification and the warehouse row, correlated; and what could not be found."""
    clients, outputs = deployed()
    journey = trace_ticket(clients, outputs, settings(), ticket_id)
    if as_json:
        typer.echo(json.dumps(journey.as_json(), indent=2, default=str))
    else:
        out.print(waterfall(journey, out.width))
        for gap in journey.gaps:
            out.print(Text.assemble(("not found:", "dim"), " ", inert(gap)))
    if png is not None:
        err.print(f"waterfall: {draw_waterfall(journey, png)}", highlight=False)
