"""End to end: tickets at and just past AWS's limits (tests/events/limits/) end as docs/limits.md says, in one
Kinesis batch: a ticket id too long to name an execution is REJECTED at once naming the limit, a pasted log
too long to travel in the execution is carried in S3 and archived whole, a 1 MiB record is answered."""

from __future__ import annotations

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
from ticketflow.model import TicketSubmitted
from ticketflow_dev.tickets import producer
from ticketflow_dev.tickets.tracking import TicketState

DEADLINE = 240.0


def test_tickets_at_and_past_each_limit_end_as_documented_beside_valid_ones(
    deployed_stack: DeployedStack,
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
