"""End to end under AWS API faults, injected by the fault proxy between the functions and the emulator: 10%
of the trigger's DynamoDB writes throttled (its batches' RECEIVED transactions, which then fall back to one
write a record, and those writes), 10% of its StartExecution calls throttled, 10% of the archive's PutObject
answered SlowDown 503, 5% of the dead-letter queue's sends failing with InternalError 500.

Every ticket ends final exactly once (one item, one archive object, at most one notification); the records
whose calls exhausted their retries are in the dead-letter queue, and nothing else is; `ticketflow dlq replay`
brings them back. A record too large for an SQS message meets the same fate: dead-lettered through S3, and
brought back."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import LocalStack
from tests.e2e.conftest import DeployedStack
from tests.e2e.helpers import (
    archived_ticket,
    execution_exists,
    fresh_number,
    fresh_tickets,
    history,
    peek_letters,
    raw_item,
    read_object,
)
from tests.largest_tickets import ticket_id as shaped_ticket_id
from ticketflow import composition, dead_letters, limits
from ticketflow.model import TicketSubmitted
from ticketflow_dev.cli import dlq as dlq_cli
from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.faults.aws_api import AwsFaults, FaultRule, ProxyCounts
from ticketflow_dev.tickets import producer
from ticketflow_dev.tickets.dead_letter_inbox import Received
from ticketflow_dev.tickets.notifications import TopicListener

pytestmark = pytest.mark.proof

TICKETS = 300
SEED = 20261202
DEADLINE = 420.0
# The trigger's clients make each call 1 + max_attempts times (botocore's `retries.max_attempts` counts the
# retries): a rule that fails a request that often exhausts them. A random 10% does that to ~0.01% of
# calls, so a few tickets are pinned to it: the dead-letter path is part of every run.
ATTEMPTS = 1 + composition.CLIENT_CONFIG.retries["max_attempts"]  # type: ignore[attr-defined]
THROTTLED_CODES = {
    "ProvisionedThroughputExceededException from PutItem",
    "ThrottlingException from StartExecution",
}


def rules(put_pinned: list[str], start_pinned: list[str], queue_pinned: str) -> list[FaultRule]:
    """The pinned rules first: the proxy applies the first rule that matches and fires."""
    # A pinned ticket's batch transaction fails every attempt, so its RECEIVED write falls back to its own
    # PutItem, which fails every attempt too.
    in_transaction = "contains(TransactItems[].Put.Item.ticket_id.S, '{}')"
    pinned = (
        [
            FaultRule(
                "dynamodb", "TransactWriteItems", "throttle", where=in_transaction.format(t), times=ATTEMPTS
            )
            for t in put_pinned
        ]
        + [
            FaultRule("dynamodb", "PutItem", "throttle", where=f"Item.ticket_id.S == '{t}'", times=ATTEMPTS)
            for t in put_pinned
        ]
        + [
            FaultRule("stepfunctions", "StartExecution", "throttle", where=f"name == '{t}'", times=ATTEMPTS)
            for t in start_pinned
        ]
    )
    # This ticket's letter cannot be sent (every attempt fails): the record goes back to the stream's mapping.
    queue = FaultRule(
        "sqs", "SendMessage", "error", code="InternalError", status=500,
        where=f"contains(MessageBody, '{queue_pinned}')", times=ATTEMPTS,
    )  # fmt: skip
    return [
        *pinned,
        queue,
        FaultRule("dynamodb", "TransactWriteItems", "throttle", 0.10),
        FaultRule("dynamodb", "PutItem", "throttle", 0.10),
        FaultRule("stepfunctions", "StartExecution", "throttle", 0.10),
        FaultRule("s3", "PutObject", "throttle", 0.10),  # S3's throttle: SlowDown, 503
        FaultRule("sqs", "SendMessage", "error", 0.05, code="InternalError", status=500),
    ]


@pytest.fixture
def aws_faults(local_stack: LocalStack, deployed_stack: DeployedStack) -> Iterator[AwsFaults]:
    """AWS faults with no rules; every rule cleared (and the functions rewired) afterwards, and the proxy
    stopped again when this test started it."""
    faults = AwsFaults(local_stack.settings, deployed_stack.clients)
    was_running = faults.proxy_running()
    faults.clear()
    try:
        yield faults
    finally:
        faults.clear()
        if not was_running:
            faults.stop_proxy()


def test_under_aws_faults_every_ticket_ends_once_and_only_exhausted_records_are_dead_lettered(
    deployed_stack: DeployedStack, aws_faults: AwsFaults, topic_listener: TopicListener
) -> None:
    # GIVEN 300 tickets, two pinned to exhaust their RECEIVED write, two their StartExecution, and the last
    # one its RECEIVED write and then its dead letter's send (its batch is delivered again: the last one, so
    # that the other pinned records are not delivered twice)
    tickets = fresh_tickets(TICKETS, seed=SEED)
    everyone = {t.ticket_id: t for t in tickets}
    put_pinned, start_pinned = [t.ticket_id for t in tickets[:2]], [t.ticket_id for t in tickets[2:4]]
    queue_pinned = tickets[-1].ticket_id
    aws_faults.set(rules([*put_pinned, queue_pinned], start_pinned, queue_pinned), seed=SEED)
    before = aws_faults.proxy.counts()
    began = time.monotonic()

    # WHEN they are put on the stream, and the pipeline settles: each ticket final or dead-lettered
    kinesis, stream = deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name
    producer.submit(kinesis, stream, tickets)
    letters = wait_until(
        lambda: settled(deployed_stack, everyone),
        until=lambda found: isinstance(found, list),
        timeout=DEADLINE,
        interval=2.0,
        description="every ticket final or dead-lettered",
    )
    assert isinstance(letters, list)
    counts = aws_faults.proxy.counts()
    aws_faults.clear()
    settled_after = time.monotonic() - began

    # THEN the proxy injected every kind of fault
    injected = injected_faults(before, counts)
    assert all(injected[name] > 0 for name in injected), injected

    # AND the dead letters are exactly the records whose calls exhausted their retries: the tickets with no
    # execution (no item when the RECEIVED write failed, RECEIVED when StartExecution did), and each says why
    dead = {str(r.letter.ticket_id()): r.letter for r in letters if r.letter is not None}
    unstarted = {t for t in everyone if not execution_exists(deployed_stack, t)}
    assert set(dead) == unstarted, (sorted(dead), sorted(unstarted))
    assert set(put_pinned + start_pinned) <= set(dead)
    assert {letter.reason for letter in dead.values()} <= THROTTLED_CODES, {
        t: d.reason for t, d in dead.items()
    }
    for ticket_id in dead:
        item = raw_item(deployed_stack, ticket_id)
        assert (item or {}).get("status", {}).get("S") in (None, "RECEIVED"), (ticket_id, item)
    # AND the ticket whose letter could not be sent was not lost: the mapping retried its record
    assert queue_pinned not in dead

    # WHEN `ticketflow dlq replay` puts them back on the stream (faults cleared)
    replayed_at = time.monotonic()
    result = CliRunner().invoke(
        dlq_cli.app, ["replay", *[arg for r in letters for arg in ("--message-id", r.message_id)]]
    )
    assert result.exit_code == 0, result.output
    final = deployed_stack.tracker().wait_for(list(everyone), timeout=DEADLINE)
    replay_seconds = time.monotonic() - replayed_at

    # THEN every ticket was processed exactly once: RESPONDED, one transition of each kind, one archive object
    assert {t: s.status for t, s in final.items() if s.status != "RESPONDED"} == {}
    for ticket in tickets:
        item = raw_item(deployed_stack, ticket.ticket_id)
        assert item is not None
        assert [status for status, _ in history(item)] == ["RECEIVED", "PROCESSING", "RESPONDED"], history(
            item
        )
        archived_ticket(deployed_stack, ticket)

    # AND each HIGH/CRITICAL ticket was notified once, the others not at all
    loud = {t for t, s in final.items() if s.item["priority"] in ("HIGH", "CRITICAL")}
    wait_until(
        lambda: loud <= set(topic_listener.drain()), timeout=60, description="HIGH/CRITICAL notifications"
    )
    assert {t: n for t, n in topic_listener.drain().items() if t in everyone} == dict.fromkeys(loud, 1)

    # AND none of these tickets is left in the dead-letter queue
    assert [r for r in peek_letters(deployed_stack) if r.letter and r.letter.ticket_id() in everyone] == []
    print(  # noqa: T201 - the run's figures, for `pytest -s` and the README
        f"\n{TICKETS} tickets: settled in {settled_after:.0f} s, {len(dead)} dead-lettered "
        f"({sorted(d.reason for d in dead.values())}), replayed and final in {replay_seconds:.0f} s; "
        f"faults injected (proxy counters): {injected}; requests through the proxy: "
        f"{ {s: n - before.requests.get(s, 0) for s, n in counts.requests.items()} }"
    )


def test_a_large_ticket_whose_start_is_throttled_to_exhaustion_is_dead_lettered_through_s3_and_replayed(
    deployed_stack: DeployedStack, aws_faults: AwsFaults
) -> None:
    # GIVEN a ticket whose Kinesis record is almost 1 MiB (a pasted log: as base64 no SQS message could carry
    # it), with the longest id (64 characters), and its StartExecution throttled on every attempt
    ticket = large_ticket(shaped_ticket_id(limits.TICKET_ID_MAX_CHARS, fresh_number()))
    data = producer.encode(ticket)
    assert len(data) > limits.SQS_MESSAGE_MAX_BYTES * 3
    start = FaultRule(
        "stepfunctions", "StartExecution", "throttle", where=f"name == '{ticket.ticket_id}'", times=ATTEMPTS
    )
    aws_faults.set([start], seed=SEED)
    before = aws_faults.proxy.counts()

    # WHEN it is put on the stream
    producer.submit(deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name, [ticket])

    # THEN it ends as a dead letter: every attempt throttled, no execution, the item RECEIVED; its message is
    # within SQS's 256 KiB and names the record, which S3 holds byte for byte under dead-letters/
    received = wait_until(
        lambda: [
            r for r in peek_letters(deployed_stack) if r.letter and r.letter.ticket_id() == ticket.ticket_id
        ],
        until=bool,
        timeout=120,
        interval=2.0,
        description=f"the dead letter of {ticket.ticket_id}",
    )
    assert (
        aws_faults.proxy.counts().faults_of("stepfunctions", "StartExecution")
        - before.faults_of("stepfunctions", "StartExecution")
        == ATTEMPTS
    )
    aws_faults.clear()
    [message] = received
    letter = message.letter
    assert letter is not None
    assert len(message.body.encode("utf-8")) <= limits.SQS_MESSAGE_MAX_BYTES
    assert (letter.data, letter.reason) == ("", "ThrottlingException from StartExecution")
    assert letter.data_key is not None
    assert dead_letters.is_record_key(letter.data_key)
    assert read_object(deployed_stack, letter.data_key) == data
    assert not execution_exists(deployed_stack, ticket.ticket_id)
    assert [status for status, _ in history(raw_item(deployed_stack, ticket.ticket_id) or {})] == ["RECEIVED"]

    # WHEN `ticketflow dlq replay` puts it back on the stream (the fault cleared)
    result = CliRunner().invoke(dlq_cli.app, ["replay", "--message-id", message.message_id])

    # THEN it is RESPONDED once, its whole description archived, and its letter gone
    assert result.exit_code == 0, result.output
    final = deployed_stack.tracker().wait_for([ticket.ticket_id], timeout=DEADLINE)
    assert final[ticket.ticket_id].status == "RESPONDED", final[ticket.ticket_id]
    item = raw_item(deployed_stack, ticket.ticket_id)
    assert [status for status, _ in history(item or {})] == ["RECEIVED", "PROCESSING", "RESPONDED"]
    assert archived_ticket(deployed_stack, ticket).description == ticket.data.description
    assert [r for r in peek_letters(deployed_stack) if r.message_id == message.message_id] == []


def large_ticket(ticket_id_: str) -> TicketSubmitted:
    """A generated ticket with a pasted log that brings its Kinesis record within a line of 1 MiB."""
    [ticket] = fresh_tickets(1, seed=SEED)
    line = "2025-01-15T09:00:01Z ERROR checkout: la requête a expiré après 30 s (attempt 3 of 3)\n"
    event: dict[str, Any] = ticket.to_event() | {"ticketId": ticket_id_}
    event["data"]["description"] = "A"
    base = len(producer.encode(TicketSubmitted.model_validate(event))) + len(ticket_id_)
    line_bytes = len(json.dumps(line, ensure_ascii=False).encode("utf-8")) - 2  # as the record holds it
    event["data"]["description"] = line * ((limits.KINESIS_RECORD_MAX_BYTES - base) // line_bytes)
    large = TicketSubmitted.model_validate(event)
    assert producer.record_problem(large) is None
    return large


def injected_faults(before: ProxyCounts, after: ProxyCounts) -> dict[str, int]:
    calls = [
        ("dynamodb", "TransactWriteItems"),
        ("dynamodb", "PutItem"),
        ("stepfunctions", "StartExecution"),
        ("s3", "PutObject"),
        ("sqs", "SendMessage"),
    ]
    return {
        f"{service}:{operation}": after.faults_of(service, operation) - before.faults_of(service, operation)
        for service, operation in calls
    }


def settled(stack: DeployedStack, everyone: dict[str, TicketSubmitted]) -> list[Received] | str:
    """The letters of these tickets once each ticket is final or dead-lettered, else what is pending."""
    final = stack.tracker().states(everyone)
    if len(final) < len(everyone) * 0.9:
        return f"{len(final)} final"  # most are still on their way: no need to read the queue yet
    letters = [r for r in peek_letters(stack) if r.letter is not None and r.letter.ticket_id() in everyone]
    pending = set(everyone) - set(final) - {r.letter.ticket_id() for r in letters if r.letter is not None}
    return (
        letters if not pending else f"{len(final)} final, {len(letters)} letters, pending {sorted(pending)}"
    )
