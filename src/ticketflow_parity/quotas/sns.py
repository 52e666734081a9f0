"""SNS Publish: the message and its attributes within 256 KiB, the Subject's rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ticketflow_parity.checks import Call, Check, Refusal
from ticketflow_parity.sizes import utf8_size

MAX_MESSAGE_BYTES = 262_144  # not raised in 2025, unlike SQS and asynchronous Lambda
MAX_SUBJECT_CHARACTERS = 99  # "must be less than 100 characters long"


def attributes_size(attributes: Mapping[str, Any]) -> int:
    """Each attribute's name, data type and value count towards the message's size."""
    total = 0
    for name, attribute in attributes.items():
        if isinstance(attribute, Mapping):
            total += utf8_size(name) + utf8_size(attribute.get("DataType", ""))
            total += utf8_size(attribute.get("StringValue", ""))
            total += utf8_size(attribute.get("BinaryValue", b""))
    return total


def subject_is_valid(subject: str) -> bool:
    """ "ASCII text that begins with a letter, number, or punctuation mark; must not include line breaks or
    control characters; and must be less than 100 characters long" (Publish reference)."""
    return (
        0 < len(subject) <= MAX_SUBJECT_CHARACTERS
        and subject.isascii()
        and subject.isprintable()
        and not subject[0].isspace()
    )


def _entry(params: Mapping[str, Any]) -> Refusal | None:
    subject = params.get("Subject")
    if isinstance(subject, str) and not subject_is_valid(subject):
        return Refusal("InvalidParameter", "Invalid parameter: Subject")
    message = params.get("Message")
    if message == "":
        return Refusal("InvalidParameter", "Invalid parameter: Empty message")
    attributes = params.get("MessageAttributes")
    size = utf8_size(message or "") + (attributes_size(attributes) if isinstance(attributes, Mapping) else 0)
    if size > MAX_MESSAGE_BYTES:
        return Refusal("InvalidParameter", "Invalid parameter: Message too long")
    return None


def publish(call: Call) -> Refusal | None:
    return _entry(call.params)


def publish_batch(call: Call) -> Refusal | None:
    entries = call.params.get("PublishBatchRequestEntries")
    if not isinstance(entries, list):
        return None
    for entry in entries:
        if isinstance(entry, Mapping) and (refusal := _entry(entry)) is not None:
            return refusal
    total = sum(
        utf8_size(entry.get("Message", "")) + attributes_size(entry.get("MessageAttributes") or {})
        for entry in entries
        if isinstance(entry, Mapping)
    )
    if total > MAX_MESSAGE_BYTES:
        return Refusal(
            "BatchRequestTooLong", "The length of all the messages put together is more than the limit."
        )
    return None


QUOTAS: dict[str, Check] = {"Publish": publish, "PublishBatch": publish_batch}
