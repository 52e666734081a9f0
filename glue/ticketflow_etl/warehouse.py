"""The warehouse interface the ETL loads through, and the batch it hands over.

Two adapters implement it: `PostgresWarehouse` (local, tested here) and `RedshiftDataWarehouse` (AWS, via the
Redshift Data API). A `load` is one transaction: the ticket rows, the rejections and the bookmark of every
object they came from commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ticketflow import limits
from ticketflow.model import ProcessedTicket
from ticketflow_etl.records import Rejection, StagedTicket

TICKET_FIELDS: tuple[str, ...] = tuple(ProcessedTicket.model_fields)
"""The record's fields, which are also the first columns of `processed_tickets`."""
TICKET_COLUMNS: tuple[str, ...] = (*TICKET_FIELDS, "description_truncated", "s3_key", "s3_etag", "loaded_at")


@dataclass(frozen=True)
class Bookmark:
    """An archive object version that is done (loaded or rejected)."""

    s3_key: str
    s3_etag: str
    last_modified: datetime


@dataclass(frozen=True)
class LoadBatch:
    """What one run commits: rows to merge, rejections to record and the bookmarks covering both."""

    tickets: Sequence[StagedTicket]
    rejections: Sequence[Rejection]
    bookmarks: Sequence[Bookmark]
    loaded_at: datetime

    def is_empty(self) -> bool:
        return not (self.tickets or self.rejections or self.bookmarks)


BeforeCommit = Callable[[LoadBatch], None]
"""Called after everything is staged and merged, before the commit; raising aborts the load."""


def ticket_row(staged: StagedTicket, loaded_at: datetime) -> dict[str, Any]:
    """The JSON-ready row of one ticket, the same for both warehouses: the record's fields, then where it came
    from and when it loaded.

    Shaped to what the columns hold (docs/limits.md): the model bounds every field but the description, so
    the description alone is cut, to its opening of at most 65,535 bytes of UTF-8 on a character boundary
    (Redshift's VARCHAR(65535) counts bytes), and `description_truncated` says so; the archive object at
    `s3_key` holds all of it.
    """
    row: dict[str, Any] = staged.ticket.model_dump(mode="json")
    description = limits.utf8_prefix(row["description"], limits.WAREHOUSE_TEXT_MAX_BYTES)
    row.update(
        description=description,
        description_truncated=len(description) < len(row["description"]),
        s3_key=staged.s3_key,
        s3_etag=staged.s3_etag,
        loaded_at=loaded_at.isoformat(),
    )
    return row


class Warehouse(Protocol):
    """Where the tickets land."""

    def migrate(self) -> list[str]:
        """Apply pending schema migrations; return the versions applied now."""
        ...

    def bookmarks(self) -> dict[str, str]:
        """The done archive objects: S3 key to ETag."""
        ...

    def load(self, batch: LoadBatch, before_commit: BeforeCommit | None = None) -> int:
        """Merge, record rejections and move the bookmark in one transaction; return rows merged."""
        ...

    def row_count(self) -> int:
        """Rows in `processed_tickets`."""
        ...
