"""`ticketflow deploy`, `synth` and `env`: the CDK stack into the emulator or AWS, and how to reach it."""

from __future__ import annotations

import shlex
import urllib.request
from typing import Annotated

import typer

from ticketflow.aws import LOCAL_CREDENTIALS, Clients
from ticketflow.cli.common import console, fail, settings, stack_outputs, step
from ticketflow.deploy import Cdk, CdkError, deploy_stack
from ticketflow.outputs import OutputsNotFoundError
from ticketflow.settings import Settings


def require_running_emulator(current: Settings) -> None:
    """Locally, an emulator must answer before anything deploys to it: the embedded one or LocalStack."""
    if current.profile != "local":
        return
    url = f"{current.emulator_url}/_localstack/health"  # MiniStack answers LocalStack's health path too
    try:
        with urllib.request.urlopen(url, timeout=5):  # noqa: S310 (the configured emulator's http URL)
            return
    except OSError as error:
        fail(f"no emulator answers at {current.emulator_url} ({error}): start one with `ticketflow up`")


def deploy(
    hotswap: Annotated[
        bool, typer.Option(help="Update changed Lambda code in place instead of a full deploy.")
    ] = False,
) -> None:
    """Deploy the stack (bootstrapping the environment the first time)."""
    current = settings()
    require_running_emulator(current)
    with step(f"deploying stack {current.stack_name} ({current.profile} profile)") as status:
        try:
            deploy_stack(
                current,
                Cdk(current, on_line=lambda line: status.update(f"cdk: {line[:100]}")),
                Clients(current),
                hotswap=hotswap,
            )
        except CdkError as error:
            fail(str(error))


def synth() -> None:
    """Synthesize the CloudFormation templates into cdk.out/ (offline)."""
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
        console.print(f"[yellow]note:[/yellow] {error}")
    for name, value in variables.items():
        typer.echo(f"export {name}={shlex.quote(value)}")
