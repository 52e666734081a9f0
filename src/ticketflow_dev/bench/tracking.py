"""Follows a bench run's tickets: execution start from Step Functions, final status from the target."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ticketflow_dev.bench.timings import Timing
from ticketflow_dev.polling import WaitTimeoutError, wait_until
from ticketflow_dev.producer import Submitted
from ticketflow_dev.tracking import FAILED_EXECUTION_STATUSES, Tracker

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

_PAGE = 1000


@dataclass(frozen=True)
class Execution:
    started_at: float
    stopped_at: float | None
    status: str


def executions(
    sfn: SFNClient, state_machine_arn: str, names: Collection[str], *, since: float
) -> dict[str, Execution]:
    """The executions named in `names`, paging newest first until a whole page started before `since`."""
    found: dict[str, Execution] = {}
    paging: dict[str, Any] = {}
    while True:
        page = sfn.list_executions(stateMachineArn=state_machine_arn, maxResults=_PAGE, **paging)
        for execution in page["executions"]:
            if execution["name"] in names:
                stop = execution.get("stopDate")
                found[execution["name"]] = Execution(
                    execution["startDate"].timestamp(),
                    stop.timestamp() if stop else None,
                    execution["status"],
                )
        paging = {"nextToken": page["nextToken"]} if "nextToken" in page else {}
        # The order is newest first only roughly (concurrent starts interleave), hence whole pages.
        if not paging or all(e["startDate"].timestamp() < since for e in page["executions"]):
            return found


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
    since = min(s.put_at for s in submitted) - 1
    names = {s.ticket_id for s in submitted}
    done: dict[str, tuple[float, str]] = {}
    seen: dict[str, Execution] = {}

    def pending() -> set[str]:
        seen.update(executions(sfn, state_machine_arn, names - seen.keys() | _running(seen), since=since))
        ended = {n: (e.stopped_at, e.status) for n, e in seen.items() if e.stopped_at is not None}
        if finals is None:
            done.update({n: (at, status) for n, (at, status) in ended.items() if at is not None})
        else:
            done.update(finals(sorted(names - done.keys())))
            # An execution that failed without writing a final status (a restart) ends its ticket too.
            failed = {n: v for n, v in ended.items() if v[1] in FAILED_EXECUTION_STATUSES and n not in done}
            done.update({n: (at, status) for n, (at, status) in failed.items() if at is not None})
        on_progress(len(done))
        return names - done.keys()

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


def _running(seen: dict[str, Execution]) -> set[str]:
    return {n for n, e in seen.items() if e.stopped_at is None}
