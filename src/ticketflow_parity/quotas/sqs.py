"""SQS: a message body and its attributes within 1 MiB (the queue maximum since 2025), the characters a body
may hold."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ticketflow_parity.checks import Call, Check, Refusal
from ticketflow_parity.quotas.messages import batch_refusal, message_size

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
    if message_size(params, "MessageBody") > MAX_MESSAGE_BYTES:
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


def _batch_too_long(total: int) -> Refusal:
    return Refusal(
        "BatchRequestTooLong",
        f"Batch requests cannot be longer than {MAX_MESSAGE_BYTES} bytes. You have sent {total} bytes.",
    )


def send_message_batch(call: Call) -> Refusal | None:
    entries = call.params.get("Entries")
    return batch_refusal(
        entries, _message, "MessageBody", max_bytes=MAX_MESSAGE_BYTES, too_long=_batch_too_long
    )


QUOTAS: dict[str, Check] = {"SendMessage": send_message, "SendMessageBatch": send_message_batch}
