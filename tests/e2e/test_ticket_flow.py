"""End to end: tickets through Kinesis, the trigger, the state machine, DynamoDB, S3 and SNS."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import DeployedStack
from tests.e2e.helpers import archived_objects, execution_status, fresh_tickets
from ticketflow.model import EVENT_NAME, ProcessedTicket, TicketSubmitted, archive_key
from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.tickets import producer
from ticketflow_dev.tickets.notifications import TopicListener
from ticketflow_dev.tickets.tracking import TicketState

DEADLINE = 180.0


def test_each_ticket_is_processed_stored_archived_and_notified_once(
    deployed_stack: DeployedStack, topic_listener: TopicListener
) -> None:
    # GIVEN tickets of every tone, so that both notified and quiet priorities occur
    tickets = fresh_tickets(12, seed=11)
    by_id = {t.ticket_id: t for t in tickets}

    # WHEN they are put on the stream and followed to their final state
    producer.submit(deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name, tickets)
    states = deployed_stack.tracker().wait_for(list(by_id), timeout=DEADLINE)
    statuses = {t: execution_status(deployed_stack, t) for t in by_id}
    loud = {t for t, s in states.items() if s.item.get("priority") in ("HIGH", "CRITICAL")}
    wait_until(
        lambda: loud <= set(topic_listener.drain()), timeout=60, description="HIGH/CRITICAL notifications"
    )
    received = topic_listener.drain()

    # THEN every execution succeeded and every ticket has its item, one archive object and its notifications
    assert statuses == dict.fromkeys(by_id, "SUCCEEDED")
    assert loud, "the generated tickets should include HIGH/CRITICAL ones"
    assert loud != set(by_id), "the generated tickets should include quiet ones"
    for ticket_id, ticket in by_id.items():
        assert_stored(states[ticket_id], ticket)
        objects = archived_objects(deployed_stack, ticket.ticket_id, ticket.submitted_at)
        assert [o["Key"] for o in objects] == [archive_key(ticket_id, ticket.submitted_at)]
        body = deployed_stack.clients("s3").get_object(
            Bucket=deployed_stack.outputs.bucket_name, Key=objects[0]["Key"]
        )
        archived = ProcessedTicket.model_validate_json(body["Body"].read())
        assert archived.ticket_id == ticket_id
        assert archived.priority.value == states[ticket_id].item["priority"]
        assert received[ticket_id] == (1 if ticket_id in loud else 0), ticket_id


def assert_stored(state: TicketState, ticket: TicketSubmitted) -> None:
    item = state.item
    assert state.status == "RESPONDED"
    assert item["sentiment"] in ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED")
    scores = [float(item[f"sentiment_score_{k}"]) for k in ("positive", "negative", "neutral", "mixed")]
    assert sum(scores) == pytest.approx(1.0, abs=0.01)
    assert item["priority"] in ("CRITICAL", "HIGH", "MEDIUM", "NORMAL")
    assert item["priority_reasoning"]
    assert ticket.ticket_id in item["response_text"]
    assert item["product"] == ticket.data.product_issue_information.product


def test_bad_records_never_block_the_batch(deployed_stack: DeployedStack) -> None:
    # GIVEN one batch holding a valid ticket, one that fails validation, and records that are not tickets
    valid, invalid = fresh_tickets(2, seed=5)
    broken: dict[str, Any] = json.loads(producer.encode(invalid))
    broken["data"]["description"] = ""
    del broken["data"]["customer_contact_information"]
    assert broken["eventName"] == EVENT_NAME  # it passes the stream's filter and reaches the trigger
    records = [
        (b"this is not JSON", "garbage"),
        (b"\xff\xfe not UTF-8", "binary"),
        (json.dumps({"eventName": "SomethingElse", "ticketId": "TKT-20260101-0001"}).encode(), "other-event"),
        (json.dumps(broken).encode(), invalid.ticket_id),
        (producer.encode(valid), valid.ticket_id),
    ]

    # WHEN they are put on the stream in one request
    producer.put_raw(deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name, records)
    states = deployed_stack.tracker().wait_for([valid.ticket_id, invalid.ticket_id], timeout=DEADLINE)

    # THEN the valid ticket is processed and the invalid one is REJECTED with the fields at fault named
    assert states[valid.ticket_id].status == "RESPONDED"
    rejected = states[invalid.ticket_id]
    assert rejected.status == "REJECTED"
    assert rejected.reason is not None
    assert "data.description" in rejected.reason
    assert "data.customer_contact_information" in rejected.reason


def test_a_redelivered_ticket_is_processed_once(deployed_stack: DeployedStack) -> None:
    # GIVEN a ticket put on the stream twice (as a producer retry would)
    [ticket] = fresh_tickets(1, seed=3)
    kinesis = deployed_stack.clients("kinesis")
    producer.submit(kinesis, deployed_stack.outputs.stream_name, [ticket])
    producer.submit(kinesis, deployed_stack.outputs.stream_name, [ticket])

    # WHEN it has been processed
    states = deployed_stack.tracker().wait_for([ticket.ticket_id], timeout=DEADLINE)

    # THEN its one execution succeeded (the second delivery found it existing) and it was archived once
    assert execution_status(deployed_stack, ticket.ticket_id) == "SUCCEEDED"
    assert states[ticket.ticket_id].status == "RESPONDED"
    assert len(archived_objects(deployed_stack, ticket.ticket_id, ticket.submitted_at)) == 1
