"""`ticketflow faults set | list | clear | show`: faults in the AWS APIs the functions call (the fault proxy)
and in the AI services (fake_bedrock's admin endpoint), one command for both.

    ticketflow faults set dynamodb:PutItem throttle 10% --seed 7     # AWS: SERVICE:OPERATION KIND [RATE]
    ticketflow faults set s3:PutObject error 5% --code InternalError --status 500
    ticketflow faults set --op converse --error-rate 0.3             # AI: fake_bedrock's options
    ticketflow faults list                                           # both, with what was injected
    ticketflow faults clear [SERVICE[:OPERATION]]                    # all, or one AWS service's rules
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ticketflow_dev.cli.common import err, fail, out
from ticketflow_dev.faults import aws_api
from ticketflow_dev.faults import fake_bedrock_admin as client
from ticketflow_dev.faults.aws_api import AwsFaultError, AwsFaults, FaultRule
from ticketflow_infra.settings import Settings

app = typer.Typer(
    help="Inject errors, throttling, latency and resets into the AWS APIs the functions call, and errors, "
    "latency and malformed model output into fake_bedrock.",
    no_args_is_help=True,
)

UrlOption = Annotated[
    str | None, typer.Option("--url", help="fake_bedrock base URL (default: from the settings)")
]


def _url(url: str | None) -> str:
    return url or Settings.load().fake_bedrock_url


def parse_rate(text: str) -> float:
    """`10%` or `0.1` → 0.1."""
    try:
        rate = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise AwsFaultError(f"the rate must look like 10% or 0.1, got {text!r}") from None
    return rate


def _aws_rule(target: str, kind: str, rate: str, options: dict[str, Any]) -> FaultRule:
    service, operation = FaultRule.parse_target(target)
    if kind not in aws_api.KINDS:
        raise AwsFaultError(f"unknown fault {kind!r}: one of {', '.join(aws_api.KINDS)}")
    return FaultRule(service, operation, kind, parse_rate(rate), **options)


@app.command("set")
def set_(
    target: Annotated[
        str | None,
        typer.Argument(help=f"AWS: SERVICE:OPERATION ({', '.join(aws_api.SERVICES)}), e.g. dynamodb:PutItem"),
    ] = None,
    kind: Annotated[str | None, typer.Argument(help=f"AWS: {', '.join(aws_api.KINDS)}")] = None,
    rate: Annotated[str, typer.Argument(help="AWS: share of calls, e.g. 10% (default 100%)")] = "100%",
    *,
    code: Annotated[str | None, typer.Option(help="AWS error: the code, e.g. InternalError")] = None,
    status: Annotated[int | None, typer.Option(help="AWS error: the HTTP status, e.g. 500")] = None,
    ms: Annotated[float | None, typer.Option("--ms", min=0.0, help="AWS latency: added milliseconds")] = None,
    where: Annotated[
        str | None, typer.Option(help="AWS: a JMESPath test on the request body, e.g. \"name == 'T-1'\"")
    ] = None,
    times: Annotated[int | None, typer.Option(min=1, help="AWS: fire at most this many times")] = None,
    op: Annotated[str, typer.Option("--op", help=f"AI: one of {', '.join(client.OPERATIONS)}")] = "*",
    error_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="AI: share of calls that fail")] = 0.0,
    error: Annotated[
        list[str] | None,
        typer.Option(
            "--error", help="AI: error code to inject (repeatable; default: the service's usual mix)"
        ),
    ] = None,
    latency_ms: Annotated[float | None, typer.Option(min=0.0, help="AI: added latency per call")] = None,
    latency_jitter_ms: Annotated[
        float, typer.Option(min=0.0, help="AI: ± range (uniform) or stddev (normal)")
    ] = 0.0,
    latency_distribution: Annotated[str, typer.Option(help="AI: fixed, uniform or normal")] = "fixed",
    bad_output_rate: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="AI: share of model answers that are not valid JSON / tool calls"
        ),
    ] = 0.0,
    seed: Annotated[int | None, typer.Option(help="seed for the random sequences (default: keep)")] = None,
    url: UrlOption = None,
) -> None:
    """Add an AWS rule (SERVICE:OPERATION KIND [RATE]), or set one AI operation's faults (--op ...)."""
    if target is not None:
        _set_aws(
            target,
            kind,
            rate,
            {"code": code, "status": status, "latency_ms": ms, "where": where, "times": times},
            seed,
        )
        return
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
        fail(str(failure))
    out.print_json(data=config)


def _set_aws(target: str, kind: str | None, rate: str, options: dict[str, Any], seed: int | None) -> None:
    if kind is None:
        fail(f"say which fault after {target}: one of {', '.join(aws_api.KINDS)}")
    try:
        rule = _aws_rule(target, kind, rate, options)
        faults = AwsFaults(Settings.load())
        err.print("starting the fault proxy and rewiring the functions (a first start builds its venv)")
        rewired = faults.set([rule], seed=seed)
    except AwsFaultError as failure:
        fail(str(failure))
    out.print_json(
        data={"rules": faults.proxy.rules(), "rewired": {r.function: list(r.routed) for r in rewired}}
    )


@app.command("list")
def list_(url: UrlOption = None) -> None:
    """Every fault: the AWS rules (what they injected, which functions they reach) and fake_bedrock's."""
    settings = Settings.load()
    shown: dict[str, Any] = {}
    try:
        shown["ai"] = {"faults": client.get_faults(_url(url)), "stats": client.get_stats(_url(url))}
    except client.FaultAdminError as failure:
        shown["ai"] = {"unavailable": str(failure)}
    try:
        faults = AwsFaults(settings)
        counts = faults.proxy.counts()
        shown["aws"] = {
            "rules": faults.proxy.rules(),
            "requests": counts.requests,
            "faults": [
                {"service": s, "operation": o, "action": a, "count": n}
                for (s, o, a), n in counts.faults.items()
            ],
            "routed": {name: services for name, services in faults.routes().items() if services},
        }
    except AwsFaultError as failure:
        shown["aws"] = {"unavailable": str(failure)}
    out.print_json(data=shown)


@app.command()
def clear(
    target: Annotated[
        str | None, typer.Argument(help="only this AWS service's rules: SERVICE or SERVICE:OPERATION")
    ] = None,
    url: UrlOption = None,
) -> None:
    """Remove every fault (AWS and AI), or one AWS service's rules."""
    try:
        if target is None:
            config = client.clear_faults(_url(url))
        service, operation = FaultRule.parse_target(target) if target else (None, None)
        rewired = AwsFaults(Settings.load()).clear(service, None if operation == "*" else operation)
    except (client.FaultAdminError, AwsFaultError) as failure:
        fail(str(failure))
    if target is None:
        out.print_json(data=config)
    if rewired:
        err.print(f"sent {len(rewired)} functions' calls back to the emulator where no rule is left")


@app.command()
def show(
    url: UrlOption = None,
    stats: Annotated[
        bool, typer.Option("--stats/--no-stats", help="also show request and fault counts")
    ] = True,
) -> None:
    """Show fake_bedrock's fault configuration (and what was injected so far); `list` shows AWS's too."""
    try:
        shown = {"faults": client.get_faults(_url(url))}
        if stats:
            shown["stats"] = client.get_stats(_url(url))
    except client.FaultAdminError as failure:
        fail(str(failure))
    out.print_json(data=shown)
