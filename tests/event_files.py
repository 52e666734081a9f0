"""The one loader of the canonical event JSON in tests/events/, for every test tier.

Import it as `from tests.event_files import load_event` (the repository root is on sys.path).
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

EVENTS_DIR = Path(__file__).resolve().parent / "events"

TICKET_SUBMITTED = "ticket_submitted.json"  # a valid TicketSubmitted event, as a producer writes it
KINESIS_BATCH = "kinesis_batch.json"  # the Lambda event of a Kinesis batch (base64 records)
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
