"""`ticketflow eval --labelled FILE.jsonl [--json]`: the pipeline's own sentiment and triage against labels.

Each labelled archive row is turned back into the ticket the producer sent and run through the same
adapters the Lambdas use (`ComprehendSentiment`, then `BedrockTriage`). Where they send it:
- `TICKETFLOW_PROFILE=aws`: the real Comprehend and Bedrock of the configured region;
- `--endpoint URL`, or boto3's `AWS_ENDPOINT_URL_COMPREHEND` / `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`: there;
- otherwise: a private fake_bedrock started on a free port for the run, stopped afterwards.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import boto3
import typer
from botocore.config import Config
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ticketflow.enrichment import BedrockTriage, ComprehendSentiment
from ticketflow_dev.core.aws import LOCAL_CREDENTIALS, Clients
from ticketflow_dev.core.polling import WaitTimeoutError, wait_until
from ticketflow_dev.core.safe_text import inert
from ticketflow_dev.local.service import http_probe
from ticketflow_dev.quality.evaluation import (
    ClassificationReport,
    EvaluationReport,
    LabelledTicket,
    evaluate_one,
    load_labelled,
)
from ticketflow_infra.settings import Settings

console = Console()
errors = Console(stderr=True)

ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_COMPREHEND", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME")
START_TIMEOUT = 20.0
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, read_timeout=120)


def free_port(host: str) -> int:
    """A port the OS reports free on `host` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@contextmanager
def private_fake_bedrock(host: str = "127.0.0.1", python: str = sys.executable) -> Iterator[str]:
    """Run `python -m fake_bedrock` on a free port until the block ends; yields its base URL."""
    port = free_port(host)
    url = f"http://{host}:{port}"
    argv = [python, "-m", "fake_bedrock", "--host", host, "--port", str(port)]
    with subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as process:
        try:

            def health() -> str | None:
                if process.poll() is not None:
                    stderr = process.stderr.read() if process.stderr else ""
                    raise RuntimeError(
                        f"fake_bedrock exited with {process.returncode}: {stderr.strip()[-500:]}"
                    )
                return http_probe(f"{url}/health")

            wait_until(
                health,
                timeout=START_TIMEOUT,
                description=f"fake_bedrock at {url}",
                until=lambda why: why is None,
            )
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _local_clients(settings: Settings, endpoint: str | None) -> tuple[Any, Any]:
    """Clients for a stand-in; without `endpoint`, boto3 reads AWS_ENDPOINT_URL_<SERVICE> itself."""
    session = boto3.session.Session()
    kwargs: dict[str, Any] = {"region_name": settings.region, "config": _CLIENT_CONFIG, **LOCAL_CREDENTIALS}
    if endpoint:
        kwargs["endpoint_url"] = endpoint
    return session.client("comprehend", **kwargs), session.client("bedrock-runtime", **kwargs)


@contextmanager
def pipeline_clients(
    settings: Settings, endpoint: str | None, environ: Mapping[str, str]
) -> Iterator[tuple[Any, Any, str]]:
    """(comprehend, bedrock-runtime, where) for the run, starting a private fake_bedrock if nothing is set."""
    if settings.profile == "aws":
        clients = Clients(settings)
        yield clients("comprehend"), clients("bedrock-runtime"), f"AWS ({settings.region})"
    elif endpoint or all(environ.get(name) for name in ENDPOINT_VARIABLES):
        comprehend, bedrock = _local_clients(settings, endpoint)
        yield comprehend, bedrock, endpoint or "AWS_ENDPOINT_URL_* from the environment"
    else:
        with private_fake_bedrock(settings.bind_host) as url:
            comprehend, bedrock = _local_clients(settings, url)
            yield comprehend, bedrock, f"private fake_bedrock at {url}"


def run_evaluation(
    items: list[LabelledTicket], comprehend: Any, bedrock: Any, model_id: str, workers: int
) -> EvaluationReport:
    detector = ComprehendSentiment(comprehend)
    triager = BedrockTriage(bedrock, model_id)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        outcomes = list(pool.map(lambda item: evaluate_one(item, detector, triager), items))
    return EvaluationReport(outcomes)


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
    console.print(
        Text.assemble(
            "Evaluated ", (str(report.n), "bold"), " tickets from ", inert(f"{labelled} against {where}.")
        )
    )
    console.print(_confusion_table("Sentiment", report.sentiment))
    console.print(_confusion_table("Priority", report.priority))
    reply = summary["reply"]
    table = Table(title="Replies")
    table.add_column("check")
    table.add_column("rate", justify="right")
    table.add_row("quotes the ticket id", f"{reply['ticket_id_rate']:.1%}")
    table.add_row("names the product", f"{reply['product_rate']:.1%}")
    table.add_row("within 150 words", f"{reply['within_limit_rate']:.1%} (longest {reply['max_words']})")
    table.add_row("all three", f"{reply['all_checks_rate']:.1%}")
    console.print(table)
    if summary["errors"]:
        console.print(f"[yellow]{summary['errors']} triage answers were rejected by the pipeline.[/]")


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
        errors.print(Text.assemble(("error:", "red"), " ", inert(error)))
        raise typer.Exit(1) from error
    try:
        with pipeline_clients(settings, endpoint, os.environ) as (comprehend, bedrock, where):
            report = run_evaluation(items, comprehend, bedrock, settings.bedrock_model_id, workers)
    except (WaitTimeoutError, RuntimeError, OSError) as error:
        errors.print(Text.assemble(("error:", "red"), " ", inert(error)))
        raise typer.Exit(1) from error
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), sort_keys=True) + "\n")
    else:
        print_report(report, where, labelled)
    if report.sentiment.accuracy < min_sentiment_accuracy or report.priority.accuracy < min_priority_accuracy:
        errors.print("[red]below the required accuracy[/red]")
        raise typer.Exit(1)
