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


# --- the limits corpus: tests/events/limits/<case>.json --------------------------------------------------
LIMITS_DIR = EVENTS_DIR / "limits"
LimitStatus = Literal["REJECTED", "RESPONDED"]


@dataclass(frozen=True)
class LimitExpectation:
    """REJECTED: the reason holds every `reason` substring. RESPONDED: processed and archived whole, its
    description `carried` in S3 (too long to travel in the execution) or not, and in the warehouse's row
    `whole` or `cut` (over its column's 65,535 bytes of UTF-8; None: not checked)."""

    status: LimitStatus
    reason: tuple[str, ...] = ()
    carried: bool = False
    warehouse: Literal["whole", "cut"] | None = None


@dataclass(frozen=True)
class LimitCase:
    name: str
    file: str
    limit: dict[str, int]  # the figure of ticketflow.limits the case sits at or just past, by name
    data: bytes  # the Kinesis record's data: the event as UTF-8 JSON, as the producer writes it
    ticket_id: str  # also the record's partition key
    event: dict[str, Any]
    expect: LimitExpectation


def load_limit_cases(new_number: Callable[[], int]) -> list[LimitCase]:
    """Every case of the limits corpus, each with a fresh ticket number from `new_number()`.

    A case file holds `name`, `limit` ({name in ticketflow.limits: its figure}), `expect` ({"status",
    "reason": [substrings], "carried": bool, "warehouse": "whole" | "cut"}) and `ticket`, changes to the
    canonical ticket_submitted.json (`set` {dotted path: value}). Besides the bad-input corpus' values, a
    value may be {"$ticket_id": length} (a fresh id of that many characters), or {"$fill": text,
    "json_bytes": n} (the text repeated and padded with "." to exactly n bytes as JSON, quotes included,
    every non-ASCII character escaped: ticketflow.limits.json_size), or {"$fill": text, "utf8_bytes": n} (to
    exactly n bytes of UTF-8, as the warehouse counts), or {"$fill": text, "record_bytes": n} (the
    description that makes the record, with its partition key, exactly n bytes).
    """
    return [_limit_case(path, new_number()) for path in sorted(LIMITS_DIR.glob("*.json"))]


def _limit_case(path: Path, number: int) -> LimitCase:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    event = load_event(TICKET_SUBMITTED)
    event["ticketId"] = f"TKT-20250115-{number}"
    record_fill: tuple[list[str], dict[str, Any]] | None = None
    for dotted, value in case["ticket"]["set"].items():
        *parents, leaf = dotted.split(".")
        if isinstance(value, dict) and "record_bytes" in value:
            record_fill = ([*parents, leaf], value)
            continue
        _walk(event, parents)[leaf] = _sized(value, number)
    if record_fill is not None:
        *parents, leaf = record_fill[0]
        _walk(event, parents)[leaf] = _record_filled(event, parents, leaf, record_fill[1])
    expect = case["expect"]
    return LimitCase(
        name=case["name"],
        file=path.name,
        limit=dict(case["limit"]),
        data=_record_data(event),
        ticket_id=event["ticketId"],
        event=event,
        expect=LimitExpectation(
            status=expect["status"],
            reason=tuple(expect.get("reason", ())),
            carried=bool(expect.get("carried", False)),
            warehouse=expect.get("warehouse"),
        ),
    )


def _record_data(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode("utf-8")


def _sized(value: Any, number: int) -> Any:
    if isinstance(value, dict) and "$ticket_id" in value:
        prefix = "TKT-20250115-"
        return prefix + str(number).zfill(int(value["$ticket_id"]) - len(prefix))
    if isinstance(value, dict) and "json_bytes" in value:
        return _filled(str(value["$fill"]), int(value["json_bytes"]), _escaped_size)
    if isinstance(value, dict) and "utf8_bytes" in value:
        return _filled(str(value["$fill"]), int(value["utf8_bytes"]), _text_size)
    return _value(value)


def _text_size(text: str) -> int:
    return len(text.encode("utf-8"))


def _escaped_size(text: str) -> int:
    return len(json.dumps(text))


def _utf8_size(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8"))


def _filled(fill: str, size: int, measure: Callable[[str], int]) -> str:
    """`fill` repeated to the longest text that `measure`s at most `size`, then "." up to exactly `size`."""
    text = fill * ((size - measure("")) // (measure(fill) - measure("")))  # each repetition costs the same
    for char in fill:
        if measure(text + char) > size:
            break
        text += char
    return text + "." * (size - measure(text))


def _record_filled(event: dict[str, Any], parents: list[str], leaf: str, value: dict[str, Any]) -> str:
    """The text that makes the record (data and partition key) exactly `record_bytes`."""
    node = _walk(event, parents)
    node[leaf] = ""
    other = len(_record_data(event)) + len(event["ticketId"].encode("utf-8")) - _utf8_size("")
    return _filled(str(value["$fill"]), int(value["record_bytes"]) - other, _utf8_size)
