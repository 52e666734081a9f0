"""What `ticketflow up` does after a crash: say what each dead service lost and, when the emulator lost its
state, bring the stack back: its deployment (redeployed: the emulator's health probe says healthy without
it), the items of the tickets answered since the last save (rebuilt from their archive objects), then a save,
so that the next crash does not take all that again.

Every step may be repeated, and a recovery cut short (a second crash, a failed deploy, Ctrl-C) is resumed by
the next `up`: the supervisor keeps the crash's record until `recovered`, and the loss is worked out once,
before anything changes, and kept in the crash report.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from rich.text import Text

from ticketflow_dev.cli.common import err, fail, write_report
from ticketflow_dev.cli.deploy import deploy_and_warm, warm
from ticketflow_dev.core.aws import Clients, remove_bucket
from ticketflow_dev.core.safe_text import inert
from ticketflow_dev.local import supervisor
from ticketflow_dev.local.emulator import save_files
from ticketflow_dev.local.emulator_state import clock, last_save
from ticketflow_dev.local.service import Crash, Layout
from ticketflow_dev.stack.crash_loss import (
    EmulatorLoss,
    bucket_exists,
    copy_archive,
    emulator_loss,
    orphaned_asset_buckets,
)
from ticketflow_dev.stack.deploy import deploy_intent, outputs_file
from ticketflow_dev.stack.functions import deployed_functions
from ticketflow_dev.targets import RunningStack, stack_target
from ticketflow_dev.tickets.put_journal import put_journal
from ticketflow_dev.tickets.rebuild import rebuild_items
from ticketflow_infra.outputs import StackOutputs
from ticketflow_infra.settings import Settings

EMULATOR = "emulator"
REPORT = "emulator-crash"
RESUME = "`ticketflow up` resumes the recovery (or `ticketflow reset` starts the emulator afresh, empty)"


def recover(running: RunningStack) -> None:
    """Tell of every crash `up` found, then bring the emulator's stack back if its state was lost."""
    crashed = [service for service in running.services if service.crash is not None]
    for service in crashed:
        assert service.crash is not None
        err.print(
            Text.assemble(
                (f"{service.name} had crashed", "yellow"),
                f" (pid {service.crash.pid}, started {clock(service.crash.started_at)}): ",
                inert(service.crash.summary),
            )
        )
        if service.name != EMULATOR:
            supervisor.recovered(running.settings, service.name)  # told: nothing else brings its state back
    emulator = next((s.crash for s in crashed if s.name == EMULATOR and s.crash and s.crash.lost_state), None)
    if emulator is not None:
        began = time.monotonic()
        recover_emulator(running.settings, emulator)
        supervisor.recovered(running.settings, EMULATOR)
        err.print(f"[green]recovered from the emulator's crash[/green] in {time.monotonic() - began:.1f} s")


def recover_emulator(current: Settings, crash: Crash) -> None:
    clients = Clients(current)
    loss = _loss(current, clients, crash)
    if loss is None and not deploy_intent(current).exists():
        err.print(f"no stack {current.stack_name} had been deployed to it: nothing to redeploy")
        return
    if loss is not None:
        err.print("[yellow]The emulator's crash lost:[/yellow]")
        for line in loss.lines():
            err.print(Text.assemble("  - ", inert(line)))
        err.print(f"  (ticket ids in {current.reports_dir / f'{REPORT}.json'})")
    else:
        err.print(f"a deploy of stack {current.stack_name} was under way at the crash: deploying again")
    with _step("removing the bootstrap's asset bucket the crash orphaned"):
        for bucket in orphaned_asset_buckets(clients, current.region):
            err.print(f"removing {bucket}: the bootstrap that made it was lost, and a new one needs its name")
            remove_bucket(clients("s3"), bucket)
    deploy_and_warm(current, warm_up=False, durable=False)
    if loss is not None:
        _restore_tickets(current, clients, loss)
    _save(current)
    warm(clients, deployed_functions(clients("cloudformation"), clients("lambda"), current.stack_name))


def _loss(current: Settings, clients: Clients, crash: Crash) -> EmulatorLoss | None:
    """What this crash lost: worked out now, before anything changes, or read back from an earlier `up` that
    began this recovery (by now its redeploy may have replaced what told it). None: nothing was deployed."""
    path = current.reports_dir / f"{REPORT}.json"
    of_crash = {"pid": crash.pid, "started_at": crash.started_at}
    try:
        report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if report.get("crash") == of_crash:
            return EmulatorLoss.from_report(report)
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        pass
    deployed = StackOutputs.from_file(outputs_file(current), current.stack_name)
    if deployed is None:
        return None
    saved_at = last_save(save_files(Layout.of(current)).record) or 0.0
    with _step("comparing the restarted emulator with the last deploy and the archive"):
        loss = emulator_loss(clients, current.stack_name, deployed, set(put_journal(current).since(saved_at)))
    write_report(current, REPORT, loss.as_report() | {"crash": of_crash})
    return loss


def _restore_tickets(current: Settings, clients: Clients, loss: EmulatorLoss) -> None:
    """Into the stack as now deployed: the archive (when the crash lost the stack, its bucket is new), then
    the items of the tickets answered since the last save."""
    outputs = StackOutputs.from_file(outputs_file(current), current.stack_name)
    if outputs is None:
        fail(f"the redeploy wrote no outputs for stack {current.stack_name}; {RESUME}")
    s3 = clients("s3")
    if outputs.bucket_name != loss.bucket:
        with _step(
            f"copying the archive from {loss.bucket} into the new stack's bucket {outputs.bucket_name}"
        ):
            if bucket_exists(s3, loss.bucket):  # else an earlier `up` has copied it
                copy_archive(s3, loss.bucket, outputs.bucket_name, sorted(loss.answered_lost.values()))
                remove_bucket(s3, loss.bucket)
        err.print(
            f"  {len(loss.answered_lost)} archive objects in {outputs.bucket_name}; {loss.bucket} removed"
        )
    began = time.monotonic()
    with _step("rebuilding the answered tickets' items from the archive"):
        rebuilt = rebuild_items(
            s3, clients("dynamodb"), outputs.bucket_name, outputs.table_name, loss.answered_lost
        )
    err.print(
        f"  {len(rebuilt.rebuilt)} of {len(loss.answered_lost)} answered tickets rebuilt into"
        f" {outputs.table_name} in {time.monotonic() - began:.1f} s"
        + (f"; {len(rebuilt.kept)} were final in the table already" if rebuilt.kept else "")
    )
    for ticket_id, reason in sorted(rebuilt.unreadable.items()):
        err.print(Text.assemble("  ", inert(f"{ticket_id}: not rebuilt", "red"), " ", inert(f"({reason})")))


def _save(current: Settings) -> None:
    """What the recovery rebuilt is in the emulator's memory alone, until it saves."""
    began = time.monotonic()
    if stack_target(current).save_emulator_state():
        err.print(f"  saved the emulator's state (a clean restart) in {time.monotonic() - began:.1f} s")
    deploy_intent(current).unlink(missing_ok=True)


@contextmanager
def _step(what: str) -> Iterator[None]:
    """Fails in one line, with how to go on, when an AWS call of a recovery step fails."""
    try:
        yield
    except (BotoCoreError, ClientError) as error:
        fail(f"recovering from the emulator's crash failed while {what}: {error}; {RESUME}")
