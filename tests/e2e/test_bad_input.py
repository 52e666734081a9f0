"""End to end: the bad input corpus (tests/events/bad_input/) and valid tickets, all in one Kinesis batch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.aws_clients import endpoint_clients
from tests.conftest import LocalStack
from tests.e2e.conftest import DeployedStack
from tests.e2e.helpers import (
    archived_ticket,
    dead_letters_for,
    execution_exists,
    execution_status,
    fresh_ticket_id,
    fresh_tickets,
    history,
    raw_item,
)
from tests.event_files import BadInput, load_bad_inputs
from ticketflow.model import TicketSubmitted
from ticketflow_dev.tickets import producer
from ticketflow_dev.tickets.tracking import TicketState

if TYPE_CHECKING:
    from mypy_boto3_comprehend import ComprehendClient


DEADLINE = 240.0
COMPREHEND_MAX_BYTES = 5000  # Comprehend's documented limit for DetectSentiment, in bytes of UTF-8


def test_bad_input_corpus_ends_as_expected_and_the_valid_tickets_beside_it_respond(
    deployed_stack: DeployedStack, local_stack: LocalStack
) -> None:
    # GIVEN every case of the bad input corpus and valid tickets, interleaved in one batch of records
    cases = load_bad_inputs(fresh_ticket_id)
    assert any(_cut_splits_a_character(c) for c in cases), (
        "a description over the limit, cut inside a character"
    )
    valid = fresh_tickets(3, seed=21)
    records = [(producer.encode(valid[0]), valid[0].ticket_id)]
    records += [(case.data, case.ticket_id) for case in cases[: len(cases) // 2]]
    records += [(producer.encode(valid[1]), valid[1].ticket_id)]
    records += [(case.data, case.ticket_id) for case in cases[len(cases) // 2 :]]
    records += [(producer.encode(valid[2]), valid[2].ticket_id)]

    # WHEN they are put on the stream in ONE put_records request
    response = deployed_stack.clients("kinesis").put_records(
        StreamName=deployed_stack.outputs.stream_name,
        Records=[{"Data": data, "PartitionKey": key} for data, key in records],
    )
    assert response.get("FailedRecordCount", 0) == 0, response["Records"]
    reaching = [c.ticket_id for c in cases if c.expect.status != "FILTERED"]
    states = deployed_stack.tracker().wait_for([t.ticket_id for t in valid] + reaching, timeout=DEADLINE)

    # THEN the valid tickets of the batch responded, each case ended as its file says, and nothing was
    # dead-lettered (every discrepancy is listed, not only the first)
    for ticket in valid:
        assert states[ticket.ticket_id].status == "RESPONDED", states[ticket.ticket_id]
        assert execution_status(deployed_stack, ticket.ticket_id) == "SUCCEEDED"
    comprehend = _comprehend(local_stack)
    problems: list[str] = []
    for case in cases:
        if case.expect.status == "FILTERED":
            problems += _check_filtered(deployed_stack, case)
        elif case.expect.status == "REJECTED":
            problems += _check_rejected(deployed_stack, case, states[case.ticket_id])
        else:
            problems += _check_responded(deployed_stack, comprehend, case, states[case.ticket_id])
    assert not problems, "\n".join(problems)
    assert dead_letters_for(deployed_stack, [key for _, key in records]) == []


def _comprehend(local_stack: LocalStack) -> ComprehendClient:
    """Comprehend's stand-in, asked directly for what the pipeline should have found."""
    clients = endpoint_clients(local_stack.fake_bedrock_url, region=local_stack.settings.region)
    return clients("comprehend")


def _check_filtered(stack: DeployedStack, case: BadInput) -> list[str]:
    """Dropped by the stream's filter (or, failing that, by the trigger): no item, no execution."""
    where = f"{case.file} ({case.name})"
    problems = []
    if (item := raw_item(stack, case.ticket_id)) is not None:
        problems.append(
            f"{where}: expected FILTERED, found an item: {item.get('status')} {item.get('status_reason')}"
        )
    if execution_exists(stack, case.ticket_id):
        problems.append(f"{where}: expected FILTERED, found an execution")
    return problems


