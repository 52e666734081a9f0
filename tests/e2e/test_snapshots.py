"""End to end: `ticketflow snapshot save`, then `reset`, then `snapshot load` brings back the tickets, their
archive objects and the warehouse's rows, identical."""

from __future__ import annotations

import secrets
from typing import Any

import psycopg
import pytest

from tests.conftest import LocalStack
from tests.e2e.conftest import DeployedStack
from tests.e2e.helpers import archived_ticket, fresh_tickets, raw_item, read_object, ticketflow
from ticketflow.model import TicketSubmitted, archive_key
from ticketflow_dev.core.aws import client_kwargs
from ticketflow_dev.stack.deploy import outputs_file
from ticketflow_dev.tickets import producer
from ticketflow_etl.archive_reader import s3_client
from ticketflow_etl.postgres import PostgresWarehouse
from ticketflow_etl.run import run_etl

pytestmark = pytest.mark.proof

DEADLINE = 240.0


def rows(url: str, ticket_ids: list[str]) -> dict[str, dict[str, Any]]:
    query = "SELECT * FROM processed_tickets WHERE ticket_id = ANY(%s)"
    with psycopg.connect(url) as connection, connection.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return {str(row["ticket_id"]): dict(row) for row in cur.execute(query, (ticket_ids,)).fetchall()}


def archive(stack: DeployedStack, tickets: list[TicketSubmitted]) -> dict[str, bytes]:
    return {t.ticket_id: read_object(stack, archive_key(t.ticket_id, t.submitted_at)) for t in tickets}


@pytest.mark.restarts_stack
def test_a_snapshot_loaded_after_a_reset_brings_back_tickets_archive_and_warehouse_rows_identical(
    deployed_stack: DeployedStack, local_stack: LocalStack
) -> None:
    # GIVEN a small demo: 20 tickets answered and loaded into the warehouse, and a snapshot of it
    settings, name = local_stack.settings, f"e2e-{secrets.token_hex(4)}"
    tickets = fresh_tickets(20, seed=89)
    ticket_ids = sorted(t.ticket_id for t in tickets)
    producer.submit(deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name, tickets)
    deployed_stack.tracker().wait_for(ticket_ids, timeout=DEADLINE)
    with PostgresWarehouse.connect(settings.warehouse_url) as warehouse:
        run_etl(s3_client(client_kwargs(settings)), deployed_stack.outputs.bucket_name, "tickets/", warehouse)
    items = {t: raw_item(deployed_stack, t) for t in ticket_ids}
    objects = archive(deployed_stack, tickets)
    loaded = rows(settings.warehouse_url, ticket_ids)
    assert sorted(loaded) == ticket_ids
    outputs = outputs_file(settings).read_text(encoding="utf-8")
    saved = ticketflow("snapshot", "save", name)
    assert f"snapshot {name} saved" in saved
    assert f"{name} " in ticketflow("snapshot", "list")
    reset = False
    try:
        # WHEN the emulator is reset (deployed anew: other names) and the demo's warehouse rows deleted,
        # then the snapshot is loaded
        ticketflow("reset", "--redeploy")
        reset = True
        assert outputs_file(settings).read_text(encoding="utf-8") != outputs  # a new deployment
        with psycopg.connect(settings.warehouse_url) as connection:
            connection.execute("DELETE FROM processed_tickets WHERE ticket_id = ANY(%s)", (ticket_ids,))
        loaded_message = ticketflow("snapshot", "load", name)
        reset = False
    finally:
        if reset:  # leave the session's deployment as it was, whatever failed
            ticketflow("snapshot", "load", name)
        ticketflow("snapshot", "delete", name)

    # THEN the deployment, the tickets' items, their archive objects and their warehouse rows are back,
    # byte for byte and column for column
    assert f"snapshot {name} loaded" in loaded_message
    assert outputs_file(settings).read_text(encoding="utf-8") == outputs
    assert {t: raw_item(deployed_stack, t) for t in ticket_ids} == items
    assert archive(deployed_stack, tickets) == objects
    assert rows(settings.warehouse_url, ticket_ids) == loaded

    # AND the stack works on: a new ticket goes through
    [after] = fresh_tickets(1, seed=97)
    producer.submit(deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name, [after])
    final = deployed_stack.tracker().wait_for([after.ticket_id], timeout=DEADLINE)
    assert final[after.ticket_id].status == "RESPONDED"
    archived_ticket(deployed_stack, after)
