"""`ticketflow destroy`: `deploy`'s inverse. The aws profile asks first, and names what the deletion keeps."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from ticketflow_dev.cli.common import err, fail, settings, step
from ticketflow_dev.cli.deploy import reporting_cdk, require_running_emulator
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.stack.deploy import Cdk, CdkError, destroy_stack, find_stack
from ticketflow_dev.stack.retained import RetainedResource, deployed_retained
from ticketflow_infra.settings import Settings

YES_HELP = "Delete without asking (only the aws profile asks; without a terminal it needs this)."


def confirm_destroy(current: Settings, stack_id: str, *, yes: bool, interactive: bool) -> None:
    """Locally everything is disposable; on AWS only a yes deletes: `--yes`, or one typed at a terminal."""
    if current.profile == "local" or yes:
        return
    if not interactive:
        fail(
            f"deleting stack {current.stack_name} from AWS needs a yes: run this at a terminal, or pass --yes"
        )
    if not typer.confirm(f"Delete stack {stack_id}?", default=False):
        fail("not confirmed: nothing was deleted")


def show_kept(kept: Sequence[RetainedResource]) -> None:
    width = max(len(resource.kind) for resource in kept)
    for resource in kept:
        err.print(f"  {resource.kind:<{width}}  {resource.physical_id}", highlight=False)


def destroy(yes: Annotated[bool, typer.Option("--yes", "-y", help=YES_HELP)] = False) -> None:
    """Delete the deployed stack and its outputs file (a no-op when it is not deployed).

    The local profile deletes everything without asking. The aws profile asks first, and keeps the
    resources whose DeletionPolicy is Retain (its data: the table, the bucket, ...), which it lists with
    the commands that delete them by hand.
    """
    current = settings()
    require_running_emulator(current)
    clients = Clients(current)
    cloudformation = clients("cloudformation")
    stack = find_stack(cloudformation, current.stack_name)
    if stack is None:
        destroy_stack(current, Cdk(current), clients)  # no stack: only a stale outputs file goes
        err.print(f"stack {current.stack_name} is not deployed ({current.profile} profile): nothing to do")
        return
    kept = deployed_retained(cloudformation, current.stack_name)
    if kept:
        err.print(f"deleting stack {current.stack_name} keeps {len(kept)} resources (DeletionPolicy Retain):")
        show_kept(kept)
    confirm_destroy(current, stack["StackId"], yes=yes, interactive=sys.stdin.isatty())
    with step(f"destroying stack {current.stack_name} ({current.profile} profile)") as status:
        try:
            destroy_stack(current, reporting_cdk(current, status), clients)
        except CdkError as error:
            fail(str(error))
    if kept:
        err.print("kept on purpose (DeletionPolicy Retain: the data outlives the stack):")
        show_kept(kept)
        err.print("to delete them by hand, for good:")
        for resource in kept:
            err.print(f"  {resource.how_to_delete(current.region)}", highlight=False)
