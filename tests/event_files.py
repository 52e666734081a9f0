"""The one loader of the canonical event JSON in tests/events/, for every test tier.

Import it as `from tests.event_files import load_event` (the repository root is on sys.path).
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

EVENTS_DIR = Path(__file__).resolve().parent / "events"

TICKET_SUBMITTED = "ticket_submitted.json"  # a valid TicketSubmitted event, as a producer writes it
KINESIS_BATCH = "kinesis_batch.json"  # the Lambda event of a Kinesis batch (base64 records)
PROCESSED_TICKET = "processed_ticket.json"  # a flat archive record, as the S3 writer stores it
STATE_AFTER_TRIAGE = "state_after_triage.json"  # the execution's state after sentiment, triage and stamp


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of `tests/events/<name>` (callers may change it)."""
    event: dict[str, Any] = json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))
    return event


def kinesis_event(*payloads: bytes, partition_keys: list[str] | None = None) -> dict[str, Any]:
    """A Kinesis Lambda event shaped like `kinesis_batch.json`: one record per payload, distinct sequences."""
    template = load_event(KINESIS_BATCH)["Records"][0]
    records = []
    for index, data in enumerate(payloads):
        record = copy.deepcopy(template)
        sequence_number = f"4959033827149025660855969253836157109592157598913658{index:04d}"
        record["kinesis"]["data"] = base64.b64encode(data).decode("ascii")
        record["kinesis"]["sequenceNumber"] = sequence_number
        record["kinesis"]["partitionKey"] = partition_keys[index] if partition_keys else f"key-{index}"
        record["eventID"] = f"shardId-000000000000:{sequence_number}"
        records.append(record)
    return {"Records": records}


# --- the bad input corpus: tests/events/bad_input/<case>.json --------------------------------------------
BAD_INPUT_DIR = EVENTS_DIR / "bad_input"
TICKET_ID_PLACEHOLDER = "${TICKET_ID}"  # in a raw `record`, replaced by the case's fresh ticket id
BadInputStatus = Literal["REJECTED", "RESPONDED", "FILTERED"]


@dataclass(frozen=True)
class BadInputExpectation:
    """REJECTED: the reason holds every `reason` substring. RESPONDED: processed, the priority among
    `priority` (any when empty). FILTERED: dropped by the stream's filter, never reaching the trigger."""

    status: BadInputStatus
    reason: tuple[str, ...] = ()
    priority: tuple[str, ...] = ()


@dataclass(frozen=True)
class BadInput:
    name: str
    file: str
    data: bytes  # the Kinesis record's data
    ticket_id: str  # the fresh id the record carries (also its partition key)
    event: dict[str, Any] | None  # the JSON the record encodes, when it encodes JSON
    expect: BadInputExpectation


def load_bad_inputs(new_ticket_id: Callable[[], str]) -> list[BadInput]:
    """Every case of the corpus, each with a fresh ticket id from `new_ticket_id()`.

    A case file holds `name`, `expect` ({"status", "reason": [substrings], "priority": [allowed]}) and either
    `record`, the record's data as given (a string, UTF-8, `${TICKET_ID}` replaced; or {"base64": ...}), or
    `ticket`, changes to the canonical ticket_submitted.json (`set` {dotted path: value}, `delete` [dotted
    paths]; `encoding` of its JSON, default UTF-8). A value may be {"$repeat": text, "times": n} or
    {"$concat": [values]}, for texts too long to write out.
    """
    return [_bad_input(path, new_ticket_id()) for path in sorted(BAD_INPUT_DIR.glob("*.json"))]


