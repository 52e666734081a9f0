"""End to end: a ticket submitted twice is processed once; another ticket reusing its id is REJECTED."""

from __future__ import annotations

from tests.e2e.conftest import DeployedStack
from tests.e2e.helpers import (
    archived_objects,
    archived_ticket,
    execution_arn,
    execution_status,
    fresh_tickets,
    history,
    raw_item,
)
from ticketflow.model import TicketSubmitted
from ticketflow.ticket_store import DUPLICATE_REASON, content_hash, duplicate_key
from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.tickets import producer
from ticketflow_dev.tickets.notifications import TopicListener

DEADLINE = 180.0
NOTIFIED = ("HIGH", "CRITICAL")


def urgent_tickets(count: int, seed: int) -> list[TicketSubmitted]:
    """Tickets in the generator's outage tone: an angry customer with business impact, they come out HIGH."""
    return fresh_tickets(count, seed=seed, mix="outage")


def test_the_same_ticket_submitted_twice_is_processed_stored_and_notified_once(
    deployed_stack: DeployedStack, topic_listener: TopicListener
) -> None:
    # GIVEN an urgent ticket, and an urgent marker ticket put after it
    ticket, marker = urgent_tickets(2, seed=31)
    kinesis, stream = deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name

    # WHEN the ticket is submitted twice (as a retrying producer would), then the marker
    producer.submit(kinesis, stream, [ticket])
    producer.submit(kinesis, stream, [ticket])
    producer.submit(kinesis, stream, [marker])
    states = deployed_stack.tracker().wait_for([ticket.ticket_id, marker.ticket_id], timeout=DEADLINE)
    assert execution_status(deployed_stack, ticket.ticket_id) == "SUCCEEDED"
    assert states[ticket.ticket_id].item["priority"] in NOTIFIED, states[ticket.ticket_id].item
    assert states[marker.ticket_id].item["priority"] in NOTIFIED, states[marker.ticket_id].item
    # Both deliveries precede the marker on the stream's one shard: once the marker is notified, a second
    # processing of the ticket would have been started and notified as well.
    wait_until(
        lambda: {ticket.ticket_id, marker.ticket_id} <= set(topic_listener.drain()),
        timeout=60,
        description="the notifications of the ticket and the marker",
    )
    wait_until(
        lambda: execution_status(deployed_stack, marker.ticket_id) == "SUCCEEDED",
        timeout=60,
        description="the marker's execution to succeed",
    )

    # THEN one execution moved one item through its states, one object was archived, one notification sent,
    # and the re-delivery was not taken for a duplicate
    item = raw_item(deployed_stack, ticket.ticket_id)
    assert item is not None
    assert states[ticket.ticket_id].status == "RESPONDED"
    assert [status for status, _ in history(item)] == ["RECEIVED", "PROCESSING", "RESPONDED"]
    assert item["execution_arn"]["S"] == execution_arn(deployed_stack, ticket.ticket_id)
    assert len(archived_objects(deployed_stack, ticket.ticket_id, ticket.submitted_at)) == 1
    assert topic_listener.drain()[ticket.ticket_id] == 1
    assert raw_item(deployed_stack, duplicate_key(ticket.ticket_id, content_hash(ticket))) is None


def test_a_different_ticket_reusing_an_id_is_rejected_beside_the_first_which_stays_unchanged(
    deployed_stack: DeployedStack, topic_listener: TopicListener
) -> None:
    # GIVEN an urgent ticket processed to RESPONDED and notified
    [first] = urgent_tickets(1, seed=37)
    kinesis, stream = deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name
    producer.submit(kinesis, stream, [first])
    deployed_stack.tracker().wait_for([first.ticket_id], timeout=DEADLINE)
    execution_before = execution_status(deployed_stack, first.ticket_id)
    wait_until(
        lambda: first.ticket_id in topic_listener.drain(), timeout=60, description="the first's notification"
    )
    before = raw_item(deployed_stack, first.ticket_id)
    archived_before = archived_ticket(deployed_stack, first)

    # WHEN another ticket (other words, same urgency) is submitted under the same id
    reuse = first.model_copy(
        update={
            "data": first.data.model_copy(update={"description": "Another outage: " + first.data.description})
        }
    )
    assert content_hash(reuse) != content_hash(first)
    producer.submit(kinesis, stream, [reuse])
    key = duplicate_key(first.ticket_id, content_hash(reuse))
    rejected = deployed_stack.tracker().wait_for([key], timeout=DEADLINE)[key]

    # THEN it is REJECTED as a duplicate under its own key, and the first ticket's item, execution, archive
    # object and notifications are as they were
    assert rejected.status == "REJECTED"
    assert rejected.reason == DUPLICATE_REASON
    assert rejected.item["duplicate_of"] == first.ticket_id
    duplicate = raw_item(deployed_stack, key)
    assert duplicate is not None
    assert history(duplicate) == [("REJECTED", DUPLICATE_REASON)]
    assert raw_item(deployed_stack, first.ticket_id) == before
    assert before is not None
    assert before["status"]["S"] == "RESPONDED"
    assert execution_status(deployed_stack, first.ticket_id) == execution_before == "SUCCEEDED"
    assert archived_ticket(deployed_stack, first) == archived_before
    assert archived_before.description == first.data.description
    assert topic_listener.drain()[first.ticket_id] == 1
