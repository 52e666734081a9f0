"""Lambda Invoke: the payload within 6 MB synchronously, 1 MiB for an asynchronous (Event) invocation."""

from __future__ import annotations

from ticketflow_parity.checks import Call, Check, Refusal
from ticketflow_parity.sizes import utf8_size

MAX_SYNC_BYTES = 6_291_456
MAX_EVENT_BYTES = 1_048_576  # raised from 256 KB in 2025


def invoke(call: Call) -> Refusal | None:
    size = utf8_size(call.params.get("Payload", b""))
    if call.params.get("InvocationType") == "Event":
        if size > MAX_EVENT_BYTES:
            return Refusal(
                "RequestEntityTooLargeException",
                f"{size} byte payload is too large for the Event invocation type "
                f"(limit {MAX_EVENT_BYTES} bytes)",
                413,
            )
    elif size > MAX_SYNC_BYTES:
        return Refusal(
            "RequestEntityTooLargeException",
            f"Request must be smaller than {MAX_SYNC_BYTES} bytes for the InvokeFunction operation",
            413,
        )
    return None


QUOTAS: dict[str, Check] = {"Invoke": invoke}
