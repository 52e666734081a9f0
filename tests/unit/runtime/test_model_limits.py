"""The ticket model's limits (ticketflow.limits): a ticket at each limit validates, one character past it is
refused with a reason naming the field, the figure and why it is there."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from tests.event_files import STATE_AFTER_TRIAGE, TICKET_SUBMITTED, load_event, load_limit_cases
from tests.largest_tickets import ticket_id
from tests.unit.fakes import FakeDescriptions
from ticketflow import carriage, limits
from ticketflow.ingest import Arrived, InvalidTicketError, parse_record
from ticketflow.model import TicketSubmitted, Triage, validation_problems

# (dotted path in the event, its limit in characters, what the reason says of it)
FIELDS = [
    ("ticketId", limits.TICKET_ID_MAX_CHARS, "warehouse's ticket_id"),
    ("data.subject", limits.SUBJECT_MAX_CHARS, "subject"),
    ("data.customer_contact_information.first_name", limits.NAME_MAX_CHARS, "name"),
    ("data.customer_contact_information.last_name", limits.NAME_MAX_CHARS, "name"),
    ("data.customer_contact_information.full_name", limits.FULL_NAME_MAX_CHARS, "full name"),
    ("data.customer_contact_information.company", limits.NAME_MAX_CHARS, "name"),
    ("data.customer_contact_information.email", limits.EMAIL_MAX_CHARS, "RFC 5321"),
    ("data.product_issue_information.product", limits.NAME_MAX_CHARS, "name"),
    ("data.product_issue_information.issue_type", limits.NAME_MAX_CHARS, "name"),
]


def _text(path: str, length: int) -> str:
    if path == "ticketId":
        return ticket_id(length)
    if path.endswith("email"):
        return "m" * (length - len("@northwind.example")) + "@northwind.example"
    return "é" * length  # characters, not bytes, are counted


def _event(path: str, value: str) -> dict[str, Any]:
    event = load_event(TICKET_SUBMITTED)
    *parents, leaf = path.split(".")
    node = event
    for part in parents:
        node = node[part]
    node[leaf] = value
    return event


@pytest.mark.parametrize(("path", "limit", "why"), FIELDS, ids=[f[0] for f in FIELDS])
def test_a_field_at_its_limit_validates_and_one_past_it_is_refused(path: str, limit: int, why: str) -> None:
    # GIVEN the canonical ticket with the field at its limit, and with one character more
    at = _event(path, _text(path, limit))
    past = _event(path, _text(path, limit + 1))

    # WHEN / THEN the first validates; the second is refused, the reason naming the field, the limit and why
    TicketSubmitted.model_validate(at)
    with pytest.raises(ValidationError) as refused:
        TicketSubmitted.model_validate(past)
    reason = validation_problems(refused.value, "ticket")
    assert reason.startswith(f"{path}: {limit + 1:,} characters, over the {limit:,} "), reason
    assert why in reason


def test_a_65_character_ticket_id_is_refused_for_the_warehouses_key() -> None:
    # GIVEN a ticket id of 65 characters (well formed, short enough to name an execution, too long for the
    # warehouse's key)
    event = load_event(TICKET_SUBMITTED) | {"ticketId": ticket_id(65)}

    # WHEN / THEN the reason says what AWS would refuse
    with pytest.raises(ValidationError) as refused:
        TicketSubmitted.model_validate(event)
    assert validation_problems(refused.value, "ticket") == (
        "ticketId: 65 characters, over the 64 of the warehouse's ticket_id (Redshift VARCHAR(64); the id also"
        " names the execution)"
    )


@pytest.mark.parametrize(
    "digits",
    ["\u0661\u0662\u0663\u0664", "\uff11\uff12\uff13\uff14", "\u07c1\u07c2\u07c3\u07c4"],
    ids=["arabic-indic", "fullwidth", "nko"],
)
def test_a_ticket_id_of_other_scripts_digits_is_refused(digits: str) -> None:
    # GIVEN an id whose number is written in another script's digits (`\d` would take them; Step Functions
    # does not, in the name of an execution of a state machine that logs)
    event = load_event(TICKET_SUBMITTED) | {"ticketId": f"TKT-20250115-{digits}"}

    # WHEN / THEN it is refused
    with pytest.raises(ValidationError, match="ticketId"):
        TicketSubmitted.model_validate(event)


@pytest.mark.parametrize(
    ("field", "limit"),
    [("customer_response", limits.REPLY_MAX_CHARS), ("priority_reasoning", limits.REASONING_MAX_CHARS)],
)
def test_the_models_answer_is_bounded(field: str, limit: int) -> None:
    # GIVEN the canonical triage with the field at its limit, and one character past it
    triage = load_event(STATE_AFTER_TRIAGE)["triage"]

    # WHEN / THEN at the limit it validates; past it, it is refused (the adapter then asks again)
    Triage.model_validate(triage | {field: "x" * limit})
    with pytest.raises(ValidationError, match=f"{limit + 1:,} characters, over the {limit:,}"):
        Triage.model_validate(triage | {field: "x" * (limit + 1)})


def test_a_description_has_no_limit_of_its_own() -> None:
    # GIVEN a description of a megabyte and more (only its Kinesis record bounds it; a long one is carried)
    log = "a pasted log line\n" * 60_000
    event = _event("data.description", log)

    # WHEN / THEN it validates, whole (but for the stripped last line break)
    assert TicketSubmitted.model_validate(event).data.description == log.strip()


def test_the_figures_agree_with_each_other() -> None:
    # GIVEN / WHEN / THEN the ticket id fits every place it goes (the warehouse's key is the tightest), the
    # model's answer the model's limit
    assert limits.TICKET_ID_MAX_CHARS == limits.WAREHOUSE_TICKET_ID_MAX_BYTES
    assert limits.TICKET_ID_MAX_CHARS <= limits.SFN_EXECUTION_NAME_MAX_CHARS
    assert limits.TICKET_ID_MAX_CHARS <= limits.KINESIS_PARTITION_KEY_MAX_CHARS
    assert limits.TICKET_ID_MAX_CHARS <= limits.DYNAMODB_PARTITION_KEY_MAX_BYTES
    assert limits.TRIAGE_MAX_TOKENS <= limits.BEDROCK_OUTPUT_MAX_TOKENS
    # and Comprehend's text is always within what travels
    assert limits.COMPREHEND_TEXT_MAX_BYTES < limits.DESCRIPTION_INLINE_MAX_BYTES


def test_json_size_counts_escapes() -> None:
    # GIVEN / WHEN / THEN non-ASCII, quotes and control characters are counted as escaped
    assert limits.json_size("ab") == 4
    assert limits.json_size('"') == 4
    assert limits.json_size("é") == 8
    assert limits.json_size("\U0001f600") == 14
    assert limits.json_size("\x01") == 8


def test_the_limits_corpus_sits_at_the_models_figures_and_parses_as_it_says() -> None:
    # GIVEN the e2e tier's limits corpus (tests/events/limits/)
    numbers = iter(range(1_000_000, 1_000_100))
    cases = load_limit_cases(lambda: next(numbers))
    assert {c.file for c in cases} >= {
        "ticket_id_64.json",
        "ticket_id_65.json",
        "record_1_mib.json",
        "description_warehouse_whole.json",
        "description_warehouse_cut.json",
    }

    for case in cases:
        # WHEN each record is parsed and its execution input made
        # THEN the figure it names is the model's, and it is rejected for the reason or carried as it says
        for name, figure in case.limit.items():
            assert getattr(limits, name) == figure, case.file
        parsed = parse_record(case.data)
        if case.expect.status == "REJECTED":
            assert isinstance(parsed, InvalidTicketError), case.file
            assert all(part in parsed.reason for part in case.expect.reason), parsed.reason
            continue
        assert isinstance(parsed, Arrived), case.file
        sent = json.loads(carriage.execution_input(parsed.ticket, FakeDescriptions()))
        assert (carriage.POINTER in sent["data"]) is case.expect.carried, case.file
        assert len(case.data) + len(case.ticket_id) <= limits.KINESIS_RECORD_MAX_BYTES
        # and the warehouse's row holds the description whole or cut, as the case says
        kept = len(parsed.ticket.data.description.encode("utf-8")) <= limits.WAREHOUSE_TEXT_MAX_BYTES
        assert case.expect.warehouse == ("whole" if kept else "cut"), case.file


def test_no_character_costs_more_than_12_bytes_as_json() -> None:
    # GIVEN every kind of character: ASCII, escaped, control, BMP, astral, a lone surrogate, the last one
    samples = ["a", '"', "\\", "\n", "\x00", "\x7f", "é", "語", "\U0001f600", "\ud800", "\U0010ffff"]

    # WHEN / THEN each is at most 12 bytes as escaped JSON, as carriage's quick test assumes
    assert max(limits.json_size(c) - 2 for c in samples) == 12
