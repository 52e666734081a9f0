"""Items rebuilt from the archive: every attribute the archive holds as the pipeline writes it, nothing made
up for what only the lost item held."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.event_files import STATE_AFTER_TRIAGE, TICKET_SUBMITTED, load_event
from ticketflow.model import ProcessedTicket, SentimentResult, TicketSubmitted, Triage
from ticketflow.ticket_store import content_hash
from ticketflow_dev.tickets.rebuild import (
    REBUILT_REASON,
    responded_item,
    step_functions_time,
    submitted_ticket,
)


def archived(event: dict[str, Any]) -> tuple[TicketSubmitted, ProcessedTicket]:
    """The ticket as put, and its archive record as the S3 writer writes it (through JSON and back)."""
    state = load_event(STATE_AFTER_TRIAGE)
    ticket = TicketSubmitted.model_validate(event)
    processed = ProcessedTicket.build(
        ticket,
        SentimentResult.model_validate(state["sentiment"]),
        Triage.model_validate(state["triage"]),
        processed_at=datetime(2025, 1, 15, 9, 30, 2, 178000, tzinfo=UTC),
    )
    return ticket, ProcessedTicket.model_validate_json(processed.model_dump_json())


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(hours=2)])
def test_the_ticket_as_put_comes_back_from_its_archive_record_hash_and_all(offset: timedelta) -> None:
    # GIVEN a ticket submitted in UTC or at another offset, and its archive record
    event = load_event(TICKET_SUBMITTED)
    event["submittedAt"] = datetime(2025, 1, 15, 11, 30, tzinfo=timezone(offset)).isoformat()
    ticket, record = archived(event)

    # WHEN the ticket is taken back out of the record
    again = submitted_ticket(record)

    # THEN it is the ticket that was put: its content hash (the trigger's duplicate check) is the same
    assert again == ticket
    assert content_hash(again) == content_hash(ticket)


def test_a_rebuilt_item_holds_what_the_archive_holds_and_says_what_it_cannot() -> None:
    # GIVEN an archived ticket
    ticket, record = archived(load_event(TICKET_SUBMITTED))

    # WHEN its item is rebuilt
    item = responded_item(record, record.archive_key())

    # THEN it has the trigger's and MarkResponded's attributes, in their formats
    at = {"S": "2025-01-15T09:30:02.178Z"}  # $$.State.EnteredTime's format
    assert item["ticket_id"] == {"S": ticket.ticket_id}
    assert item["status"] == {"S": "RESPONDED"}
    assert item["status_at"] == item["responded_at"] == item["processed_at"] == at
    assert item["content_hash"] == {"S": content_hash(ticket)}
    assert item["submitted_at"] == {"S": ticket.submitted_at.isoformat()}
    assert item["customer_email"] == {"S": ticket.data.customer_contact_information.email}
    assert item["response_text"] == {"S": record.response_text}
    assert item["sentiment_score_mixed"] == {"N": repr(record.sentiment_score_mixed)}
    assert item["rebuilt_from"] == {"S": record.archive_key()}

    # AND nothing of what only the lost item held: its history is the one rebuilt transition, with why
    assert not {"received_at", "processing_at", "execution_arn", "status_reason"} & item.keys()
    assert item["history"] == {
        "L": [{"M": {"status": {"S": "RESPONDED"}, "at": at, "reason": {"S": REBUILT_REASON}}}]
    }


def test_step_functions_time_is_utc_milliseconds_with_a_z() -> None:
    moment = datetime(2026, 12, 7, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert step_functions_time(moment) == "2026-12-07T11:00:00.123Z"
