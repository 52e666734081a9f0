"""How a ticket travels through the state machine: inline, or with a long description kept whole in S3.

Step Functions refuses an execution input, and fails a state whose output, over 256 KiB. A description of
up to `DESCRIPTION_INLINE_MAX_BYTES` (as JSON) travels inline, as every ticket always has. A longer one (a
pasted log, normal in support) is put whole in S3 by the trigger before the execution starts; the
execution carries its opening, with a note that it was cut, and the object's key in
`data.description_object`. The sentiment, the model's prompt and the ticket item see that opening; the
archive writer reads the whole text back, so the archive object and the warehouse row hold all of it.

The key is the trigger's alone: the ticket model ignores a `description_object` a producer might send.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any, Protocol

from ticketflow import limits
from ticketflow.model import TicketSubmitted

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

POINTER = "description_object"  # in the execution's `data`, beside the opening
PREFIX = "descriptions/"


class DescriptionStore(Protocol):
    def put(self, key: str, text: str) -> None: ...

    def get(self, key: str) -> str: ...


class S3Descriptions:
    """Whole descriptions under `descriptions/` of the archive bucket, UTF-8 text."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put(self, key: str, text: str) -> None:
        self._client.put_object(
            Bucket=self._bucket, Key=key, Body=text.encode("utf-8"), ContentType="text/plain; charset=utf-8"
        )

    def get(self, key: str) -> str:
        return self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read().decode("utf-8")


def travels_inline(description: str) -> bool:
    # A character is at most 12 bytes as escaped JSON (an emoji's two \uXXXX): most tickets need no count.
    if len(description) * 12 + 2 <= limits.DESCRIPTION_INLINE_MAX_BYTES:
        return True
    return limits.json_size(description) <= limits.DESCRIPTION_INLINE_MAX_BYTES


def description_key(ticket: TicketSubmitted) -> str:
    """One key per ticket and content: a re-delivery writes the same object, another text never shares it."""
    digest = hashlib.sha256(ticket.data.description.encode("utf-8")).hexdigest()[:16]
    return f"{PREFIX}{ticket.ticket_id}/{digest}.txt"


def cut_note(description: str) -> str:
    return (
        f"\n[ticketflow: the description is cut here; all {len(description.encode('utf-8')):,} bytes"
        " of it are in the ticket's archive record]"
    )


def opening(description: str) -> str:
    """The longest opening of `description` that, with the note saying it was cut, travels inline."""
    note = cut_note(description)
    budget = limits.DESCRIPTION_INLINE_MAX_BYTES - limits.json_size(note) + 2  # one pair of quotes
    low, high = 0, len(description)  # the JSON size grows with the prefix: search the longest that fits
    while low < high:
        middle = (low + high + 1) // 2
        if limits.json_size(description[:middle]) <= budget:
            low = middle
        else:
            high = middle - 1
    return description[:low] + note


def execution_input(ticket: TicketSubmitted, descriptions: DescriptionStore) -> str:
    """The execution's input: the ticket's event, its description inline or carried (stored first)."""
    event = ticket.to_event()
    description = ticket.data.description
    if not travels_inline(description):
        key = description_key(ticket)
        descriptions.put(key, description)
        data: dict[str, Any] = event["data"]  # type: ignore[assignment]
        data["description"] = opening(description)
        data[POINTER] = key
    return json.dumps(event)


def whole(ticket: TicketSubmitted, data: dict[str, Any], descriptions: DescriptionStore) -> TicketSubmitted:
    """The ticket with its whole description: read back when the execution carried only its opening."""
    key = data.get(POINTER)
    if key is None:
        return ticket
    if not (isinstance(key, str) and key.startswith(f"{PREFIX}{ticket.ticket_id}/")):
        raise ValueError(f"data.{POINTER} is not this ticket's description object")
    text = descriptions.get(key)
    return ticket.model_copy(update={"data": ticket.data.model_copy(update={"description": text})})
