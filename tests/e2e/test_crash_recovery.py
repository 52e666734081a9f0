"""End to end: `kill -9` of one local service at a moment of its life, then one `ticketflow up`, as the user
runs it. No clean restart comes first: the emulator's last save is whatever the session's life left (its
durable deploy's, at least), so each proof walks the path a user's crash takes.

The emulator loses everything since its last complete save (MiniStack saves only when it stops): `up` must
bring the stack back, every ticket answered before the kill among it (rebuilt from the archive), and name
the tickets put through this tool and lost unanswered. fake_bedrock and the warehouse may cost retries,
never a ticket or a committed row. Each emulator proof prints its recovery's time and how many answered
tickets came back against how many were answered.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import LocalStack
from tests.e2e.conftest import DeployedStack
from tests.e2e.crashes import (
    DEADLINE,
    RecordingJournal,
    answered_items,
    assert_back,
    kill_9,
    one_ticket_goes_through,
    paced_load,
    responded,
    start_ticketflow,
    ticketflow_up,
)
from tests.e2e.helpers import archived_objects, archived_ticket, fresh_tickets, raw_item, ticketflow
from ticketflow.model import TicketSubmitted
from ticketflow_dev.core.aws import client_kwargs
from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.faults import fake_bedrock_admin as faults
from ticketflow_dev.local.emulator import save_files
from ticketflow_dev.local.service import Layout
from ticketflow_dev.tickets import producer
from ticketflow_dev.tickets.put_journal import put_journal
from ticketflow_etl.archive_reader import s3_client
from ticketflow_etl.postgres import PostgresWarehouse
from ticketflow_etl.run import run_etl

SLOW_CONVERSE_MS = 1500


def ids(tickets: list[TicketSubmitted]) -> list[str]:
    return [t.ticket_id for t in tickets]


def crash_report(local_stack: LocalStack) -> dict[str, Any]:
    path = local_stack.settings.reports_dir / "emulator-crash.json"
    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return report


def answer(stack: DeployedStack, tickets: list[TicketSubmitted]) -> dict[str, dict[str, Any]]:
    """Put `tickets`, wait for them all, and return their RESPONDED items."""
    producer.submit(stack.clients("kinesis"), stack.outputs.stream_name, tickets)
    stack.tracker().wait_for(ids(tickets), timeout=DEADLINE)
    items = answered_items(stack, ids(tickets))
    assert sorted(items) == sorted(ids(tickets))
    return items


def wait_until_answered(stack: DeployedStack, tickets: list[TicketSubmitted], count: int) -> None:
    wait_until(
        lambda: responded(stack, ids(tickets)),
        until=lambda done: len(done) >= count,
        timeout=DEADLINE,
        interval=0.2,
        description=f"{count} tickets of the load to be answered",
    )


@pytest.mark.proof
@pytest.mark.restarts_stack
def test_an_emulator_killed_under_load_comes_back_deployed_with_every_answered_ticket(
    deployed_stack: DeployedStack, local_stack: LocalStack, fake_bedrock: str
) -> None:
    # GIVEN a paced load put through the journal (as `ticketflow submit` and `demo` put tickets), stopped
    # once 10 of its tickets are answered, and the emulator killed at once, others still in flight (Converse
    # slowed to SLOW_CONVERSE_MS a call, so that some certainly are)
    faults.put_faults(
        fake_bedrock,
        {"seed": 1, "operations": {"converse": faults.operation_rule(latency_ms=SLOW_CONVERSE_MS)}},
    )
    load = fresh_tickets(80, seed=67)
    journal = RecordingJournal(put_journal(local_stack.settings))
    with paced_load(deployed_stack, load, journal) as stop:
        wait_until_answered(deployed_stack, load, 10)
        stop.set()
    before = answered_items(deployed_stack, sorted(responded(deployed_stack, ids(load))))
    kill_9(local_stack.settings, "emulator")

    # WHEN the user runs `ticketflow up`
    recovery = ticketflow_up()

    # THEN it said the emulator crashed; the durable deploy brought the stack back under its names
    assert "emulator had crashed" in recovery.output
    assert "recovered from the emulator's crash" in recovery.output
    report = crash_report(local_stack)
    assert report["stack_lost"] is False

    # AND every ticket answered before the kill is back, as it was; every other ticket put is answered by
    # now, or named as lost (put, not answered, no archive object)
    assert_back(deployed_stack, before, "killed under load", recovery.seconds)
    put = set(journal.put)
    named = set(report["put_lost"]) & put
    answered_now = responded(deployed_stack, sorted(put))
    assert answered_now | named == put, put - answered_now - named
    assert not answered_now & named
    for ticket in load:
        if ticket.ticket_id in named:
            assert archived_objects(deployed_stack, ticket.ticket_id, ticket.submitted_at) == []
    print(f"under load: {len(put)} put, {len(named)} of them lost unanswered and named")  # noqa: T201
    assert named  # the slowed ones in flight at the kill

    # AND the stack works: a new ticket goes all the way through
    faults.clear_faults(fake_bedrock)
    one_ticket_goes_through(deployed_stack, seed=71)


def saving(folder: Path, since: float) -> bool:
    """Whether a save begun after `since` is under way: a file being written, or one renamed into place."""
    if any(folder.glob("*.json.tmp")):
        return True
    return any(path.stat().st_mtime >= since for path in folder.glob("*.json"))


@pytest.mark.proof
@pytest.mark.restarts_stack
def test_an_emulator_killed_during_the_save_of_a_stop_comes_back_with_every_answered_ticket(
    deployed_stack: DeployedStack, local_stack: LocalStack
) -> None:
    # GIVEN tickets answered, then `ticketflow down`, the emulator killed as soon as its save has begun
    before = answer(deployed_stack, fresh_tickets(20, seed=83))
    folder = save_files(Layout.of(local_stack.settings)).folder
    began = time.time()
    down = start_ticketflow("down")
    wait_until(
        lambda: saving(folder, began), timeout=DEADLINE, interval=0.002, description="the save to begin"
    )
    kill_9(local_stack.settings, "emulator")
    down_output, _ = down.communicate(timeout=DEADLINE)
    print(down_output)  # noqa: T201

    # WHEN the user runs `ticketflow up`
    recovery = ticketflow_up()

    # THEN the stop said the emulator died before its save completed; `up` put the last complete save back,
    # the stack came back, and every ticket answered before the stop is back, as it was; the stack works
    assert "died before its save completed: `ticketflow up` restarts it and recovers" in down_output
    assert "its last save was cut short" in recovery.output
    assert crash_report(local_stack)["stack_lost"] is False
    assert_back(deployed_stack, before, "killed during a stop's save", recovery.seconds)
    one_ticket_goes_through(deployed_stack, seed=87)


@pytest.mark.proof
@pytest.mark.restarts_stack
def test_an_emulator_killed_after_a_snapshot_load_comes_back_as_loaded_with_every_ticket_answered_since(
    deployed_stack: DeployedStack, local_stack: LocalStack
) -> None:
    # GIVEN a snapshot with tickets in it, loaded, tickets answered after the load, then the emulator killed
    name = f"e2e-crash-{secrets.token_hex(4)}"
    in_snapshot = answer(deployed_stack, fresh_tickets(5, seed=89))
    ticketflow("snapshot", "save", name)
    try:
        ticketflow("snapshot", "load", name)
        after_load = answer(deployed_stack, fresh_tickets(15, seed=91))
        kill_9(local_stack.settings, "emulator")

        # WHEN the user runs `ticketflow up`
        recovery = ticketflow_up()
    finally:
        ticketflow("snapshot", "delete", name)

    # THEN the snapshot's deployment came back (it is the last complete save), with its tickets, and every
    # ticket answered after the load is back, as it was; the stack works
    assert crash_report(local_stack)["stack_lost"] is False
    assert {t: raw_item(deployed_stack, t) for t in in_snapshot} == in_snapshot
    assert_back(deployed_stack, after_load, "killed after a snapshot load", recovery.seconds)
    one_ticket_goes_through(deployed_stack, seed=93)


@pytest.mark.restarts_stack
def test_a_fake_bedrock_killed_mid_load_and_brought_back_by_up_costs_retries_not_tickets(
    deployed_stack: DeployedStack, local_stack: LocalStack
) -> None:
    # GIVEN a paced load, and fake_bedrock killed once tickets are flowing
    load = fresh_tickets(40, seed=73)
    tracker = deployed_stack.tracker()
    with paced_load(deployed_stack, load):
        wait_until_answered(deployed_stack, load, 3)
        kill_9(local_stack.settings, "fake_bedrock")
        in_flight = len(load) - len(responded(deployed_stack, ids(load)))

        # WHEN the user runs `ticketflow up` (within the AI handlers' own retries: ~4 attempts over ~5 s;
        # an outage longer than that fails the tickets caught in it, with the connection error as reason)
        result = ticketflow_up().output

    # THEN it said what the crash lost, once (the next `up` does not tell it again), and every ticket ends
    # RESPONDED with its one archive object
    assert "fake_bedrock had crashed" in result
    assert "fake_bedrock had crashed" not in ticketflow_up().output
    final = tracker.wait_for(sorted(ids(load)), timeout=DEADLINE)
    assert {t: state.status for t, state in final.items()} == dict.fromkeys(ids(load), "RESPONDED")
    for ticket in load:
        archived_ticket(deployed_stack, ticket)
    print(f"{in_flight} tickets not yet answered at the kill; all answered")  # noqa: T201


@pytest.mark.restarts_stack
def test_a_warehouse_killed_before_an_etl_commits_keeps_every_committed_row_and_the_next_run_loads_all(
    deployed_stack: DeployedStack, local_stack: LocalStack
) -> None:
    # GIVEN the archive loaded into the warehouse, then new tickets answered since
    settings, bucket = local_stack.settings, deployed_stack.outputs.bucket_name
    s3 = s3_client(client_kwargs(settings))
    with PostgresWarehouse.connect(settings.warehouse_url) as warehouse:
        run_etl(s3, bucket, "tickets/", warehouse)
    committed = warehouse_rows(settings.warehouse_url)
    new = fresh_tickets(10, seed=79)
    producer.submit(deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name, new)
    deployed_stack.tracker().wait_for(sorted(ids(new)), timeout=DEADLINE)

    # WHEN the warehouse is killed by `kill -9` while an ETL run is about to commit, then `ticketflow up`
    def die(_batch: object) -> None:
        kill_9(local_stack.settings, "warehouse")

    with PostgresWarehouse.connect(settings.warehouse_url) as warehouse, pytest.raises(psycopg.Error):
        run_etl(s3, bucket, "tickets/", warehouse, before_commit=die)
    result = ticketflow_up().output

    # THEN it said the crash lost nothing; every row committed before is there, unchanged
    assert "warehouse had crashed" in result
    assert "no committed row is lost" in result
    after_crash = warehouse_rows(settings.warehouse_url)
    assert {t: after_crash.get(t) for t in committed} == committed

    # AND the next run loads what the cut-short one did not: the new tickets, as archived
    with PostgresWarehouse.connect(settings.warehouse_url) as warehouse:
        run_etl(s3, bucket, "tickets/", warehouse)
    loaded = warehouse_rows(settings.warehouse_url)
    for ticket in new:
        archived = archived_ticket(deployed_stack, ticket)
        row = loaded[ticket.ticket_id]
        assert (row["response_text"], row["priority"], row["sentiment"]) == (
            archived.response_text,
            archived.priority,
            archived.sentiment,
        )
    assert {t: loaded[t] for t in committed} == committed


def warehouse_rows(url: str) -> dict[str, dict[str, Any]]:
    with psycopg.connect(url) as connection, connection.cursor(row_factory=psycopg.rows.dict_row) as cur:
        rows = cur.execute("SELECT * FROM processed_tickets").fetchall()
    return {str(row["ticket_id"]): dict(row) for row in rows}
