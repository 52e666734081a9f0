"""SQS: a message body and its attributes within 1 MiB (the queue maximum since 2025), the characters a body
may hold."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ticketflow_parity.checks import Call, Check, Refusal
from ticketflow_parity.quotas.sns import attributes_size
from ticketflow_parity.sizes import utf8_size

MAX_MESSAGE_BYTES = 1_048_576
ALLOWED = "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
# The complement of ALLOWED, stated directly (a negated class of the supplementary range compiles slowly).
_DISALLOWED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _message(params: Mapping[str, Any]) -> Refusal | None:
    body = params.get("MessageBody")
    if not isinstance(body, str):
        return None
    if (bad := _DISALLOWED.search(body)) is not None:
        return Refusal(
            "InvalidMessageContents",
            f"Invalid binary character '#x{ord(bad.group()):X}' was found in the message body, the set of "
            f"allowed characters is {ALLOWED}",
        )
    attributes = params.get("MessageAttributes")
    size = utf8_size(body) + (attributes_size(attributes) if isinstance(attributes, Mapping) else 0)
    if size > MAX_MESSAGE_BYTES:
        return _too_long()
    return None


def _too_long() -> Refusal:
    return Refusal(
        "InvalidParameterValue",
        "One or more parameters are invalid. "
        f"Reason: Message must be shorter than {MAX_MESSAGE_BYTES} bytes.",
    )


def send_message(call: Call) -> Refusal | None:
    return _message(call.params)


def send_message_batch(call: Call) -> Refusal | None:
    entries = call.params.get("Entries")
    if not isinstance(entries, list):
        return None
    for entry in entries:
        if isinstance(entry, Mapping) and (refusal := _message(entry)) is not None:
            return refusal
    total = sum(
        utf8_size(entry.get("MessageBody", "")) + attributes_size(entry.get("MessageAttributes") or {})
        for entry in entries
        if isinstance(entry, Mapping)
    )
    if total > MAX_MESSAGE_BYTES:
        return Refusal(
            "BatchRequestTooLong",
            f"Batch requests cannot be longer than {MAX_MESSAGE_BYTES} bytes. You have sent {total} bytes.",
        )
    return None


QUOTAS: dict[str, Check] = {"SendMessage": send_message, "SendMessageBatch": send_message_batch}
