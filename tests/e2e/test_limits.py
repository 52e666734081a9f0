"""End to end: tickets at and just past AWS's limits (tests/events/limits/) end as docs/limits.md says, in one
Kinesis batch: a ticket id too long for the warehouse's key is REJECTED at once naming the limit, a pasted log
too long to travel in the execution is carried in S3 and archived whole, a 1 MiB record is answered; the ETL
then loads each answered ticket into the local warehouse, its description whole or cut to its column's
65,535 bytes as the case says."""

from __future__ import annotations

import psycopg

from tests.conftest import LocalStack
from tests.e2e.conftest import DeployedStack
from tests.e2e.helpers import (
    archived_ticket,
    dead_letters_for,
    execution_exists,
    execution_status,
    fresh_number,
    fresh_tickets,
    history,
    raw_item,
)
from tests.event_files import LimitCase, load_limit_cases
from ticketflow import carriage, limits
from ticketflow.model import TicketSubmitted, archive_key
from ticketflow_dev.core.aws import client_kwargs
from ticketflow_dev.tickets import producer
from ticketflow_dev.tickets.tracking import TicketState
from ticketflow_etl.archive_reader import s3_client
from ticketflow_etl.postgres import PostgresWarehouse
from ticketflow_etl.run import run_etl

DEADLINE = 240.0


def test_tickets_at_and_past_each_limit_end_as_documented_beside_valid_ones(
    deployed_stack: DeployedStack, local_stack: LocalStack
) -> None:
    # GIVEN every case of the limits corpus between valid tickets, in ONE put_records request
    cases = load_limit_cases(fresh_number)
    valid = fresh_tickets(2, seed=23)
    records = [(producer.encode(valid[0]), valid[0].ticket_id)]
    records += [(case.data, case.ticket_id) for case in cases]
    records += [(producer.encode(valid[1]), valid[1].ticket_id)]
    assert max(len(data) + len(key) for data, key in records) == limits.KINESIS_RECORD_MAX_BYTES

    # WHEN they are put on the stream and followed to their final state
    response = deployed_stack.clients("kinesis").put_records(
        StreamName=deployed_stack.outputs.stream_name,
        Records=[{"Data": data, "PartitionKey": key} for data, key in records],
    )
    assert response.get("FailedRecordCount", 0) == 0, response["Records"]
    ids = [t.ticket_id for t in valid] + [c.ticket_id for c in cases]
    states = deployed_stack.tracker().wait_for(ids, timeout=DEADLINE)

    # THEN the valid tickets responded, each case ended as its file says, and nothing was dead-lettered
    for ticket in valid:
        assert states[ticket.ticket_id].status == "RESPONDED", states[ticket.ticket_id]
    problems: list[str] = []
    for case in cases:
        if case.expect.status == "REJECTED":
            problems += _check_rejected(deployed_stack, case, states[case.ticket_id])
        else:
            problems += _check_responded(deployed_stack, case, states[case.ticket_id])
    assert not problems, "\n".join(problems)
    assert dead_letters_for(deployed_stack, [key for _, key in records]) == []

    # WHEN the ETL loads each answered case's archive object into the local warehouse
    answered = [case for case in cases if case.expect.warehouse is not None]
    rows = _load_into_the_warehouse(deployed_stack, local_stack, answered)

    # THEN each row holds its description whole, or its opening of at most 65,535 bytes marked as cut
    problems = [problem for case in answered for problem in _check_row(case, rows.get(case.ticket_id))]
    assert not problems, "\n".join(problems)


def _check_rejected(stack: DeployedStack, case: LimitCase, state: TicketState) -> list[str]:
    where = f"{case.file} ({case.name})"
    if state.status != "REJECTED":
        return [f"{where}: expected REJECTED, got {state.status} ({state.reason})"]
    reason = state.reason or ""
    problems = [
        f"{where}: the reason {reason!r} does not name {p!r}" for p in case.expect.reason if p not in reason
    ]
    item = raw_item(stack, case.ticket_id)
    if item is None or history(item) != [("REJECTED", reason)]:
        problems.append(f"{where}: expected one REJECTED entry with the reason, got {item and history(item)}")
    if execution_exists(stack, case.ticket_id):
        problems.append(f"{where}: REJECTED, yet an execution was started")
    return problems