def _bad_input(path: Path, ticket_id: str) -> BadInput:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    expect = BadInputExpectation(
        status=case["expect"]["status"],
        reason=tuple(case["expect"].get("reason", ())),
        priority=tuple(case["expect"].get("priority", ())),
    )
    if "ticket" in case:
        event = _changed_ticket(case["ticket"], ticket_id)
        data = json.dumps(event, ensure_ascii=False).encode(case["ticket"].get("encoding", "utf-8"))
        return BadInput(case["name"], path.name, data, ticket_id, event, expect)
    record = case["record"]
    if isinstance(record, dict):
        return BadInput(case["name"], path.name, base64.b64decode(record["base64"]), ticket_id, None, expect)
    text = record.replace(TICKET_ID_PLACEHOLDER, ticket_id)
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        parsed = None
    as_json = parsed if isinstance(parsed, dict) else None
    return BadInput(case["name"], path.name, text.encode("utf-8"), ticket_id, as_json, expect)


def _changed_ticket(changes: dict[str, Any], ticket_id: str) -> dict[str, Any]:
    event = load_event(TICKET_SUBMITTED)
    event["ticketId"] = ticket_id
    for dotted, value in changes.get("set", {}).items():
        *parents, leaf = dotted.split(".")
        _walk(event, parents)[leaf] = _value(value)
    for dotted in changes.get("delete", []):
        *parents, leaf = dotted.split(".")
        del _walk(event, parents)[leaf]
    return event


def _walk(event: dict[str, Any], parents: list[str]) -> dict[str, Any]:
    node = event
    for part in parents:
        node = node[part]
    return node


def _value(value: Any) -> Any:
    if isinstance(value, dict) and "$repeat" in value:
        return str(value["$repeat"]) * int(value["times"])
    if isinstance(value, dict) and "$concat" in value:
        return "".join(_value(part) for part in value["$concat"])
    return value


# --- hostile text: tests/events/hostile/<case>.json ------------------------------------------------------
HOSTILE_DIR = EVENTS_DIR / "hostile"
# Every text field of a ticket, as a dotted path in the event; the email has a case's own value.
TEXT_FIELDS = (
    "data.subject",
    "data.description",
    "data.customer_contact_information.first_name",
    "data.customer_contact_information.last_name",
    "data.customer_contact_information.full_name",
    "data.customer_contact_information.company",
    "data.product_issue_information.product",
    "data.product_issue_information.issue_type",
)
EMAIL_FIELD = "data.customer_contact_information.email"


@dataclass(frozen=True)
class HostileTicket:
    """The canonical ticket with a case's hostile `text` after the value of every text field (and its own
    `email`); `cleaned` is what intake must keep of each field (dotted path → text), `shown` what a display
    shows of the hostile text as it is (stored before intake cleaned it, or in a log line)."""

    name: str
    file: str
    ticket_id: str
    text: str  # the hostile text alone
    shown: str
    event: dict[str, Any]
    cleaned: dict[str, str]

    def field(self, dotted: str) -> str:
        """The value sent in `dotted`."""
        *parents, leaf = dotted.split(".")
        return str(_walk(self.event, parents)[leaf])


def load_hostile_tickets(new_ticket_id: Callable[[], str]) -> list[HostileTicket]:
    """Every hostile case, each with a fresh ticket id. A case file holds `name`, `text` and `cleaned` (what
    intake keeps of it), `shown` (what a display shows of it), `email` and `cleaned_email`."""
    return [_hostile(path, new_ticket_id()) for path in sorted(HOSTILE_DIR.glob("*.json"))]


def _hostile(path: Path, ticket_id: str) -> HostileTicket:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    event = load_event(TICKET_SUBMITTED)
    event["ticketId"] = ticket_id
    cleaned: dict[str, str] = {}
    for dotted in TEXT_FIELDS:
        *parents, leaf = dotted.split(".")
        node = _walk(event, parents)
        cleaned[dotted] = f"{node[leaf]} {case['cleaned']}".strip()
        node[leaf] = f"{node[leaf]} {case['text']}"
    *parents, leaf = EMAIL_FIELD.split(".")
    _walk(event, parents)[leaf] = case["email"]
    cleaned[EMAIL_FIELD] = case["cleaned_email"]
    return HostileTicket(case["name"], path.name, ticket_id, case["text"], case["shown"], event, cleaned)
