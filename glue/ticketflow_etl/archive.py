"""The S3 ticket archive: list every object under a prefix and fetch many of them concurrently."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

DEFAULT_WORKERS = 8
_DELIMITER = "/"


@dataclass(frozen=True)
class ArchiveObject:
    """One listed object; the ETag (quotes stripped) tells whether its content changed."""

    key: str
    etag: str
    last_modified: datetime


@dataclass(frozen=True)
class FetchedObject:
    """An object's content with the ETag and time of the version actually read."""

    key: str
    etag: str
    last_modified: datetime
    body: bytes


def client_config(max_workers: int = DEFAULT_WORKERS) -> Config:
    """A botocore config whose connection pool fits the fetch pool, for the S3 client given to the ETL."""
    return Config(max_pool_connections=max(max_workers, 10), retries={"mode": "standard", "max_attempts": 5})


def _etag(raw: str) -> str:
    return raw.strip('"')


def _list_level(s3: Any, bucket: str, prefix: str) -> tuple[list[ArchiveObject], list[str]]:
    """The objects directly under `prefix` and its sub-prefixes (one `/` level), all pages."""
    objects: list[ArchiveObject] = []
    prefixes: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix, Delimiter=_DELIMITER
    ):
        objects.extend(
            ArchiveObject(key=item["Key"], etag=_etag(item["ETag"]), last_modified=item["LastModified"])
            for item in page.get("Contents", [])
        )
        prefixes.extend(common["Prefix"] for common in page.get("CommonPrefixes", []))
    return objects, prefixes


def list_archive(
    s3: Any, bucket: str, prefix: str, *, max_workers: int = DEFAULT_WORKERS
) -> list[ArchiveObject]:
    """Every object under `prefix`, sorted by key.

    The archive is partitioned by day (`tickets/YYYY/MM/DD/`), so the listing walks the `/` levels and lists
    sibling prefixes concurrently instead of paging through one flat listing 1,000 keys at a time.
    """
    found: list[ArchiveObject] = []
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="etl-list") as pool:
        pending: set[Future[tuple[list[ArchiveObject], list[str]]]] = {
            pool.submit(_list_level, s3, bucket, prefix)
        }
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                objects, prefixes = future.result()
                found.extend(objects)
                pending.update(pool.submit(_list_level, s3, bucket, sub) for sub in prefixes)
    return sorted(found, key=lambda item: item.key)


def _fetch_one(s3: Any, bucket: str, key: str) -> FetchedObject | None:
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None  # deleted since it was listed: nothing to load, nothing to bookmark
        raise
    with response["Body"] as body:
        content = body.read()
    return FetchedObject(
        key=key, etag=_etag(response["ETag"]), last_modified=response["LastModified"], body=content
    )


def fetch_objects(
    s3: Any, bucket: str, objects: Iterable[ArchiveObject], *, max_workers: int = DEFAULT_WORKERS
) -> Iterator[FetchedObject]:
    """Fetch objects with a bounded pool of `get_object` calls, yielding each as it arrives in order.

    Any error other than a vanished key propagates, so the run fails before anything is committed.
    """
    keys = [item.key for item in objects]
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="etl-fetch") as pool:
        for fetched in pool.map(lambda key: _fetch_one(s3, bucket, key), keys):
            if fetched is not None:
                yield fetched
