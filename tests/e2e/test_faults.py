"""End to end under faults: fake_bedrock fails 30% of requests and adds latency; every ticket still ends
RESPONDED (stored, archived, notified once) or FAILED (with the error named), and the failure alarm fires."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.conftest import DeployedStack
from tests.e2e.helpers import (
    archived_objects,
    archived_ticket,
    dead_letters_for,
    fresh_tickets,
    history,
    queue_depth,
    raw_item,
)
from ticketflow.model import TicketSubmitted
from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.faults import fake_bedrock_admin as faults
from ticketflow_dev.tickets import producer
from ticketflow_dev.tickets.notifications import TopicListener
from ticketflow_dev.tickets.tracking import TicketState

pytestmark = [pytest.mark.proof, pytest.mark.timeout(1200)]  # DEADLINE and the waits after it

TICKETS = 200
DOOMED = 5
ERROR_RATE = 0.3
SEED = 20261126
DEADLINE = 600.0
AI_OPERATIONS = ("converse", "detect_sentiment")
# The errors fault injection raises (fake_bedrock.protocols.errors.INJECTABLE); a FAILED ticket's reason
# names one, or the model output that did not validate.
FAILURE_NAMES = (
    "ThrottlingException",
    "ModelTimeoutException",
    "InternalServerException",
    "ServiceUnavailableException",
    "TooManyRequestsException",
    "InvalidModelOutputError",
)


def test_under_faults_every_ticket_ends_responded_or_failed_and_the_failure_alarm_notifies(
    deployed_stack: DeployedStack, fake_bedrock: str, topic_listener: TopicListener
) -> None:
    # GIVEN the failure alarm at OK (it notifies on a transition only), the dead-letter queue's depth, and
    # fake_bedrock failing every Converse call, for a handful of doomed tickets.
    # Why the doomed ones: with 30% of requests failing, a ticket fails only when one call fails 4 times in a
    # row (the adapters' retries), p ≈ 2 * 0.3**4 ≈ 1.6%, so 200 tickets have no FAILED one in ~4% of runs.
    # Tickets certain to fail make the FAILED path and the alarm part of every run.
    started = datetime.now(UTC)
    cloudwatch = deployed_stack.clients("cloudwatch")
    alarm_name = deployed_stack.outputs.failure_alarm_name
    cloudwatch.set_alarm_state(AlarmName=alarm_name, StateValue="OK", StateReason="test_faults: reset")
    depth_before = queue_depth(deployed_stack)
    kinesis, stream = deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name
    doomed = fresh_tickets(DOOMED, seed=SEED + 1)
    tickets = fresh_tickets(TICKETS, seed=SEED)
    everyone = {t.ticket_id: t for t in doomed + tickets}
    faults.put_faults(
        fake_bedrock,
        {
            "seed": SEED,
            "operations": {"converse": faults.operation_rule(error_rate=1.0, errors=["ThrottlingException"])},
        },
    )

    # WHEN the doomed tickets are processed, then 200 tickets while 30% of Comprehend's and Bedrock's
    # requests fail with their real errors and each request takes 20-80 ms more
    began = time.monotonic()
    producer.submit(kinesis, stream, doomed)
    deployed_stack.tracker().wait_for([t.ticket_id for t in doomed], timeout=DEADLINE)
    rule = faults.operation_rule(
        error_rate=ERROR_RATE, latency_ms=50, latency_jitter_ms=30, latency_distribution="uniform"
    )
    faults.put_faults(fake_bedrock, {"seed": SEED, "operations": dict.fromkeys(AI_OPERATIONS, rule)})
    producer.submit(kinesis, stream, tickets)
    deployed_stack.tracker().wait_for([t.ticket_id for t in tickets], timeout=DEADLINE)
    elapsed = time.monotonic() - began
    # Read again: while waiting, a ticket can be seen PROCESSING, then its execution FAILED (the tracker then
    # reports the execution's error); every execution has ended now, so each item shows its own final state.
    states = deployed_stack.tracker().states(everyone)
    stats = faults.get_stats(fake_bedrock)
    faults.clear_faults(fake_bedrock)
    responded = {t for t, s in states.items() if s.status == "RESPONDED"}
    failed = {t for t, s in states.items() if s.status == "FAILED"}
    print(  # noqa: T201 - the run's numbers, for `pytest -s`
        f"\n{len(everyone)} tickets in {elapsed:.0f} s: {len(responded)} RESPONDED, {len(failed)} FAILED "
        f"({len(failed - {t.ticket_id for t in doomed})} of the {TICKETS}); fake_bedrock: "
        + json.dumps({op: stats.get(op, {}).get("injected_errors") for op in AI_OPERATIONS})
    )

    # THEN faults were injected into both services, and every ticket's own item is final: RESPONDED or FAILED
    for operation in AI_OPERATIONS:
        assert stats[operation]["injected_error_count"] > 0, stats
    not_final = {t: (s.status, s.reason) for t, s in states.items() if not s.item}
    assert not not_final, f"tickets whose item is not final (stuck RECEIVED/PROCESSING): {not_final}"
    assert responded | failed == set(everyone), {t: s.status for t, s in states.items()}
    assert {t.ticket_id for t in doomed} <= failed

    # AND each RESPONDED ticket has its one archive object and, when HIGH/CRITICAL, its one notification
    loud = {t for t in responded if states[t].item["priority"] in ("HIGH", "CRITICAL")}
    assert loud, "the generated tickets should include HIGH/CRITICAL ones"
    wait_until(
        lambda: loud <= set(topic_listener.drain()), timeout=60, description="HIGH/CRITICAL notifications"
    )
    for ticket_id in responded:
        assert (
            archived_ticket(deployed_stack, everyone[ticket_id]).priority.value
            == states[ticket_id].item["priority"]
        )
    received = topic_listener.drain()
    assert {t: n for t, n in received.items() if t in everyone} == dict.fromkeys(loud, 1)

    # AND each FAILED ticket says why (the error, its cause), was not archived and not notified
    for ticket_id in failed:
        assert_failed_with_reason(deployed_stack, everyone[ticket_id], states[ticket_id])
    for ticket in doomed:
        assert "ThrottlingException" in (states[ticket.ticket_id].reason or "")

    # AND the failure alarm went to ALARM and its notification reached the topic
    assert_alarm_raised(deployed_stack, alarm_name, since=started)
    wait_until(
        lambda: alarm_messages(topic_listener.other, alarm_name, drain=topic_listener.drain),
        timeout=60,
        description=f"the ALARM notification of {alarm_name} on the topic",
    )

    # AND nothing was dead-lettered
    assert dead_letters_for(deployed_stack, everyone) == []
    assert queue_depth(deployed_stack) == depth_before


def assert_failed_with_reason(stack: DeployedStack, ticket: TicketSubmitted, state: TicketState) -> None:
    reason = state.reason or ""
    assert any(name in reason for name in FAILURE_NAMES), (ticket.ticket_id, reason)
    item = raw_item(stack, ticket.ticket_id)
    assert item is not None
    assert [status for status, _ in history(item)] == ["RECEIVED", "PROCESSING", "FAILED"], history(item)
    assert history(item)[-1][1] == reason
    assert archived_objects(stack, ticket.ticket_id, ticket.submitted_at) == []


def assert_alarm_raised(stack: DeployedStack, alarm_name: str, *, since: datetime) -> None:
    cloudwatch = stack.clients("cloudwatch")

    def raised() -> list[dict[str, Any]]:
        items = cloudwatch.describe_alarm_history(
            AlarmName=alarm_name, HistoryItemType="StateUpdate", StartDate=since
        )["AlarmHistoryItems"]
        return [dict(i) for i in items if json.loads(i["HistoryData"])["newState"]["stateValue"] == "ALARM"]

    wait_until(raised, timeout=60, description=f"{alarm_name} to go to ALARM")
    alarm = cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]
    assert alarm["StateValue"] == "ALARM", alarm


def alarm_messages(others: list[str], alarm_name: str, *, drain: Any) -> list[dict[str, Any]]:
    """The ALARM notifications of `alarm_name` among the topic's non-ticket messages (after a drain)."""
    drain()
    messages = []
    for body in others:
        try:
            message = json.loads(body)
        except ValueError:
            continue
        if (
            isinstance(message, dict)
            and message.get("AlarmName") == alarm_name
            and message.get("NewStateValue") == "ALARM"
        ):
            messages.append(message)
    return messages
