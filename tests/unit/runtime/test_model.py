"""The ticket model: the Kinesis event, AI results, the flat archive record and its S3 key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from tests.event_files import STATE_AFTER_TRIAGE, TICKET_SUBMITTED, load_event
from ticketflow.model import (
    EVENT_NAME,
    Priority,
    ProcessedTicket,
    Sentiment,
    SentimentResult,
    TicketSubmitted,
    Triage,
)


def _processed(event: dict[str, Any]) -> ProcessedTicket:
    state = load_event(STATE_AFTER_TRIAGE)
    return ProcessedTicket.build(
        TicketSubmitted.model_validate(event),
        SentimentResult.model_validate(state["sentiment"]),
        Triage.model_validate(state["triage"]),
        processed_at=datetime(2025, 1, 15, 9, 30, 2, tzinfo=UTC),
    )


def test_the_canonical_event_validates_and_round_trips_to_the_wire_shape() -> None:
    # GIVEN the canonical TicketSubmitted event
    event = load_event(TICKET_SUBMITTED)

    # WHEN it is validated and dumped back
    ticket = TicketSubmitted.model_validate(event)
    wire = ticket.to_event()

    # THEN the fields are read from camelCase keys and written back the same way
    assert ticket.ticket_id == "TKT-20250115-0042"
    assert ticket.event_name == EVENT_NAME
    assert ticket.submitted_at == datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
    assert ticket.data.customer_contact_information.first_name == "Maria"
    assert wire["ticketId"] == event["ticketId"]
    assert wire["eventName"] == "TicketSubmitted"
    assert TicketSubmitted.model_validate(wire) == ticket


def test_event_name_defaults_when_absent_and_other_names_are_refused() -> None:
    # GIVEN the event without an eventName, and one with another name
    without = load_event(TICKET_SUBMITTED)
    del without["eventName"]
    other = load_event(TICKET_SUBMITTED) | {"eventName": "TicketClosed"}

    # WHEN / THEN the first is a TicketSubmitted, the second does not validate
    assert TicketSubmitted.model_validate(without).event_name == EVENT_NAME
    with pytest.raises(ValidationError, match="eventName"):
        TicketSubmitted.model_validate(other)


@pytest.mark.parametrize("ticket_id", ["TKT-2025011-0042", "TKT-20250115-042", "tkt-20250115-0042", "X"])
def test_malformed_ticket_ids_are_refused(ticket_id: str) -> None:
    # GIVEN the canonical event with a malformed ticket id
    event = load_event(TICKET_SUBMITTED) | {"ticketId": ticket_id}

    # WHEN / THEN validation names the field
    with pytest.raises(ValidationError, match="ticketId"):
        TicketSubmitted.model_validate(event)


def test_long_sequence_numbers_are_valid_ticket_ids() -> None:
    # GIVEN a ticket numbered beyond four digits (the demo's number blocks)
    event = load_event(TICKET_SUBMITTED) | {"ticketId": "TKT-20250115-123456"}

    # WHEN it is validated
    ticket = TicketSubmitted.model_validate(event)

    # THEN the id is kept
    assert ticket.ticket_id == "TKT-20250115-123456"


@pytest.mark.parametrize("email", ["maria", "maria@", "maria@northwind", "ma ria@northwind.example"])
def test_invalid_email_is_refused(email: str) -> None:
    # GIVEN a contact with an address that is not an email
    event = load_event(TICKET_SUBMITTED)
    event["data"]["customer_contact_information"]["email"] = email

    # WHEN / THEN
    with pytest.raises(ValidationError, match="not an email address"):
        TicketSubmitted.model_validate(event)


def test_blank_text_fields_are_refused_and_surrounding_space_is_stripped() -> None:
    # GIVEN one event with a blank subject and one with padded text
    blank = load_event(TICKET_SUBMITTED)
    blank["data"]["subject"] = "   "
    padded = load_event(TICKET_SUBMITTED)
    padded["data"]["subject"] = "  Timeout  "
    padded["data"]["customer_contact_information"]["email"] = " maria@northwind.example "

    # WHEN / THEN the blank one fails, the padded one is stripped
    with pytest.raises(ValidationError, match="subject"):
        TicketSubmitted.model_validate(blank)
    ticket = TicketSubmitted.model_validate(padded)
    assert ticket.data.subject == "Timeout"
    assert ticket.data.customer_contact_information.email == "maria@northwind.example"


def test_naive_timestamps_are_taken_as_utc() -> None:
    # GIVEN a submission time without an offset
    event = load_event(TICKET_SUBMITTED) | {"submittedAt": "2025-01-15T09:30:00"}

    # WHEN it is validated
    ticket = TicketSubmitted.model_validate(event)

    # THEN it is the same instant in UTC
    assert ticket.submitted_at.tzinfo is not None
    assert ticket.submitted_at == datetime(2025, 1, 15, 9, 30, tzinfo=UTC)


def test_models_are_frozen() -> None:
    # GIVEN a validated ticket
    ticket = TicketSubmitted.model_validate(load_event(TICKET_SUBMITTED))

    # WHEN / THEN changing a field fails
    with pytest.raises(ValidationError):
        ticket.ticket_id = "TKT-20250115-0043"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("priority", "notifies"),
    [(Priority.CRITICAL, True), (Priority.HIGH, True), (Priority.MEDIUM, False), (Priority.NORMAL, False)],
)
def test_only_high_and_critical_notify(priority: Priority, notifies: bool) -> None:
    # GIVEN / WHEN / THEN
    assert priority.notifies is notifies


def test_sentiment_scores_must_be_probabilities() -> None:
    # GIVEN a score above 1
    raw = {"sentiment": "NEGATIVE", "scores": {"positive": 0, "negative": 1.2, "neutral": 0, "mixed": 0}}

    # WHEN / THEN
    with pytest.raises(ValidationError, match="negative"):
        SentimentResult.model_validate(raw)


def test_triage_refuses_an_unknown_priority_and_an_empty_reply() -> None:
    # GIVEN triages the model could return
    unknown = {"customer_response": "Hi", "priority": "URGENT", "priority_reasoning": "x"}
    empty = {"customer_response": " ", "priority": "HIGH", "priority_reasoning": "x"}

    # WHEN / THEN neither validates
    with pytest.raises(ValidationError, match="priority"):
        Triage.model_validate(unknown)
    with pytest.raises(ValidationError, match="customer_response"):
        Triage.model_validate(empty)


def test_processed_ticket_flattens_ticket_sentiment_and_triage() -> None:
    # GIVEN the canonical ticket, its sentiment and triage
    # WHEN the archive record is built
    record = _processed(load_event(TICKET_SUBMITTED))

    # THEN every flat column comes from its source
    assert record.ticket_id == "TKT-20250115-0042"
    assert record.customer_full_name == "Maria Garcia"
    assert record.customer_email == "maria.garcia@northwind.example"
    assert record.customer_company == "Northwind Traders"
    assert (record.product, record.issue_type) == ("AWS Lambda", "Function Timeout")
    assert record.sentiment is Sentiment.NEGATIVE
    assert record.sentiment_score_negative == pytest.approx(0.93)
    assert record.priority is Priority.CRITICAL
    assert "TKT-20250115-0042" in record.response_text
    assert record.processed_at == datetime(2025, 1, 15, 9, 30, 2, tzinfo=UTC)


def test_archive_key_is_dated_by_submission_not_processing() -> None:
    # GIVEN a ticket submitted on 15 January and processed later
    record = _processed(load_event(TICKET_SUBMITTED))
    reprocessed = record.model_copy(update={"processed_at": record.processed_at + timedelta(days=40)})

    # WHEN the keys are computed
    key = record.archive_key()

    # THEN the key is under the submission date, and a re-run lands on the same key
    assert key == "tickets/2025/01/15/TKT-20250115-0042.json"
    assert reprocessed.archive_key() == key


def test_archive_key_is_dated_by_the_utc_day_of_submission() -> None:
    # GIVEN a submission late in the evening at UTC-5 (already the next day in UTC)
    event = load_event(TICKET_SUBMITTED) | {"submittedAt": "2025-01-15T23:30:00-05:00"}

    # WHEN the key is computed
    record = _processed(event)

    # THEN the offset is kept on the record, and the key's partition is the UTC day
    assert record.submitted_at.utcoffset() == timezone(timedelta(hours=-5)).utcoffset(None)
    assert record.archive_key() == "tickets/2025/01/16/TKT-20250115-0042.json"
