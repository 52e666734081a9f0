"""The producer: batches of at most 500, partition key = ticket id, only failed records retried."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber

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
