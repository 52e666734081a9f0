"""One archive object to one validated ticket, or to a rejection with a reason; never an exception."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ValidationError

from ticketflow.model import ProcessedTicket
from ticketflow_etl.archive_reader import FetchedObject

MAX_REASON_CHARS = 2000


@dataclass(frozen=True)
class StagedTicket:
    """A valid record and the archive object version it came from."""

    ticket: ProcessedTicket
    s3_key: str
    s3_etag: str


@dataclass(frozen=True)
class Rejection:
    """A record the model refused: bad JSON, a missing or null required field, a wrong type or value."""

    s3_key: str
    s3_etag: str
    reason: str


Parsed = StagedTicket | Rejection


def _reason(error: ValidationError) -> str:
    parts = []
    for detail in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in detail["loc"]) or "record"
        parts.append(f"{where}: {detail['msg']}")
    return "; ".join(parts)[:MAX_REASON_CHARS]


def parse_record(fetched: FetchedObject) -> Parsed:
    """Validate one archive object with the shared model."""
    try:
        ticket = ProcessedTicket.model_validate_json(fetched.body)
    except ValidationError as error:
        return Rejection(s3_key=fetched.key, s3_etag=fetched.etag, reason=_reason(error))
    return StagedTicket(ticket=ticket, s3_key=fetched.key, s3_etag=fetched.etag)


def latest_per_ticket(staged: Iterable[StagedTicket]) -> list[StagedTicket]:
    """One record per ticket id, the most recently processed (then the greatest key), for a keyed MERGE."""
    best: dict[str, StagedTicket] = {}
    for item in staged:
        current = best.get(item.ticket.ticket_id)
        if current is None or (item.ticket.processed_at, item.s3_key) > (
            current.ticket.processed_at,
            current.s3_key,
        ):
            best[item.ticket.ticket_id] = item
    return sorted(best.values(), key=lambda item: item.ticket.ticket_id)
