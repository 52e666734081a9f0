"""`ticketflow faults set | clear | show`: fault injection in the local fake_bedrock (admin endpoint)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from ticketflow_dev import fake_bedrock_admin as client
from ticketflow_infra.settings import Settings

app = typer.Typer(
    help="Inject errors, latency and malformed model output into fake_bedrock.", no_args_is_help=True
)
console = Console()
errors = Console(stderr=True)

UrlOption = Annotated[
    str | None, typer.Option("--url", help="fake_bedrock base URL (default: from the settings)")
]


def _url(url: str | None) -> str:
    return url or Settings.load().fake_bedrock_url


def _fail(error: Exception) -> typer.Exit:
    errors.print(f"[red]error:[/red] {error}")
    return typer.Exit(1)


@app.command("set")
def set_(
    *,
    op: Annotated[str, typer.Option("--op", help=f"one of {', '.join(client.OPERATIONS)}")] = "*",
    error_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="share of calls that fail")] = 0.0,
    error: Annotated[
        list[str] | None,
        typer.Option("--error", help="error code to inject (repeatable; default: the service's usual mix)"),
    ] = None,
    latency_ms: Annotated[float | None, typer.Option(min=0.0, help="added latency per call")] = None,
    latency_jitter_ms: Annotated[
        float, typer.Option(min=0.0, help="± range (uniform) or stddev (normal)")
    ] = 0.0,
    latency_distribution: Annotated[str, typer.Option(help="fixed, uniform or normal")] = "fixed",
    bad_output_rate: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="share of model answers that are not valid JSON / tool calls"),
    ] = 0.0,
    seed: Annotated[int | None, typer.Option(help="seed for the random sequences (default: keep)")] = None,
    url: UrlOption = None,
) -> None:
    """Set one operation's faults, keeping the other operations' rules."""
    try:
        rule = client.operation_rule(
            error_rate=error_rate,
            errors=error,
            latency_ms=latency_ms,
            latency_jitter_ms=latency_jitter_ms,
            latency_distribution=latency_distribution,
            bad_output_rate=bad_output_rate,
        )
        config = client.set_operation_faults(_url(url), op, rule, seed=seed)
    except (ValueError, client.FaultAdminError) as failure:
        raise _fail(failure) from failure
    console.print_json(data=config)


@app.command()
def clear(url: UrlOption = None) -> None:
    """Remove every fault."""
    try:
        config = client.clear_faults(_url(url))
    except client.FaultAdminError as failure:
        raise _fail(failure) from failure
    console.print_json(data=config)


@app.command()
def show(
    url: UrlOption = None,
    stats: Annotated[
        bool, typer.Option("--stats/--no-stats", help="also show request and fault counts")
    ] = True,
) -> None:
    """Show the fault configuration (and what was injected so far)."""
    try:
        shown = {"faults": client.get_faults(_url(url))}
        if stats:
            shown["stats"] = client.get_stats(_url(url))
    except client.FaultAdminError as failure:
        raise _fail(failure) from failure
    console.print_json(data=shown)
