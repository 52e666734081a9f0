"""Follows a bench run's tickets: execution start from Step Functions, final status from the target."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ticketflow_dev.bench.timings import Timing
from ticketflow_dev.core.polling import WaitTimeoutError, wait_until
from ticketflow_dev.tickets.producer import Submitted
from ticketflow_dev.tickets.tracking import FAILED_EXECUTION_STATUSES, Tracker

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

_PAGE = 1000
# Executions described per poll, and at once: one DescribeExecution is a lookup by name, where a listing
# reads (and sorts) every execution the emulator holds, so a poll's cost never grows with its history.
DESCRIBE_PER_POLL = 400
_DESCRIBE_THREADS = 8


@dataclass(frozen=True)
class Execution:
    started_at: float
    stopped_at: float | None
    status: str


def executions(sfn: SFNClient, state_machine_arn: str, names: Sequence[str]) -> dict[str, Execution]:
    """The executions named in `names` that exist, each described by name."""
    prefix = state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":"

    def describe(name: str) -> tuple[str, Execution | None]:
        try:
            execution = sfn.describe_execution(executionArn=prefix + name)
        except sfn.exceptions.ExecutionDoesNotExist:
            return name, None
        stop = execution.get("stopDate")
        started = execution["startDate"].timestamp()
        return name, Execution(started, stop.timestamp() if stop else None, execution["status"])

    with ThreadPoolExecutor(_DESCRIBE_THREADS) as pool:
        return {name: found for name, found in pool.map(describe, names) if found is not None}


def running(sfn: SFNClient, state_machine_arn: str) -> int:
    """How many of the state machine's executions are still running."""
    paging: dict[str, Any] = {}
    count = 0
    while True:
        page = sfn.list_executions(
            stateMachineArn=state_machine_arn, statusFilter="RUNNING", maxResults=_PAGE, **paging
        )
        count += len(page["executions"])
        if "nextToken" not in page:
            return count
        paging = {"nextToken": page["nextToken"]}


def settle(
    sfn: SFNClient, state_machine_arn: str, *, timeout: float, on_progress: Callable[[int], None]
) -> int:
    """Waits until no execution runs (an earlier level's backlog would load this one); returns how many
    still ran when `timeout` passed (0 when settled)."""

    def still_running() -> int:
        count = running(sfn, state_machine_arn)
        if count:
            on_progress(count)
        return count

    try:
        wait_until(still_running, until=lambda count: count == 0, timeout=timeout, interval=1.0,
                   description="the previous executions to finish")  # fmt: skip
    except WaitTimeoutError as error:
        return int(error.last_state) if isinstance(error.last_state, int) else -1
    return 0


FinalStatus = Callable[[list[str]], dict[str, tuple[float, str]]]


def pipeline_finals(tracker: Tracker) -> FinalStatus:
    """Final statuses from the tickets table: when (`status_at`) and which."""

    def finals(ticket_ids: list[str]) -> dict[str, tuple[float, str]]:
        return {
            ticket_id: (datetime.fromisoformat(state.item["status_at"]).timestamp(), state.status)
            for ticket_id, state in tracker.final_items(ticket_ids).items()
        }

    return finals


def follow(
    submitted: list[Submitted],
    sfn: SFNClient,
    state_machine_arn: str,
    finals: FinalStatus | None,
    *,
    timeout: float,
    on_progress: Callable[[int], None] = lambda _: None,
) -> list[Timing]:
    """Polls until every ticket is final or `timeout` passes; the tickets still open then are lost.

    `finals=None` takes an execution's end as the ticket's final status (the floor has no table).
    """
    order = [s.ticket_id for s in submitted]
    names = set(order)
    done: dict[str, tuple[float, str]] = {}
    seen: dict[str, Execution] = {}

    def pending() -> set[str]:
        # The earliest put first, a bounded number per poll: the times come from the execution, so a ticket
        # described a poll late is timed just the same.
        unended = [n for n in order if n not in seen or seen[n].stopped_at is None]
        seen.update(executions(sfn, state_machine_arn, unended[:DESCRIBE_PER_POLL]))
        ended = {n: (e.stopped_at, e.status) for n, e in seen.items() if e.stopped_at is not None}
        if finals is None:
            done.update({n: (at, status) for n, (at, status) in ended.items() if at is not None})
        else:
            done.update(finals(sorted(names - done.keys())))
            # An execution that failed without writing a final status (a restart) ends its ticket too.
            failed = {n: v for n, v in ended.items() if v[1] in FAILED_EXECUTION_STATUSES and n not in done}
            done.update({n: (at, status) for n, (at, status) in failed.items() if at is not None})
        on_progress(len(done))
        # A ticket final in the table is followed until its execution is described too (its start).
        return (names - done.keys()) | (names - seen.keys())

    with contextlib.suppress(WaitTimeoutError):  # the report counts what is still open as lost
        wait_until(pending, until=lambda left: not left, timeout=timeout, interval=1.0,
                   description=f"{len(names)} tickets to reach a final state")  # fmt: skip
    return [
        Timing(
            s.ticket_id,
            s.put_at,
            seen[s.ticket_id].started_at if s.ticket_id in seen else None,
            *(done.get(s.ticket_id) or (None, None)),
        )
        for s in submitted
    ]
