"""`ticketflow deploy`, `synth` and `env`: the CDK stack into the emulator or AWS, and how to reach it."""

from __future__ import annotations

import shlex
import time
from collections.abc import Sequence
from typing import Annotated, Any

import typer

from ticketflow_dev.cli.common import err, fail, settings, stack_outputs, step
from ticketflow_dev.core.aws import LOCAL_CREDENTIALS, Clients
from ticketflow_dev.local.service import http_probe
from ticketflow_dev.stack.deploy import Cdk, CdkError, deploy_stack
from ticketflow_dev.stack.functions import DeployedFunction, deployed_functions
from ticketflow_dev.stack.prewarm import prewarm
from ticketflow_infra.outputs import OutputsNotFoundError
from ticketflow_infra.settings import Settings

WARM_HELP = "Pre-warm the functions afterwards: as many workers as each may run, its clients built."


def emulator_problem(current: Settings) -> str | None:
    """Why the local emulator does not answer, or None when it does (or the profile is not local)."""
    if current.profile != "local":
        return None
    # MiniStack answers LocalStack's health path too.
    return http_probe(f"{current.emulator_url}/_localstack/health", timeout=5)


def require_running_emulator(current: Settings) -> None:
    """Locally, an emulator must answer before anything deploys to it: the embedded one or LocalStack."""
    if (problem := emulator_problem(current)) is not None:
        fail(f"no emulator answers at {current.emulator_url} ({problem}): start one with `ticketflow up`")


def reporting_cdk(current: Settings, status: Any) -> Cdk:
    """The CDK CLI, its latest line shown on a step's status, stopped if the emulator stops answering."""
    return Cdk(
        current,
        on_line=lambda line: status.update(f"cdk: {line[:100]}"),
        endpoint_problem=lambda: emulator_problem(current),
    )


def warm(clients: Clients, functions: Sequence[DeployedFunction]) -> None:
    """Pre-warms `functions`, reporting each one's warm workers."""
    started = time.perf_counter()
    with step(f"pre-warming {len(functions)} functions") as status:
        warmed = prewarm(
            clients("lambda"),
            [function.warm_target() for function in functions],
            on_warmed=lambda result: status.update(f"pre-warming: {result.function_name} done"),
        )
    for function, result in zip(functions, warmed, strict=True):
        note = f"{result.environments}/{result.invocations} workers warm"
        if result.errors:
            note += f", [red]{len(result.errors)} failed[/red]: {result.errors[0]}"
        elif not result.environments:
            note += " (its handler does not answer warm-up events)"
        err.print(f"  {function.folder or function.logical_id}: {note}")
    err.print(f"  pre-warmed in {time.perf_counter() - started:.1f} s")
    dead = [result for result in warmed if result.errors and not result.environments]
    if dead:
        # No ticket can pass a function none of whose workers starts: stop here, not on a ticket wait.
        names = ", ".join(result.function_name for result in dead)
        fail(
            f"no worker of {names} could start: {dead[0].errors[0]}\n"
            "run `ticketflow doctor`: it checks that the functions' bundled dependencies import on the"
            " interpreter that runs them"
        )


def deploy(
    hotswap: Annotated[
        bool, typer.Option(help="Update changed Lambda code in place instead of a full deploy.")
    ] = False,
    warm_up: Annotated[bool, typer.Option("--warm/--no-warm", help=WARM_HELP)] = True,
) -> None:
    """Deploy the stack (bootstrapping the environment the first time), then pre-warm its functions.

    For a change to Lambda code only, `ticketflow push` is faster (no synth, no CloudFormation).
    """
    deploy_and_warm(settings(), hotswap=hotswap, warm_up=warm_up)


def deploy_and_warm(
    current: Settings, *, hotswap: bool = False, warm_up: bool = True, durable: bool = True
) -> None:
    """`ticketflow deploy`, with its progress: also what `reset` and an `up` that recovers a crash run
    (`durable`: see `deploy_stack`)."""
    require_running_emulator(current)
    clients = Clients(current)
    with step(f"deploying stack {current.stack_name} ({current.profile} profile)") as status:
        try:
            saved = deploy_stack(
                current,
                reporting_cdk(current, status),
                clients,
                hotswap=hotswap,
                durable=durable,
                progress=lambda service, message: status.update(f"{service}: {message[:100]}"),
            )
        except CdkError as error:
            if emulator_problem(current) is not None:  # it died under the deploy: what the user does next
                fail(
                    f"the emulator stopped answering during the deploy (log {current.home / 'logs'}/cdk.log):"
                    " `ticketflow up` restarts it, recovers what it lost and deploys again"
                )
            fail(str(error))
    if saved is not None:
        err.print(
            f"  saved the emulator's state, so that a crash cannot lose this deploy (a clean restart of the"
            f" emulator: {saved:.1f} s)"
        )
    if warm_up:
        warm(clients, deployed_functions(clients("cloudformation"), clients("lambda"), current.stack_name))


def synth() -> None:
    """Synthesize the CloudFormation templates into the home's cdk.out/ (offline)."""
    current = settings()
    with step(f"synthesizing {current.stack_name} ({current.profile} profile)"):
        try:
            Cdk(current).synth()
        except CdkError as error:
            fail(str(error))


def env() -> None:
    """Print `export` lines to reach the running stack: `eval "$(ticketflow env)"`."""
    current = settings()
    clients = Clients(current)
    variables = {"AWS_REGION": current.region, "AWS_DEFAULT_REGION": current.region}
    if current.profile == "local":
        variables |= {
            "AWS_ENDPOINT_URL": current.emulator_url,
            "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"],
            "TICKETFLOW_WAREHOUSE_URL": current.warehouse_url,
            "TICKETFLOW_FAKE_BEDROCK_URL": current.fake_bedrock_url,
        }
    try:
        variables |= stack_outputs(current, clients).as_env()
    except OutputsNotFoundError as error:
        err.print(f"[yellow]note:[/yellow] {error}")
    for name, value in variables.items():
        typer.echo(f"export {name}={shlex.quote(value)}")
    if current.profile == "local":  # on stderr, so that `eval` leaves it on the screen
        err.print(
            "[yellow]note:[/yellow] after eval, this shell's aws and boto3 go to the emulator with dummy"
            " credentials until you leave it; use a subshell, or a new one, to work against AWS"
        )
