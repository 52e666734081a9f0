"""One ETL run: list the archive, fetch what is new or changed, validate, load in one transaction."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ticketflow_etl.archive_reader import DEFAULT_WORKERS, ProcessFetch, fetch_objects, list_archive
from ticketflow_etl.records import Rejection, StagedTicket, latest_per_ticket, parse_record
from ticketflow_etl.warehouse import BeforeCommit, Bookmark, LoadBatch, Warehouse


@dataclass(frozen=True)
class EtlReport:
    """What a run did; `scanned` objects were listed, `fetched` of them were new or changed."""

    bucket: str
    prefix: str
    started_at: str
    scanned: int
    fetched: int
    loaded: int
    rejected: int
    warehouse_rows: int
    seconds: float
    migrations_applied: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        rate = self.fetched / self.seconds if self.seconds > 0 else 0.0
        return (
            f"ETL s3://{self.bucket}/{self.prefix}: scanned {self.scanned}, fetched {self.fetched}, "
            f"loaded {self.loaded}, rejected {self.rejected}; warehouse has {self.warehouse_rows} tickets "
            f"({self.seconds:.2f} s, {rate:.0f} objects/s)"
        )

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path


def run_etl(
    s3: Any,
    bucket: str,
    prefix: str,
    warehouse: Warehouse,
    *,
    max_workers: int = DEFAULT_WORKERS,
    processes: ProcessFetch | None = None,
    before_commit: BeforeCommit | None = None,
) -> EtlReport:
    """Load the archive objects under `s3://bucket/prefix` that the warehouse has not seen in this version.

    A failure anywhere (listing, fetching, the database, `before_commit`) propagates with nothing committed:
    no rows, no rejections, no bookmark. Invalid records are not failures: they become rejections.
    `max_workers` concurrent S3 requests; with `processes` they are spread over a process pool where one can
    start (see `ProcessFetch`), otherwise they are threads on `s3`.
    """
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    applied = warehouse.migrate()
    listed = list_archive(s3, bucket, prefix, max_workers=max_workers)
    done = warehouse.bookmarks()
    todo = [item for item in listed if done.get(item.key) != item.etag]

    staged: list[StagedTicket] = []
    rejections: list[Rejection] = []
    bookmarks: list[Bookmark] = []
    for fetched in fetch_objects(s3, bucket, todo, max_workers=max_workers, processes=processes):
        parsed = parse_record(fetched)
        if isinstance(parsed, StagedTicket):
            staged.append(parsed)
        else:
            rejections.append(parsed)
        bookmarks.append(Bookmark(fetched.key, fetched.etag, fetched.last_modified))

    batch = LoadBatch(
        tickets=latest_per_ticket(staged), rejections=rejections, bookmarks=bookmarks, loaded_at=started_at
    )
    loaded = 0 if batch.is_empty() else warehouse.load(batch, before_commit=before_commit)
    return EtlReport(
        bucket=bucket,
        prefix=prefix,
        started_at=started_at.isoformat(),
        scanned=len(listed),
        fetched=len(bookmarks),
        loaded=loaded,
        rejected=len(rejections),
        warehouse_rows=warehouse.row_count(),
        seconds=round(time.perf_counter() - started, 3),
        migrations_applied=applied,
    )
