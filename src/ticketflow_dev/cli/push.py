"""`ticketflow push`: changed Lambda code into the deployed functions in seconds, once or on every save."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from botocore.exceptions import BotoCoreError, ClientError

from ticketflow_dev.cli.common import err, fail, settings, step
from ticketflow_dev.cli.deploy import WARM_HELP, require_running_emulator, warm
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.stack.code_push import build_zips, changed, select, source_fingerprint, update_code
from ticketflow_dev.stack.functions import deployed_functions
from ticketflow_infra.settings import Settings


def push(
    functions: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[FUNCTION]...", help="Folders under lambdas/ to push (default: every deployed function)."
        ),
    ] = None,
    watch: Annotated[
        bool, typer.Option(help="Keep running and push again whenever a source file changes (Ctrl-C stops).")
    ] = False,
    interval: Annotated[
        float, typer.Option(min=0.2, help="Seconds between two looks at the sources with --watch.")
    ] = 1.0,
    warm_up: Annotated[bool, typer.Option("--warm/--no-warm", help=WARM_HELP)] = True,
) -> None:
    """Push changed Lambda code straight into the deployed functions: no synth, no CloudFormation.

    Rebuilds each function's zip as a deploy does (lambdas/<function>/, the packages it carries,
    requirements/lambda.txt) and updates only the functions whose deployed code differs. Code only: a
    change to the infrastructure (infra/, state_machine/, resources, permissions, environment variables,
    concurrency) needs `ticketflow deploy`, which also brings the stack's own record of the code up to date.
    """
    current = settings()
    require_running_emulator(current)
    clients = Clients(current)
    folders = functions or []
    try:
        push_once(current, clients, folders, warm_up=warm_up)
    except RuntimeError as error:  # not deployed, an unknown folder, a failed build of the shared code
        fail(str(error))
    if watch:
        _watch(current, clients, folders, warm_up=warm_up, interval=interval)


def push_once(current: Settings, clients: Clients, folders: list[str], *, warm_up: bool) -> None:
    started = time.perf_counter()
    targets = select(
        deployed_functions(clients("cloudformation"), clients("lambda"), current.stack_name), folders
    )
    with step(f"building the code of {len(targets)} functions"):
        zips = build_zips(current, (str(target.folder) for target in targets))
    updates = changed(targets, zips)
    if not updates:
        err.print("nothing to push: the deployed code is current")
        return
    names = ", ".join(str(update.function.folder) for update in updates)
    with step(f"updating {names}"):
        update_code(clients("lambda"), updates)
    if warm_up:
        warm(clients, [update.function for update in updates])
    err.print(f"pushed {names} in {time.perf_counter() - started:.1f} s")


def _watch(
    current: Settings, clients: Clients, folders: list[str], *, warm_up: bool, interval: float
) -> None:
    """Polls the sources' sizes and mtimes every `interval` seconds; a failed push is reported, not fatal."""
    err.print(f"watching the function sources every {interval:g} s (Ctrl-C stops)")
    seen = source_fingerprint()
    try:
        while True:
            time.sleep(interval)
            now = source_fingerprint()
            if now == seen:
                continue
            seen = now
            try:
                push_once(current, clients, folders, warm_up=warm_up)
            except (RuntimeError, BotoCoreError, ClientError) as error:
                err.print(f"[red]push failed:[/red] {error}")
    except KeyboardInterrupt:
        err.print("stopped watching")
