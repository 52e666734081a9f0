"""End to end: the functions' logs carry ticket ids, never a customer's name, email or the ticket's text.

Tickets with distinctive personal data (and one that fails validation) go through the deployed stack; then
every line the stack's functions logged during the run is read back: from each function's CloudWatch Logs
group (MiniStack stores function output there), and from the emulator's own log, the functions' JSON lines.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.conftest import LocalStack
from tests.e2e.conftest import DeployedStack
from tests.e2e.helpers import fresh_tickets
from ticketflow.model import TicketSubmitted
from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.tickets import producer

DEADLINE = 240.0
LOG_DEADLINE = 60.0  # function output reaches CloudWatch Logs shortly after the invocation


def with_personal_data(ticket: TicketSubmitted, tag: str) -> tuple[dict[str, Any], list[str]]:
    """The ticket's event with a name, email and description no log could hold by chance, and those values."""
    event: dict[str, Any] = json.loads(producer.encode(ticket))
    contact = event["data"]["customer_contact_information"]
    first, last = f"Wolfhart{tag}", f"Quennellby{tag}"
    contact.update(
        first_name=first, last_name=last, full_name=f"{first} {last}", email=f"zyx.{tag}@quux-mail.example"
    )
    phrase = f"the Quibblesworth{tag} invoice export crashes"
    event["data"]["description"] = f"{event['data']['description']} Also, {phrase}."
    return event, [first, last, contact["email"], phrase, event["data"]["description"]]


def function_log_groups(stack: DeployedStack, stack_name: str) -> list[str]:
    """Each of the stack's functions' log group, as the function itself reports it."""
    cloudformation, lambda_ = stack.clients("cloudformation"), stack.clients("lambda")
    paginator = cloudformation.get_paginator("list_stack_resources")
    functions = [
        r["PhysicalResourceId"]
        for page in paginator.paginate(StackName=stack_name)
        for r in page["StackResourceSummaries"]
        if r["ResourceType"] == "AWS::Lambda::Function"
    ]
    groups = [
        lambda_.get_function(FunctionName=f)["Configuration"]["LoggingConfig"]["LogGroup"] for f in functions
    ]
    assert groups, "the stack has no functions"
    return groups


def cloudwatch_lines(stack: DeployedStack, groups: list[str], since_ms: int) -> Iterator[str]:
    logs = stack.clients("logs")
    for group in groups:
        kwargs: dict[str, Any] = {"logGroupName": group, "startTime": since_ms}
        while True:
            page = logs.filter_log_events(**kwargs)
            yield from (e["message"] for e in page["events"] if e["timestamp"] >= since_ms)
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]


def emulator_function_lines(log_file: Path, offset: int) -> Iterator[str]:
    """The functions' JSON lines (Powertools) the emulator wrote to its own log since `offset`."""
    if not log_file.is_file():
        return
    with log_file.open("rb") as log:
        log.seek(offset)
        for raw in log:
            line = raw.decode("utf-8", errors="replace")
            start = line.find("{")
            if start >= 0 and '"function_name"' in line:
                yield line[start:].strip()


def test_function_logs_carry_ticket_ids_and_no_personal_data(
    deployed_stack: DeployedStack, local_stack: LocalStack
) -> None:
    # GIVEN three valid tickets and one that fails validation (its email is not one), each with its own
    # distinctive name, email and description
    emulator_log = local_stack.settings.home / "logs" / "emulator.log"
    offset = emulator_log.stat().st_size if emulator_log.is_file() else 0
    since_ms = int(time.time() * 1000) - 5_000
    tickets = fresh_tickets(4, seed=41)
    records: list[tuple[bytes, str]] = []
    personal: list[str] = []
    for ticket in tickets:
        event, values = with_personal_data(ticket, secrets.token_hex(4))
        records.append((json.dumps(event).encode(), ticket.ticket_id))
        personal += values
    *valid, invalid = tickets
    broken = json.loads(records[-1][0])
    broken["data"]["customer_contact_information"]["email"] = broken["data"]["customer_contact_information"][
        "email"
    ].replace("@", " at ")
    personal.append(broken["data"]["customer_contact_information"]["email"])
    records[-1] = (json.dumps(broken).encode(), invalid.ticket_id)

    # WHEN they are processed, and the functions' log lines of the run are read once every ticket shows up
    producer.put_raw(deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name, records)
    states = deployed_stack.tracker().wait_for([t.ticket_id for t in tickets], timeout=DEADLINE)
    groups = function_log_groups(deployed_stack, local_stack.settings.stack_name)
    ids = [t.ticket_id for t in tickets]

    def captured() -> list[str]:
        return [
            *cloudwatch_lines(deployed_stack, groups, since_ms),
            *emulator_function_lines(emulator_log, offset),
        ]

    lines = wait_until(
        captured,
        until=lambda found: all(any(i in line for line in found) for i in ids),
        timeout=LOG_DEADLINE,
        interval=1.0,
        description="log lines naming every ticket id",
    )

    # THEN the valid tickets responded and the invalid one was rejected; the logs name every ticket (so the
    # capture is real) in structured lines; and no name, email or description text appears in any line
    assert {i: states[i].status for i in ids} == {
        **{t.ticket_id: "RESPONDED" for t in valid},
        invalid.ticket_id: "REJECTED",
    }
    structured = [json.loads(line) for line in lines if line.startswith("{")]
    for ticket_id in ids:
        assert any(entry.get("ticket_id") == ticket_id for entry in structured), ticket_id
    assert any(
        entry.get("ticket_id") == invalid.ticket_id and entry.get("message") == "ticket rejected"
        for entry in structured
    )
    leaks = [(value, line[:200]) for line in lines for value in personal if value in line]
    assert leaks == []
