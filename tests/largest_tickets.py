"""The largest tickets the model allows, for the tests that hold them against AWS's limits (unit and e2e).

Every bounded text field is filled to its limit: an "A" (so that it is never blank) and then one `filler`
character repeated. The description is given: the longest that travels inline in the execution, or the
longest whose Kinesis record still fits 1 MiB (`record_description`).
"""

from __future__ import annotations

import json

from tests.event_files import TICKET_SUBMITTED, load_event
from ticketflow import limits
from ticketflow.model import TicketSubmitted
from ticketflow_dev.tickets.producer import encode

ID_PREFIX = "TKT-20250115-"


def ticket_id(length: int = limits.TICKET_ID_MAX_CHARS, number: int = 0) -> str:
    """A ticket id of `length` characters ending in `number` (zero-padded)."""
    return ID_PREFIX + str(number).zfill(length - len(ID_PREFIX))


def _filled(filler: str, length: int) -> str:
    return "A" + filler * (length - 1)


def largest_ticket(filler: str, description: str, ticket_id_: str | None = None) -> TicketSubmitted:
    event = load_event(TICKET_SUBMITTED)
    event["ticketId"] = ticket_id_ or ticket_id()
    data = event["data"]
    data["subject"] = _filled(filler, limits.SUBJECT_MAX_CHARS)
    data["description"] = description
    contact = data["customer_contact_information"]
    for field in ("first_name", "last_name", "company"):
        contact[field] = _filled(filler, limits.NAME_MAX_CHARS)
    contact["full_name"] = _filled(filler, limits.FULL_NAME_MAX_CHARS)
    local = (limits.EMAIL_MAX_CHARS - len("@.x")) // 2
    domain = limits.EMAIL_MAX_CHARS - len("@.x") - local
    contact["email"] = f"{_filled(filler, local)}@{_filled(filler, domain)}.x"
    issue = data["product_issue_information"]
    for field in ("product", "issue_type"):
        issue[field] = _filled(filler, limits.NAME_MAX_CHARS)
    return TicketSubmitted.model_validate(event)


def inline_description(filler: str, beyond: int = 0) -> str:
    """The longest description (`beyond` characters more) that travels inline, as JSON."""
    escaped = limits.json_size(filler) - 2
    return _filled(filler, (limits.DESCRIPTION_INLINE_MAX_BYTES - 3) // escaped + 1 + beyond)


def record_description(filler: str, beyond: int = 0, ticket_id_: str | None = None) -> str:
    """The longest description (`beyond` characters more) whose largest ticket's record fits Kinesis'."""
    base = largest_ticket(filler, "A", ticket_id_)
    size = len(encode(base)) + len(base.ticket_id)
    encoded = len(json.dumps(filler, ensure_ascii=False).encode("utf-8")) - 2
    return "A" + filler * ((limits.KINESIS_RECORD_MAX_BYTES - size) // encoded + beyond)
