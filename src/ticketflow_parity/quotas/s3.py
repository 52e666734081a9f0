"""S3: a key within 1,024 bytes of UTF-8, user metadata within 2 KB (each key and value in UTF-8), a single
PUT within 5 GiB."""

from __future__ import annotations

from collections.abc import Mapping

from ticketflow_parity.checks import Call, Refusal
from ticketflow_parity.sizes import utf8_size

MAX_KEY_BYTES = 1024
MAX_METADATA_BYTES = 2048
MAX_PUT_BYTES = 5 * 1024**3
METADATA_TOO_LARGE = "Your metadata headers exceed the maximum allowed metadata size"


def s3_request(call: Call) -> Refusal | None:
    """Every operation naming a key (GetObject, HeadObject, PutObject, CopyObject, ...)."""
    if utf8_size(call.params.get("Key", "")) > MAX_KEY_BYTES:
        return Refusal("KeyTooLongError", "Your key is too long")
    metadata = call.params.get("Metadata")
    if isinstance(metadata, Mapping):
        size = sum(utf8_size(name) + utf8_size(value) for name, value in metadata.items())
        if size > MAX_METADATA_BYTES:
            return Refusal("MetadataTooLarge", METADATA_TOO_LARGE)
    if call.operation.name == "PutObject" and utf8_size(call.params.get("Body", b"")) > MAX_PUT_BYTES:
        return Refusal("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
    return None
