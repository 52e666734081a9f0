"""Customer text at intake: escape sequences and control characters leave every text field of the model
(the ticket, the model's triage, the archive record) before anything stores it or a model reads it."""

from __future__ import annotations

import re
import typing
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from tests.event_files import (
    EMAIL_FIELD,
    STATE_AFTER_TRIAGE,
    TEXT_FIELDS,
    TICKET_SUBMITTED,
    HostileTicket,
    load_event,
    load_hostile_tickets,
)
from ticketflow import model
from ticketflow.enrichment import parse_triage
from ticketflow.model import ProcessedTicket, SentimentResult, TicketSubmitted, Triage
from ticketflow.prompts import triage_user_message
from ticketflow.text import clean

TICKET_ID = "TKT-20250115-0042"
CASES = load_hostile_tickets(lambda: TICKET_ID)
# What no stored text may hold: C0 but tab and newline (CR included), DEL, C1.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _sentiment() -> SentimentResult:
    return SentimentResult.model_validate(load_event(STATE_AFTER_TRIAGE)["sentiment"])


def _at(event: dict[str, Any], dotted: str) -> Any:
    node: Any = event
    for part in dotted.split("."):
        node = node[part]
    return node


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("\x1b[2J\x1b[Hcleared", "cleared"),  # CSI: clear the screen, cursor home
        ("\x1b[5mblink\x1b[25m", "blink"),
        ("\x1b[38;2;255;0;0mtrue colour\x1b[0m", "true colour"),
        ("a\x1b]0;window title\x07b", "ab"),  # OSC ended by BEL
        ("a\x1b]52;c;ZWNobyBvd25lZAo=\x1b\\b", "ab"),  # OSC 52 (write the clipboard) ended by ESC \
        ("a\x1bP1$r0m\x1b\\b", "ab"),  # DCS
        ("a\x9b2Jb\x9d0;title\x9cc", "abc"),  # the one-byte C1 forms of CSI, OSC and ST
        ("a\x1bcb\x1b7c\x1b(Bd", "abcd"),  # reset, save cursor, character set
        ("unterminated \x1b]0;title", "unterminated 0;title"),  # ESC ] goes, the rest is only text
        ("bell\x07 nul\x00 bs\x08 del\x7f nel\x85", "bell nul bs del nel"),
        ("line\r\nnext\rover", "line\nnext\nover"),  # CR alone would overwrite the line: a newline
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        (
            "[bold]x[/] <b>y</b> $z$ \u202eabc \u200b 👩🏽\u200d💻 é",
            "[bold]x[/] <b>y</b> $z$ \u202eabc \u200b 👩🏽\u200d💻 é",
        ),
    ],
)
def test_clean_removes_sequences_and_controls_and_keeps_the_rest(sent: str, kept: str) -> None:
    # GIVEN text as a customer (or a model) sent it; WHEN it is cleaned; THEN only the codes are gone
    assert clean(sent) == kept
    assert clean(kept) == kept  # and cleaning again changes nothing


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_every_text_field_of_a_hostile_ticket_is_cleaned_at_intake(case: HostileTicket) -> None:
    # GIVEN a ticket with hostile text in every text field
    # WHEN the trigger (or the producer) validates it
    ticket = TicketSubmitted.model_validate(case.event)

    # THEN each field holds what intake keeps, in the model and on the wire the state machine receives
    wire = ticket.to_event()
    for dotted in (*TEXT_FIELDS, EMAIL_FIELD):
        assert _at(ticket.model_dump(), dotted) == case.cleaned[dotted], dotted
        assert _at(wire, dotted) == case.cleaned[dotted], dotted
    assert not CONTROL.search(ticket.model_dump_json())


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_the_model_reads_no_control_character(case: HostileTicket) -> None:
    # GIVEN a hostile ticket; WHEN the triage prompt is built from it
    prompt = triage_user_message(TicketSubmitted.model_validate(case.event), _sentiment())

    # THEN the model reads no control character, and each field stays on its own label line
    assert not CONTROL.search(prompt)
    labels = [line.split(":")[0] for line in prompt.split("\nDescription:\n")[0].splitlines()]
    assert labels == [
        "Ticket ID", "Customer", "Customer first name", "Company", "Product", "Issue type", "Sentiment",
        "Subject",
    ]  # fmt: skip


