"""End to end across a restart of the local stack: tickets done before it, in flight at it, and put after it.

What MiniStack 1.5.33 does (ministack/services/stepfunctions.py, `_restore_state`): state persists on
SIGTERM, Kinesis read positions included, so no record is lost and none is read twice; but an execution that
was RUNNING at the stop is not resumed: on start it is marked FAILED with `States.ServiceRestart`, without
running any of its states. Its ticket's item stays PROCESSING (RecordFailure never ran, nothing is counted),
and nothing re-drives it: a re-delivery finds the execution name taken. `ticketflow tickets
reconcile` (ticketflow_dev.tickets.reconcile) makes such tickets FAILED with that reason and counts them.
Executions caught inside a Lambda task end FAILED by themselves ("Worker process died"), through
RecordFailure, with that reason.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import LocalStack
from tests.e2e.conftest import DeployedStack
from tests.e2e.helpers import archived_objects, archived_ticket, execution_arn, fresh_tickets, raw_item
from ticketflow.model import TicketSubmitted
from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.faults import fake_bedrock_admin as faults
from ticketflow_dev.tickets import producer
from ticketflow_dev.tickets.reconcile import Reconciler

pytestmark = pytest.mark.proof

DEADLINE = 240.0
RESTART_MARKER = "States.ServiceRestart"  # MiniStack's error for an execution RUNNING at a stop
SLOW_CONVERSE_MS = 2000
MIN_RUNNING_AT_STOP = 4


@pytest.mark.restarts_stack
def test_no_ticket_is_lost_across_a_restart_and_every_one_ends_final(
    deployed_stack: DeployedStack, local_stack: LocalStack, fake_bedrock: str
) -> None:
    # GIVEN tickets processed before the stop, and tickets in flight when it comes: Converse slowed to
    # SLOW_CONVERSE_MS a call, so that their executions are certainly running at the stop
    kinesis, stream = deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name
    tracker = deployed_stack.tracker()
    before, in_flight, after = (
        fresh_tickets(8, seed=41),
        fresh_tickets(30, seed=43),
        fresh_tickets(8, seed=47),
    )
    everyone = {t.ticket_id: t for t in before + in_flight + after}
    producer.submit(kinesis, stream, before)
    assert {s.status for s in tracker.wait_for(ids(before), timeout=DEADLINE).values()} == {"RESPONDED"}
    faults.put_faults(
        fake_bedrock,
        {"seed": 1, "operations": {"converse": faults.operation_rule(latency_ms=SLOW_CONVERSE_MS)}},
    )
    producer.submit(kinesis, stream, in_flight)
    processing = wait_until(
        lambda: [t for t in ids(in_flight) if status(raw_item(deployed_stack, t)) == "PROCESSING"],
        until=lambda running: len(running) >= MIN_RUNNING_AT_STOP,
        timeout=DEADLINE,
        interval=0.2,
        description=f"{MIN_RUNNING_AT_STOP} in-flight tickets to be PROCESSING",
    )
    stored_before = {t: raw_item(deployed_stack, t) for t in ids(before)}
    objects_before = {t.ticket_id: archived_ticket(deployed_stack, t) for t in before}

    # WHEN the local stack is stopped mid-flight, started again, and more tickets are put
    progress: list[str] = []
    began = time.monotonic()
    try:
        local_stack.target.down(progress=lambda service, message: progress.append(f"{service}: {message}"))
        stopped = time.monotonic() - began
    finally:
        local_stack.target.up(progress=lambda service, message: progress.append(f"{service}: {message}"))
    restarted = time.monotonic() - began
    print(  # noqa: T201 - what happened, for `pytest -s`
        f"\n{len(processing)} tickets PROCESSING at the stop; stopped in {stopped:.1f} s, "
        f"running again after {restarted:.1f} s: {progress}"
    )
    producer.submit(kinesis, stream, after)
    tracker.wait_for(list(everyone), timeout=DEADLINE)
    items = {t: raw_item(deployed_stack, t) for t in everyone}
    outcomes = Counter((status(items[t]), execution_error(deployed_stack, t)) for t in ids(in_flight))
    print(f"in flight at the stop, after {time.monotonic() - began:.0f} s: {dict(outcomes)}")  # noqa: T201

    # THEN nothing is lost: every ticket has its item (no record dropped or read twice), the tickets done
    # before the stop are exactly as they were, item and archive object, and those put after it responded
    assert [t for t, item in items.items() if item is None] == []
    assert {t: items[t] for t in ids(before)} == stored_before
    assert {t.ticket_id: archived_ticket(deployed_stack, t) for t in before} == objects_before
    assert {t: status(items[t]) for t in ids(after)} == dict.fromkeys(ids(after), "RESPONDED")

    # AND every ticket that responded has its one archive object; every one that failed says why
    for ticket_id, item in items.items():
        if status(item) == "RESPONDED":
            archived_ticket(deployed_stack, everyone[ticket_id])
        elif status(item) == "FAILED":
            assert item is not None
            assert item["status_reason"]["S"], ticket_id
            assert archived_objects(deployed_stack, ticket_id, everyone[ticket_id].submitted_at) == []

    # AND only tickets whose execution the emulator cut short are unfinished (see the module docstring);
    # reconciling makes each of them FAILED with that reason, so that every ticket ends final
    unfinished = {t for t, item in items.items() if status(item) not in ("RESPONDED", "FAILED")}
    assert {t: execution_error(deployed_stack, t) for t in unfinished} == dict.fromkeys(
        unfinished, RESTART_MARKER
    )
    clients = deployed_stack.clients
    reconciled = Reconciler(
        clients("dynamodb"), clients("stepfunctions"), clients("cloudwatch"),
        deployed_stack.outputs.table_name, deployed_stack.outputs.state_machine_arn,
    ).reconcile(older_than=timedelta(0))  # fmt: skip
    assert unfinished <= {r.ticket_id for r in reconciled}
    for ticket_id in everyone:
        item = raw_item(deployed_stack, ticket_id)
        assert status(item) in ("RESPONDED", "FAILED"), ticket_id
        if ticket_id in unfinished:
            assert item is not None
            assert RESTART_MARKER in item["status_reason"]["S"]


def ids(tickets: list[TicketSubmitted]) -> list[str]:
    return [t.ticket_id for t in tickets]


def status(item: dict[str, Any] | None) -> str | None:
    return None if item is None else str(item["status"]["S"])


def execution_error(stack: DeployedStack, ticket_id: str) -> str:
    execution = stack.clients("stepfunctions").describe_execution(
        executionArn=execution_arn(stack, ticket_id)
    )
    return str(execution.get("error", execution["status"]))
