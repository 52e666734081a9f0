"""Kinesis: a record's data and partition key within 1 MiB (a stream's default `MaxRecordSizeInKiB`; the
model allows 10 MiB for streams raised to it), PutRecords within 10 MiB and 500 records (the model)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ticketflow_parity.checks import Call, Check, Refusal
from ticketflow_parity.model_constraints import Violation
from ticketflow_parity.sizes import utf8_size
from ticketflow_parity.wording import validation_message

MAX_RECORD_BYTES = 1_048_576
MAX_REQUEST_BYTES = 10 * 1_048_576


def record_size(record: Mapping[str, Any]) -> int:
    return utf8_size(record.get("Data", b"")) + utf8_size(record.get("PartitionKey", ""))


def _too_large(path: str, record: Mapping[str, Any]) -> Violation:
    data = record.get("Data", b"")
    buffer = f"java.nio.HeapByteBuffer[pos=0 lim={utf8_size(data)} cap={utf8_size(data)}]"
    return Violation(path, buffer, f"Member must have length less than or equal to {MAX_RECORD_BYTES}")


def put_record(call: Call) -> Refusal | None:
    if record_size(call.params) > MAX_RECORD_BYTES:
        return Refusal("ValidationException", validation_message([_too_large("data", call.params)]))
    return None


def put_records(call: Call) -> Refusal | None:
    records = call.params.get("Records")
    if not isinstance(records, list):
        return None
    too_large = [
        _too_large(f"records.{index}.member.data", record)
        for index, record in enumerate(records, start=1)
        if isinstance(record, Mapping) and record_size(record) > MAX_RECORD_BYTES
    ]
    if too_large:
        return Refusal("ValidationException", validation_message(too_large))
    if sum(record_size(record) for record in records if isinstance(record, Mapping)) > MAX_REQUEST_BYTES:
        # Wording unverified (moto words the old 5 MB limit "Records size exceeds 5 MB limit").
        return Refusal("InvalidArgumentException", "Records size exceeds 10 MB limit")
    return None


QUOTAS: dict[str, Check] = {"PutRecord": put_record, "PutRecords": put_records}
