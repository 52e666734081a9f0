"""Tickets from a JSON file (one object or a list) or JSON Lines, each validated before any is sent: by the
ticket model, and against the Kinesis record's size (docs/limits.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ticketflow.model import TicketSubmitted, validation_problems
from ticketflow_dev.tickets.producer import record_problem


@dataclass(frozen=True)
class Refusal:
    where: str  # "line 3", "index 2", "the object"
    reason: str  # the fields and what is wrong with each, never their values

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


class RefusedTicketsError(ValueError):
    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__("; ".join(map(str, refusals)))
        self.refusals = refusals


def _entries(text: str) -> list[tuple[str, Any]]:
    """(where, payload) for each ticket: a JSON document first, else one JSON value per non-blank line."""
    try:
        document = json.loads(text)
    except ValueError:
        pass
    else:
        if isinstance(document, list):
            return [(f"index {index}", entry) for index, entry in enumerate(document)]
        return [("the object", document)]
    entries: list[tuple[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append((f"line {number}", json.loads(line)))
        except json.JSONDecodeError as error:
            raise RefusedTicketsError(
                [Refusal(f"line {number}", f"not JSON: {error.msg} at column {error.colno}")]
            ) from None
    return entries


def parse_tickets(text: str) -> list[TicketSubmitted]:
    """Every ticket, validated; RefusedTicketsError naming each bad one (where, field, reason)."""
    tickets: list[TicketSubmitted] = []
    refusals: list[Refusal] = []
    for where, payload in _entries(text):
        try:
            ticket = TicketSubmitted.model_validate(payload)
        except ValidationError as error:
            refusals.append(Refusal(where, validation_problems(error, "ticket")))
            continue
        if problem := record_problem(ticket):
            refusals.append(Refusal(where, problem))
        else:
            tickets.append(ticket)
    if not tickets and not refusals:
        refusals.append(Refusal("the input", "no tickets"))
    if refusals:
        raise RefusedTicketsError(refusals)
    return tickets
