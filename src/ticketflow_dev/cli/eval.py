"""`ticketflow eval --labelled FILE.jsonl [--json]`: the pipeline's own sentiment and triage against labels.

Each labelled archive row is turned back into the ticket the producer sent and run through the same
adapters the Lambdas use, against the services `ticketflow_dev.quality.backends` picks (AWS, an endpoint,
or a private fake_bedrock).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ticketflow_dev.cli.common import fail, out
from ticketflow_dev.core.polling import WaitTimeoutError
from ticketflow_dev.core.safe_text import inert
from ticketflow_dev.quality.backends import pipeline_clients, run_evaluation
from ticketflow_dev.quality.evaluation import ClassificationReport, EvaluationReport, load_labelled
from ticketflow_infra.settings import Settings


def _confusion_table(title: str, report: ClassificationReport) -> Table:
    matrix = report.confusion
    labels = [
        label for label in matrix if any(matrix[label].values()) or any(r[label] for r in matrix.values())
    ]
    table = Table(title=f"{title}: accuracy {report.accuracy:.1%}, macro-F1 {report.macro_f1:.3f}")
    table.add_column("label \\ predicted", style="bold")
    for label in labels:
        table.add_column(label, justify="right")
    for label in labels:
        cells = [str(matrix[label][p]) if matrix[label][p] else "·" for p in labels]
        table.add_row(
            label, *(f"[green]{c}[/]" if p == label else c for c, p in zip(cells, labels, strict=True))
        )
    return table


def print_report(report: EvaluationReport, where: str, labelled: Path) -> None:
    summary = report.to_dict()
    out.print(
        Text.assemble(
            "Evaluated ", (str(report.n), "bold"), " tickets from ", inert(f"{labelled} against {where}.")
        )
    )
    out.print(_confusion_table("Sentiment", report.sentiment))
    out.print(_confusion_table("Priority", report.priority))
    reply = summary["reply"]
    table = Table(title="Replies")
    table.add_column("check")
    table.add_column("rate", justify="right")
    table.add_row("quotes the ticket id", f"{reply['ticket_id_rate']:.1%}")
    table.add_row("names the product", f"{reply['product_rate']:.1%}")
    table.add_row("within 150 words", f"{reply['within_limit_rate']:.1%} (longest {reply['max_words']})")
    table.add_row("all three", f"{reply['all_checks_rate']:.1%}")
    out.print(table)
    if summary["errors"]:
        out.print(f"[yellow]{summary['errors']} triage answers were rejected by the pipeline.[/]")


def eval_command(
    *,
    labelled: Annotated[
        Path,
        typer.Option(
            "--labelled",
            exists=True,
            dir_okay=False,
            readable=True,
            help="archive rows with labels (JSON lines)",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object instead of tables")] = False,
    endpoint: Annotated[
        str | None, typer.Option("--endpoint", help="Comprehend/Bedrock stand-in URL (default: start one)")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="evaluate only the first N tickets")] = None,
    workers: Annotated[int, typer.Option(min=1, max=32, help="tickets in flight at once")] = 4,
    min_sentiment_accuracy: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="exit 1 if sentiment accuracy is lower")
    ] = 0.0,
    min_priority_accuracy: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="exit 1 if priority accuracy is lower")
    ] = 0.0,
) -> None:
    """Score the pipeline's sentiment and triage against labelled tickets (accuracy, macro-F1, replies)."""
    settings = Settings.load()
    try:
        items = load_labelled(labelled)[:limit]
    except ValueError as error:
        fail(str(error))
    try:
        with pipeline_clients(settings, endpoint, os.environ) as (comprehend, bedrock, where):
            report = run_evaluation(items, comprehend, bedrock, settings.bedrock_model_id, workers)
    except (WaitTimeoutError, RuntimeError, OSError) as error:
        fail(str(error))
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), sort_keys=True) + "\n")
    else:
        print_report(report, where, labelled)
    if report.sentiment.accuracy < min_sentiment_accuracy or report.priority.accuracy < min_priority_accuracy:
        fail("below the required accuracy")