def _check_rejected(stack: DeployedStack, case: BadInput, state: TicketState) -> list[str]:
    where = f"{case.file} ({case.name})"
    if state.status != "REJECTED":
        return [f"{where}: expected REJECTED, got {state.status} ({state.reason})"]
    problems = []
    reason = state.reason or ""
    missing = [part for part in case.expect.reason if part not in reason]
    if missing:
        problems.append(f"{where}: the reason {reason!r} does not name {missing}")
    item = raw_item(stack, case.ticket_id)
    assert item is not None
    if history(item) != [("REJECTED", reason)]:
        problems.append(f"{where}: history {history(item)}, expected one REJECTED entry with the reason")
    if execution_exists(stack, case.ticket_id):
        problems.append(f"{where}: REJECTED, yet an execution was started")
    return problems


def _check_responded(
    stack: DeployedStack, comprehend: ComprehendClient, case: BadInput, state: TicketState
) -> list[str]:
    where = f"{case.file} ({case.name})"
    if state.status != "RESPONDED":
        return [f"{where}: expected RESPONDED, got {state.status} ({state.reason})"]
    assert case.event is not None
    sent = TicketSubmitted.model_validate(case.event)
    item = state.item
    problems = []
    raw = raw_item(stack, case.ticket_id)
    assert raw is not None
    if [status for status, _ in history(raw)] != ["RECEIVED", "PROCESSING", "RESPONDED"]:
        problems.append(f"{where}: history {history(raw)}")
    problems += _check_stored_as_given(stack, case, item)
    if case.expect.priority and item["priority"] not in case.expect.priority:
        problems.append(
            f"{where}: priority {item['priority']} ({item['priority_reasoning']}), "
            f"expected one of {case.expect.priority}"
        )
    description = sent.data.description
    expected_sentiment = _sentiment_of_opening(comprehend, description)
    if len(description.encode("utf-8")) > COMPREHEND_MAX_BYTES:
        # The whole text is refused, so the sentiment stored can only be the opening's.
        with pytest.raises(comprehend.exceptions.TextSizeLimitExceededException):
            comprehend.detect_sentiment(Text=description, LanguageCode="en")
    if item["sentiment"] != expected_sentiment:
        problems.append(f"{where}: sentiment {item['sentiment']}, Comprehend says {expected_sentiment}")
    return problems


def _check_stored_as_given(stack: DeployedStack, case: BadInput, item: dict[str, Any]) -> list[str]:
    """In the item and in the archive object, the text is as sent: nothing escaped, stripped or cut."""
    assert case.event is not None
    archived = archived_ticket(stack, TicketSubmitted.model_validate(case.event))
    contact = case.event["data"]["customer_contact_information"]
    given = {
        "subject": case.event["data"]["subject"],
        "description": case.event["data"]["description"],
        "customer_full_name": contact["full_name"],
        "customer_company": contact["company"],
    }
    problems = []
    for field, value in given.items():
        for where, stored in (("item", item.get(field)), ("archive object", getattr(archived, field))):
            if stored != value:
                problems.append(
                    f"{case.file}: the {where}'s {field} is not as sent: {_difference(stored, value)}"
                )
    return problems


def _sentiment_of_opening(comprehend: ComprehendClient, text: str) -> str:
    """What Comprehend says of the longest opening of `text` within its limit that ends on a character."""
    opening = text.encode("utf-8")[:COMPREHEND_MAX_BYTES].decode("utf-8", errors="ignore")
    response: dict[str, Any] = dict(comprehend.detect_sentiment(Text=opening, LanguageCode="en"))
    return str(response["Sentiment"])


def _cut_splits_a_character(case: BadInput) -> bool:
    description = (case.event or {}).get("data", {}).get("description")
    if not isinstance(description, str) or len(description.encode("utf-8")) <= COMPREHEND_MAX_BYTES:
        return False
    try:
        description.encode("utf-8")[:COMPREHEND_MAX_BYTES].decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _difference(stored: object, sent: str) -> str:
    if not isinstance(stored, str):
        return f"{stored!r}"
    at = next(
        (i for i, (a, b) in enumerate(zip(stored, sent, strict=False)) if a != b), min(len(stored), len(sent))
    )
    shown = stored[at : at + 40]
    return f"{len(stored)} characters stored, {len(sent)} sent, first differing at {at}: {shown!r}"
