"""The producer: batches of at most 500, partition key = ticket id, only failed records retried."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber

from tests.largest_tickets import largest_ticket, record_description, ticket_id
from ticketflow_dev.core.polling import WaitTimeoutError
from ticketflow_dev.generation.generator import tickets
from ticketflow_dev.tickets import producer

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

    from ticketflow.model import TicketSubmitted


STREAM = "tickets-stream"
NOW = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)


def _ok(count: int) -> dict[str, Any]:
    return {
        "Records": [{"SequenceNumber": str(i), "ShardId": "shardId-0"} for i in range(count)],
    }


def _entries(batch: list[TicketSubmitted]) -> list[dict[str, Any]]:
    return [{"Data": producer.encode(t), "PartitionKey": t.ticket_id} for t in batch]


def test_encode_is_the_wire_event() -> None:
    # GIVEN a ticket
    ticket = next(tickets(1, now=NOW))

    # WHEN / THEN it is encoded as its JSON event
    assert json.loads(producer.encode(ticket)) == ticket.to_event()


def test_tickets_go_in_order_with_the_ticket_id_as_partition_key(kinesis_client: KinesisClient) -> None:
    # GIVEN three tickets and Kinesis accepting all
    batch = list(tickets(3, now=NOW))
    with Stubber(kinesis_client) as stubber:
        stubber.add_response("put_records", _ok(3), {"StreamName": STREAM, "Records": _entries(batch)})

        # WHEN they are submitted
        submitted = producer.submit(kinesis_client, STREAM, batch)

        stubber.assert_no_pending_responses()

    # THEN each is acknowledged, in order
    assert [s.ticket_id for s in submitted] == [t.ticket_id for t in batch]
    assert all(s.put_at > 0 for s in submitted)


def test_only_failed_records_are_put_again(kinesis_client: KinesisClient) -> None:
    # GIVEN Kinesis throttling the second of three records once
    batch = list(tickets(3, now=NOW))
    partial = {
        "FailedRecordCount": 1,
        "Records": [
            {"SequenceNumber": "1", "ShardId": "shardId-0"},
            {"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "Rate exceeded"},
            {"SequenceNumber": "3", "ShardId": "shardId-0"},
        ],
    }
    with Stubber(kinesis_client) as stubber:
        stubber.add_response("put_records", partial, {"StreamName": STREAM, "Records": _entries(batch)})
        stubber.add_response("put_records", _ok(1), {"StreamName": STREAM, "Records": _entries(batch[1:2])})

        # WHEN they are submitted
        submitted = producer.submit(kinesis_client, STREAM, batch)

        # THEN the retry carried the failed record alone, and every ticket is acknowledged in order
        stubber.assert_no_pending_responses()
    assert [s.ticket_id for s in submitted] == [t.ticket_id for t in batch]


def test_batches_hold_at_most_500_records(kinesis_client: KinesisClient) -> None:
    # GIVEN 501 tickets
    batch = list(tickets(501, now=NOW))
    progress: list[int] = []
    with Stubber(kinesis_client) as stubber:
        stubber.add_response(
            "put_records", _ok(500), {"StreamName": STREAM, "Records": _entries(batch[:500])}
        )
        stubber.add_response("put_records", _ok(1), {"StreamName": STREAM, "Records": _entries(batch[500:])})

        # WHEN they are submitted
        submitted = producer.submit(kinesis_client, STREAM, batch, on_batch=progress.append)

        stubber.assert_no_pending_responses()

    # THEN two puts, progress after each
    assert len(submitted) == 501
    assert progress == [500, 501]


def test_a_ticket_past_the_record_limit_is_refused_before_anything_of_its_batch_is_sent(
    kinesis_client: KinesisClient,
) -> None:
    # GIVEN a batch of a good ticket and one whose record is one byte over Kinesis' 1 MiB
    batch = [next(tickets(1, now=NOW)), largest_ticket("a", record_description("a", beyond=1))]

    # WHEN / THEN it is refused naming the ticket, the field and the limit, and nothing is put (no response
    # is stubbed)
    with Stubber(kinesis_client), pytest.raises(producer.OverLimitTicketError) as refused:
        producer.submit(kinesis_client, STREAM, batch)
    assert str(refused.value) == (
        f"ticket {batch[1].ticket_id}: data.description: the Kinesis record would be 1,048,577 bytes with its"
        " partition key, over the 1,048,576 (1 MiB) a record holds"
    )


def test_a_batch_of_large_records_goes_in_requests_of_at_most_5_mib(kinesis_client: KinesisClient) -> None:
    # GIVEN six tickets of a whole record each (1 MiB): more than one PutRecords may carry
    batch = [
        largest_ticket("a", record_description("a", ticket_id_=ticket_id(number=n)), ticket_id(number=n))
        for n in range(6)
    ]
    with Stubber(kinesis_client) as stubber:
        for part in (batch[:5], batch[5:]):
            stubber.add_response(
                "put_records", _ok(len(part)), {"StreamName": STREAM, "Records": _entries(part)}
            )

        # WHEN they are submitted
        submitted = producer.submit(kinesis_client, STREAM, batch)

        # THEN two requests carried them, each within PutRecords' 5 MiB
        stubber.assert_no_pending_responses()
    assert [s.ticket_id for s in submitted] == [t.ticket_id for t in batch]
    assert sum(len(e["Data"]) + len(e["PartitionKey"]) for e in _entries(batch[:5])) <= 5 * 1_048_576
    assert sum(len(e["Data"]) + len(e["PartitionKey"]) for e in _entries(batch)) > 5 * 1_048_576


def test_non_ascii_text_is_sent_as_itself() -> None:
    # GIVEN a ticket with a description in Japanese
    ticket = next(tickets(1, now=NOW))
    ticket = ticket.model_copy(
        update={"data": ticket.data.model_copy(update={"description": "関数がタイムアウト"})}
    )

    # WHEN / THEN its record holds the UTF-8 text, not escapes (a third of the bytes)
    assert "関数がタイムアウト".encode() in producer.encode(ticket)


def test_throttling_that_never_clears_times_out(kinesis_client: KinesisClient) -> None:
    # GIVEN Kinesis failing the only record every time
    batch = list(tickets(1, now=NOW))
    failed = {"FailedRecordCount": 1, "Records": [{"ErrorCode": "InternalFailure", "ErrorMessage": "x"}]}
    with Stubber(kinesis_client) as stubber:
        for _ in range(10):
            stubber.add_response("put_records", failed)

        # WHEN / THEN the deadline ends it with a TimeoutError
        with pytest.raises(WaitTimeoutError, match="Kinesis to accept 1 records"):
            producer.submit(kinesis_client, STREAM, batch, timeout=0)


def test_put_raw_sends_records_as_given(kinesis_client: KinesisClient) -> None:
    # GIVEN bytes that are no ticket
    records = [(b"{not json", "key-1")]
    with Stubber(kinesis_client) as stubber:
        expected = {"StreamName": STREAM, "Records": [{"Data": b"{not json", "PartitionKey": "key-1"}]}
        stubber.add_response("put_records", _ok(1), expected)

        # WHEN they are put
        producer.put_raw(kinesis_client, STREAM, records)

        # THEN unchanged
        stubber.assert_no_pending_responses()
