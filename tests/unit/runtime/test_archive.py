"""The S3 archive: one JSON object per processed ticket, under its archive key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.stub import Stubber

from tests.event_files import STATE_AFTER_TRIAGE, load_event
from ticketflow.archive_writer import TicketArchive
from ticketflow.model import ProcessedTicket, SentimentResult, TicketSubmitted, Triage

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


BUCKET = "archive-bucket"


def test_write_puts_the_flat_record_as_json_under_its_key(s3_client: S3Client) -> None:
    # GIVEN a processed ticket
    state = load_event(STATE_AFTER_TRIAGE)
    ticket = ProcessedTicket.build(
        TicketSubmitted.model_validate(state),
        SentimentResult.model_validate(state["sentiment"]),
        Triage.model_validate(state["triage"]),
        processed_at=datetime(2025, 1, 15, 9, 30, 2, tzinfo=UTC),
    )
    bodies: list[bytes] = []

    def capture(params: dict[str, Any], **_: Any) -> None:
        bodies.append(params["Body"])

    expected = {
        "Bucket": BUCKET,
        "Key": "tickets/2025/01/15/TKT-20250115-0042.json",
        "Body": ticket.model_dump_json().encode("utf-8"),
        "ContentType": "application/json",
    }
    s3_client.meta.events.register("provide-client-params.s3.PutObject", capture)
    with Stubber(s3_client) as stubber:
        stubber.add_response("put_object", {"ETag": '"etag"'}, expected)

        # WHEN it is archived
        key = TicketArchive(s3_client, BUCKET).write(ticket)

        stubber.assert_no_pending_responses()

    # THEN the key is returned and the body is the record, readable back into the model
    assert key == "tickets/2025/01/15/TKT-20250115-0042.json"
    stored = json.loads(bodies[0])
    assert stored["ticket_id"] == "TKT-20250115-0042"
    assert stored["priority"] == "CRITICAL"
    assert ProcessedTicket.model_validate(stored) == ticket
