"""S3Writer: the processed ticket archived from exactly the payload the ASL's ArchiveTicket state sends."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import ANY, Stubber

from tests.event_files import STATE_AFTER_TRIAGE, load_event
from tests.unit.asl_run import resolve
from tests.unit.fakes import FakeDescriptions
from tests.unit.lambda_loader import FakeLambdaContext, load_handler
from ticketflow import carriage
from ticketflow.archive_writer import TicketArchive
from ticketflow.entry_point import EntryPoint
from ticketflow.model import ProcessedTicket, TicketSubmitted
from ticketflow_infra.paths import STATE_MACHINE_FILE

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


s3_writer = load_handler("s3_writer")
BUCKET = "archive-bucket"
KEY = "tickets/2025/01/15/TKT-20250115-0042.json"


def archive_payload(state: dict[str, Any]) -> dict[str, Any]:
    """What ArchiveTicket's `Parameters.Payload` makes of the state."""
    asl = json.loads(STATE_MACHINE_FILE.read_text(encoding="utf-8"))
    template = asl["States"]["ArchiveTicket"]["Parameters"]["Payload"]
    # The state's entered time (`$$.State.EnteredTime`) is the canonical state's stamp.
    payload: dict[str, Any] = resolve(template, state, {"$$.State.EnteredTime": state["stamp"]["at"]})
    return payload


def _writer(client: S3Client, descriptions: FakeDescriptions | None = None) -> Any:
    return s3_writer.Writer(TicketArchive(client, BUCKET), descriptions or FakeDescriptions())


def _stub_put(stubber: Stubber, bodies: list[bytes], client: S3Client) -> None:
    client.meta.events.register(
        "provide-client-params.s3.PutObject", lambda params, **_: bodies.append(params["Body"])
    )
    stubber.add_response(
        "put_object",
        {"ETag": '"etag"'},
        {"Bucket": BUCKET, "Key": KEY, "Body": ANY, "ContentType": "application/json"},
    )


def test_the_asl_payload_is_archived_as_the_flat_record(s3_client: S3Client) -> None:
    # GIVEN the state after triage and stamping, turned into the payload the state machine sends
    payload = archive_payload(load_event(STATE_AFTER_TRIAGE))
    bodies: list[bytes] = []
    with Stubber(s3_client) as stubber:
        _stub_put(stubber, bodies, s3_client)

        # WHEN the handler runs
        result = s3_writer.handle(payload, _writer(s3_client))

        stubber.assert_no_pending_responses()

    # THEN the record is under its key, with the state machine's timestamp as processed_at (returned too)
    assert result == {"key": KEY, "processedAt": payload["processedAt"]}
    record = ProcessedTicket.model_validate_json(bodies[0])
    assert record.ticket_id == "TKT-20250115-0042"
    assert record.priority.value == "CRITICAL"
    assert record.sentiment_score_negative == pytest.approx(0.93)
    assert record.processed_at.isoformat() == "2025-01-15T09:30:02.345000+00:00"


def test_a_payload_without_the_triage_fails_before_writing(s3_client: S3Client) -> None:
    # GIVEN a payload missing the triage
    payload = archive_payload(load_event(STATE_AFTER_TRIAGE))
    del payload["triage"]

    # WHEN / THEN nothing is written (the stubber has no response to give)
    with Stubber(s3_client), pytest.raises(KeyError, match="triage"):
        s3_writer.handle(payload, _writer(s3_client))


def test_lambda_handler_archives_with_a_lambda_context(
    monkeypatch: pytest.MonkeyPatch, s3_client: S3Client, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN the function's archive on a stubbed S3 client
    entry = EntryPoint(s3_writer.handle, lambda: _writer(s3_client), s3_writer.logger)
    bodies: list[bytes] = []
    with Stubber(s3_client) as stubber:
        _stub_put(stubber, bodies, s3_client)

        # WHEN the Lambda entry point runs
        result = entry(archive_payload(load_event(STATE_AFTER_TRIAGE)), lambda_context)

    # THEN the key and the moment stored as processed_at come back
    assert result == {"key": KEY, "processedAt": load_event(STATE_AFTER_TRIAGE)["stamp"]["at"]}
    assert len(bodies) == 1


def test_a_carried_description_is_archived_whole(s3_client: S3Client) -> None:
    # GIVEN the state after triage of a ticket whose pasted log was too long to travel inline
    state = load_event(STATE_AFTER_TRIAGE)
    ticket = TicketSubmitted.model_validate(state)
    whole = "Attached log:\n" + "2025-01-15T09:00:00Z ERROR Task timed out after 30.00 seconds\n" * 2_000
    ticket = ticket.model_copy(update={"data": ticket.data.model_copy(update={"description": whole.strip()})})
    descriptions = FakeDescriptions()
    state |= json.loads(carriage.execution_input(ticket, descriptions))
    bodies: list[bytes] = []
    with Stubber(s3_client) as stubber:
        _stub_put(stubber, bodies, s3_client)

        # WHEN the handler runs on what ArchiveTicket sends
        s3_writer.handle(archive_payload(state), _writer(s3_client, descriptions))

    # THEN the archive record holds the whole description, not the opening that travelled
    record = ProcessedTicket.model_validate_json(bodies[0])
    assert record.description == whole.strip()
    assert state["data"]["description"] != record.description