def _check_responded(stack: DeployedStack, case: LimitCase, state: TicketState) -> list[str]:
    """Answered, the execution succeeded, the archive holds the whole description; a carried one is kept
    whole under descriptions/ and the item holds the opening that travelled, saying it was cut."""
    where = f"{case.file} ({case.name})"
    if state.status != "RESPONDED":
        return [f"{where}: expected RESPONDED, got {state.status} ({state.reason})"]
    sent = TicketSubmitted.model_validate(case.event)
    whole = sent.data.description
    problems = []
    if (status := execution_status(stack, case.ticket_id)) != "SUCCEEDED":
        problems.append(f"{where}: the execution ended {status}")
    if archived_ticket(stack, sent).description != whole:
        problems.append(f"{where}: the archive object does not hold the whole description")
    return problems + _check_carriage(stack, case, whole, str(state.item.get("description", "")))


def _check_carriage(stack: DeployedStack, case: LimitCase, whole: str, stored: str) -> list[str]:
    where = f"{case.file} ({case.name})"
    kept = list(_kept_descriptions(stack, case.ticket_id).values())
    if not case.expect.carried:
        problems = [f"{where}: travelled inline, yet S3 holds {len(kept)} description(s)"] if kept else []
        return problems + (
            [f"{where}: the item's description is not the one sent"] if stored != whole else []
        )
    problems = [] if kept == [whole] else [f"{where}: S3 holds {len(kept)} description(s), not the whole one"]
    opening = stored.split("\n[ticketflow:", 1)[0]
    if not (whole.startswith(opening) and "is cut here" in stored and len(opening) < len(whole)):
        problems.append(f"{where}: the item's description is not the opening that travelled")
    return problems


def _kept_descriptions(stack: DeployedStack, ticket_id: str) -> dict[str, str]:
    s3 = stack.clients("s3")
    bucket = stack.outputs.bucket_name
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=f"{carriage.PREFIX}{ticket_id}/")
    return {
        o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read().decode("utf-8")
        for o in listing.get("Contents", [])
    }


def _load_into_the_warehouse(
    stack: DeployedStack, local: LocalStack, cases: list[LimitCase]
) -> dict[str, tuple[str, bool]]:
    """Each case's archive object loaded by the ETL (its key as the prefix: nothing else is read), as
    `ticketflow etl` loads the local warehouse; the rows' descriptions and whether each was cut."""
    s3 = s3_client(client_kwargs(local.settings))
    with PostgresWarehouse.connect(local.settings.warehouse_url) as warehouse:
        for case in cases:
            sent = TicketSubmitted.model_validate(case.event)
            run_etl(s3, stack.outputs.bucket_name, archive_key(sent.ticket_id, sent.submitted_at), warehouse)
    with psycopg.connect(local.settings.warehouse_url) as connection:
        found = connection.execute(
            "SELECT ticket_id, description, description_truncated FROM processed_tickets"
            " WHERE ticket_id = ANY(%s)",
            ([case.ticket_id for case in cases],),
        ).fetchall()
    return {ticket_id: (description, truncated) for ticket_id, description, truncated in found}


def _check_row(case: LimitCase, row: tuple[str, bool] | None) -> list[str]:
    where = f"{case.file} ({case.name})"
    if row is None:
        return [f"{where}: no row in the warehouse"]
    description, truncated = row
    whole = TicketSubmitted.model_validate(case.event).data.description
    if case.expect.warehouse == "whole":
        return (
            [] if (description, truncated) == (whole, False) else [f"{where}: the row is not the whole text"]
        )
    size = len(description.encode("utf-8"))
    if (
        truncated
        and whole.startswith(description)
        and limits.WAREHOUSE_TEXT_MAX_BYTES - 4 < size <= (limits.WAREHOUSE_TEXT_MAX_BYTES)
    ):
        return []
    return [
        f"{where}: expected the opening of at most 65,535 bytes, marked cut; got {size:,} bytes, {truncated}"
    ]
