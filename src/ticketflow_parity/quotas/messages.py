"""What SNS and SQS count alike: a message with its attributes, and a batch whose entries are each checked as
one message and then sized together."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ticketflow_parity.checks import Refusal
from ticketflow_parity.sizes import utf8_size


def attributes_size(attributes: Any) -> int:
    """Each attribute's name, data type and value count towards the message's size."""
    if not isinstance(attributes, Mapping):
        return 0
    total = 0
    for name, attribute in attributes.items():
        if isinstance(attribute, Mapping):
            total += utf8_size(name) + utf8_size(attribute.get("DataType", ""))
            total += utf8_size(attribute.get("StringValue", ""))
            total += utf8_size(attribute.get("BinaryValue", b""))
    return total


def message_size(params: Mapping[str, Any], body: str) -> int:
    """The `body` member's bytes and its attributes'."""
    return utf8_size(params.get(body) or "") + attributes_size(params.get("MessageAttributes"))


def batch_refusal(
    entries: Any,
    one: Callable[[Mapping[str, Any]], Refusal | None],
    body: str,
    *,
    max_bytes: int,
    too_long: Callable[[int], Refusal],
) -> Refusal | None:
    """The first entry that `one` refuses, else `too_long(total)` when all together exceed `max_bytes`."""
    if not isinstance(entries, list):
        return None
    messages = [entry for entry in entries if isinstance(entry, Mapping)]
    for entry in messages:
        if (refusal := one(entry)) is not None:
            return refusal
    total = sum(message_size(entry, body) for entry in messages)
    return too_long(total) if total > max_bytes else None