@pytest.mark.parametrize("field", [*TEXT_FIELDS, EMAIL_FIELD])
def test_a_field_of_nothing_but_control_characters_is_refused_by_name(field: str) -> None:
    # GIVEN the canonical ticket with one field made of escape sequences, controls and blanks only
    event = load_event(TICKET_SUBMITTED)
    *parents, leaf = field.split(".")
    node = event
    for part in parents:
        node = node[part]
    node[leaf] = " \x1b[2J\x1b]0;title\x07\x9b5m\x00\r\n\t "

    # WHEN it is validated, THEN it is refused, naming the field (empty once cleaned)
    with pytest.raises(ValidationError) as refused:
        TicketSubmitted.model_validate(event)
    [problem] = refused.value.errors()
    assert ".".join(map(str, problem["loc"])) == field
    expected = "value_error" if field == EMAIL_FIELD else "string_too_short"
    assert problem["type"] == expected


def test_the_models_reply_is_cleaned_before_it_is_stored() -> None:
    # GIVEN a model's tool call whose reply and reasoning carry escape sequences (a real model can emit them,
    # and a reply quotes the customer)
    answer = {
        "customer_response": f"Hello \x1b]0;owned\x07Maria\x1b[2J,\r\nwe are on it. \x9b5mTicket {TICKET_ID}",
        "priority": "HIGH",
        "priority_reasoning": "\x1b[5mProduction\x1b[25m is down.",
    }

    # WHEN the triage is parsed
    triage = parse_triage(
        [{"toolUse": {"toolUseId": "t1", "name": "record_triage", "input": answer}}], TICKET_ID
    )

    # THEN what goes on to be stored holds the words and none of the codes
    assert triage.customer_response == f"Hello Maria,\nwe are on it. Ticket {TICKET_ID}"
    assert triage.priority_reasoning == "Production is down."


def test_a_reply_of_nothing_but_codes_is_an_invalid_answer() -> None:
    # GIVEN a triage whose reasoning is only escape sequences; WHEN it is validated; THEN it is refused
    with pytest.raises(ValidationError, match="priority_reasoning"):
        Triage.model_validate(
            {
                "customer_response": f"Ticket {TICKET_ID}",
                "priority": "HIGH",
                "priority_reasoning": "\x1b[2J\x07",
            }
        )


def test_the_archive_record_is_cleaned_too() -> None:
    # GIVEN an archive record written before intake cleaned text (the ETL reads old objects too)
    record = _valid()[ProcessedTicket]
    hostile = {name: f"{value}\x1b[2J\x9b5m" for name, value in record.items() if isinstance(value, str)}

    # WHEN it is validated
    loaded = ProcessedTicket.model_validate(record | hostile)

    # THEN every text column is as it was before the codes were added
    assert loaded.model_dump(mode="json") == record


def _valid() -> dict[type[BaseModel], dict[str, Any]]:
    """A valid instance of each model class that holds text, as the data that builds it."""
    event = load_event(TICKET_SUBMITTED)
    data = event["data"]
    return {
        model.CustomerContact: data["customer_contact_information"],
        model.ProductIssue: data["product_issue_information"],
        model.TicketData: data,
        model.Triage: load_event(STATE_AFTER_TRIAGE)["triage"],
        model.ProcessedTicket: ProcessedTicket.build(
            TicketSubmitted.model_validate(event),
            _sentiment(),
            Triage.model_validate(load_event(STATE_AFTER_TRIAGE)["triage"]),
            processed_at=datetime(2025, 1, 15, 9, 30, 2, tzinfo=UTC),
        ).model_dump(mode="json"),
    }


def _text_fields(cls: type[BaseModel]) -> list[str]:
    """The fields of `cls` that hold text (a str, possibly optional or constrained)."""
    return [
        name
        for name, info in cls.model_fields.items()
        if info.annotation is str or str in typing.get_args(info.annotation)
    ]


@pytest.mark.parametrize("cls", list(_valid()), ids=lambda cls: cls.__name__)
def test_no_text_field_of_the_model_escapes_cleaning(cls: type[BaseModel]) -> None:
    # GIVEN every text field of a model class (a field added later is covered too), and valid data for it
    valid = _valid()[cls]
    names = _text_fields(cls)
    assert names, f"{cls.__name__} has no text field"

    for name in names:
        # WHEN the field's value comes with escape sequences and control characters
        loaded = cls.model_validate(valid | {name: f"{valid[name]}\x1b[2J\x9b5m\x07"})

        # THEN it holds the value without them
        assert getattr(loaded, name) == valid[name], (cls.__name__, name)
