"""Carriage: a description up to the inline limit travels in the execution as it is; a longer one is kept
whole in S3 and the execution carries its opening, with the key; the archive writer reads it back."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from botocore.stub import Stubber

from tests.event_files import TICKET_SUBMITTED, load_event
from tests.largest_tickets import inline_description
from tests.unit.fakes import FakeDescriptions
from ticketflow import carriage, limits
from ticketflow.model import TicketSubmitted

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def _ticket(description: str) -> TicketSubmitted:
    event = load_event(TICKET_SUBMITTED)
    event["data"]["description"] = description
    return TicketSubmitted.model_validate(event)


@pytest.mark.parametrize("filler", ["a", "é", "\U0001f600", '"'])
def test_a_description_at_the_inline_limit_travels_as_it_is(filler: str) -> None:
    # GIVEN a ticket whose description is as long as travels inline (as JSON)
    ticket = _ticket(inline_description(filler))
    descriptions = FakeDescriptions()

    # WHEN its execution input is made
    sent = json.loads(carriage.execution_input(ticket, descriptions))

    # THEN it is the event as it is, and nothing was put in S3
    assert sent == ticket.to_event()
    assert descriptions.objects == {}


@pytest.mark.parametrize("filler", ["a", "é", "\U0001f600", '"'])
def test_one_character_past_it_is_kept_whole_and_its_opening_travels(filler: str) -> None:
    # GIVEN a description one character longer than travels inline
    description = inline_description(filler, beyond=1)
    ticket = _ticket(description)
    descriptions = FakeDescriptions()

    # WHEN its execution input is made
    sent = json.loads(carriage.execution_input(ticket, descriptions))

    # THEN the whole text is under the ticket's key, and the execution carries the key and an opening that
    # says it was cut, within the inline limit
    key = carriage.description_key(ticket)
    assert descriptions.objects == {key: description}
    assert key.startswith(f"descriptions/{ticket.ticket_id}/")
    data = sent["data"]
    assert data[carriage.POINTER] == key
    opening, note = data["description"].split("\n[ticketflow:", 1)
    assert description.startswith(opening)
    assert f"all {len(description.encode('utf-8')):,} bytes" in note
    # as much as fits beside the note: one more character would not
    size, most = limits.json_size(data["description"]), limits.DESCRIPTION_INLINE_MAX_BYTES
    assert most - limits.json_size(filler) < size <= most
    assert (
        limits.DESCRIPTION_INLINE_MAX_BYTES - limits.json_size(filler)
        < size
        <= limits.DESCRIPTION_INLINE_MAX_BYTES
    )
    # and the rest of the event is as it was
    del data[carriage.POINTER]
    data["description"] = description
    assert sent == ticket.to_event()


def test_the_whole_description_is_read_back_by_its_key() -> None:
    # GIVEN a carried ticket as the archive writer receives it
    description = "log line ⏱️\n" * 20_000
    descriptions = FakeDescriptions()
    event = json.loads(carriage.execution_input(_ticket(description), descriptions))

    # WHEN the writer asks for the whole ticket
    whole = carriage.whole(TicketSubmitted.model_validate(event), event["data"], descriptions)

    # THEN it has the whole description, and the rest as it travelled
    assert whole.data.description == description.strip()
    assert whole.ticket_id == event["ticketId"]


def test_a_ticket_that_travelled_inline_is_its_own_whole() -> None:
    # GIVEN / WHEN / THEN an event without a pointer is the ticket as it is, and nothing is read
    event = load_event(TICKET_SUBMITTED)
    ticket = TicketSubmitted.model_validate(event)
    assert carriage.whole(ticket, event["data"], FakeDescriptions()) is ticket


def test_a_pointer_the_producer_sent_is_dropped_and_another_tickets_is_refused() -> None:
    # GIVEN a record whose producer set a description_object of its own (naming another ticket's text)
    event = load_event(TICKET_SUBMITTED)
    event["data"][carriage.POINTER] = "descriptions/TKT-20250115-9999/0123456789abcdef.txt"
    ticket = TicketSubmitted.model_validate(event)

    # WHEN the trigger makes the execution input / THEN the model dropped it
    assert carriage.POINTER not in json.loads(carriage.execution_input(ticket, FakeDescriptions()))["data"]
    # and the writer refuses a pointer that is not this ticket's
    with pytest.raises(ValueError, match="not this ticket's description object"):
        carriage.whole(ticket, event["data"], FakeDescriptions())


def test_s3_descriptions_are_utf8_text_objects(s3_client: S3Client) -> None:
    # GIVEN the S3 store on a stubbed client
    store = carriage.S3Descriptions(s3_client, "archive")
    key = "descriptions/TKT-20250115-0042/0123456789abcdef.txt"
    with Stubber(s3_client) as stubber:
        stubber.add_response(
            "put_object",
            {"ETag": '"e"'},
            {
                "Bucket": "archive",
                "Key": key,
                "Body": "é".encode(),
                "ContentType": "text/plain; charset=utf-8",
            },
        )

        # WHEN a description is put / THEN it is sent as UTF-8 text under its key
        store.put(key, "é")
        stubber.assert_no_pending_responses()
