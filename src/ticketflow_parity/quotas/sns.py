"""SNS Publish: the message and its attributes within 256 KiB, the Subject's rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ticketflow_parity.checks import Call, Check, Refusal
from ticketflow_parity.quotas.messages import batch_refusal, message_size

MAX_MESSAGE_BYTES = 262_144  # not raised in 2025, unlike SQS and asynchronous Lambda
MAX_SUBJECT_CHARACTERS = 99  # "must be less than 100 characters long"


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
    if message_size(params, "Message") > MAX_MESSAGE_BYTES:
        return Refusal("InvalidParameter", "Invalid parameter: Message too long")
    return None


def publish(call: Call) -> Refusal | None:
    return _entry(call.params)


def _batch_too_long(_total: int) -> Refusal:
    return Refusal(
        "BatchRequestTooLong", "The length of all the messages put together is more than the limit."
    )


def publish_batch(call: Call) -> Refusal | None:
    entries = call.params.get("PublishBatchRequestEntries")
    return batch_refusal(entries, _entry, "Message", max_bytes=MAX_MESSAGE_BYTES, too_long=_batch_too_long)


QUOTAS: dict[str, Check] = {"Publish": publish, "PublishBatch": publish_batch}
