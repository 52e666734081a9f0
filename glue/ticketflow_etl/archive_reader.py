"""The S3 ticket archive: list every object under a prefix and fetch many of them concurrently.

Fetching is CPU-bound on the client (botocore spends a few milliseconds of CPU per `get_object`, and
threads share one GIL), so where processes can start the objects are fetched by a small process pool, each
process with its own client and threads (`ProcessFetch`); elsewhere (AWS Lambda has no `/dev/shm` for
multiprocessing) by threads on the one client.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.utils import parse_timestamp

DEFAULT_WORKERS = 8
DEFAULT_PROCESSES = 2
_DELIMITER = "/"
_CHUNK = 250  # at most this many keys per task handed to a fetch process

logger = logging.getLogger(__name__)


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
    """A botocore config whose connection pool fits the fetch pool, for the S3 client given to the ETL.

    The ETL's requests are built by this module from listed keys, so botocore's client-side parameter
    validation (measurable CPU per request) is off.
    """
    return Config(
        max_pool_connections=max(max_workers, 10),
        retries={"mode": "standard", "max_attempts": 5},
        parameter_validation=False,
    )


def _timestamp(value: Any) -> datetime:
    """botocore's timestamp parser without dateutil for the two forms S3 sends (ISO 8601 in XML bodies,
    RFC 7231 in headers): dateutil costs ~85 µs a timestamp, most of an empty run's 10,000-key listing."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            try:
                parsed = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    result: datetime = parse_timestamp(value)
    return result


def s3_client(client_kwargs: Mapping[str, Any], *, max_workers: int = DEFAULT_WORKERS) -> Any:
    """An S3 client for the archive from boto3 `client()` keyword arguments (region, endpoint, credentials,
    config): its own botocore session, whose responses parse timestamps without dateutil, and `client_config`
    merged into the given config."""
    kwargs = dict(client_kwargs)
    config = client_config(max_workers)
    kwargs["config"] = kwargs["config"].merge(config) if kwargs.get("config") else config
    core = botocore.session.get_session()
    core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_timestamp)
    return boto3.session.Session(botocore_session=core).client("s3", **kwargs)


@dataclass(frozen=True)
class ProcessFetch:
    """Fetch with `processes` worker processes, each with its own client made by `s3_client(client_kwargs)`;
    the run's `max_workers` concurrent requests are shared between them. Falls back to threads on the run's
    client where a process pool cannot start."""

    client_kwargs: Mapping[str, Any] = field(repr=False)
    processes: int = DEFAULT_PROCESSES
    min_objects: int = 200
    """Fewer new objects than this are fetched with threads: starting the processes would cost more."""


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


def _fetch_threads(s3: Any, bucket: str, keys: list[str], max_workers: int) -> Iterator[FetchedObject]:
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="etl-fetch") as pool:
        for fetched in pool.map(lambda key: _fetch_one(s3, bucket, key), keys):
            if fetched is not None:
                yield fetched


_process_client: Any = None
_process_threads = 1


def _start_process(client_kwargs: Mapping[str, Any], threads: int) -> None:
    global _process_client, _process_threads  # noqa: PLW0603 -- one client per worker process
    _process_client = s3_client(client_kwargs, max_workers=threads)
    _process_threads = threads


def _fetch_chunk(bucket: str, keys: list[str]) -> list[FetchedObject]:
    return list(_fetch_threads(_process_client, bucket, keys, _process_threads))


def _start_context() -> multiprocessing.context.BaseContext:
    """How fetch processes start. Linux: forkserver with this module preloaded, so workers start with boto3
    imported, forked from a clean single-threaded server (a plain fork of this threaded process risks a
    deadlock, and Python 3.12+ warns of it). Elsewhere the platform's default: spawn on macOS, where fork
    is unsafe."""
    if sys.platform == "linux" and "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context()


def _process_pool(spec: ProcessFetch, max_workers: int) -> Executor | None:
    """A process pool for fetching, or None where one cannot start (no working semaphores, e.g. Lambda)."""
    context = _start_context()
    threads = max(1, max_workers // spec.processes)
    try:
        return ProcessPoolExecutor(
            spec.processes,
            mp_context=context,
            initializer=_start_process,
            initargs=(spec.client_kwargs, threads),
        )
    except (OSError, NotImplementedError, ImportError) as error:
        logger.warning("no process pool for fetching (%s); fetching with threads", error)
        return None


def fetch_objects(
    s3: Any,
    bucket: str,
    objects: Iterable[ArchiveObject],
    *,
    max_workers: int = DEFAULT_WORKERS,
    processes: ProcessFetch | None = None,
) -> Iterator[FetchedObject]:
    """Fetch objects with a bounded pool of `get_object` calls, yielding each as it arrives in order.

    With `processes` (and at least its `min_objects` keys) the calls are spread over a process pool; without,
    or where no process pool can start, they are threads on `s3`. Any error other than a vanished key
    propagates, so the run fails before anything is committed.
    """
    keys = [item.key for item in objects]
    pool = None
    if processes is not None and processes.processes > 0 and len(keys) >= max(processes.min_objects, 2):
        pool = _process_pool(processes, max_workers)
    if pool is None or processes is None:
        yield from _fetch_threads(s3, bucket, keys, max_workers)
        return
    size = min(
        _CHUNK, -(-len(keys) // (4 * processes.processes))
    )  # at least four tasks per process, to balance them
    chunks = [keys[start : start + size] for start in range(0, len(keys), size)]
    try:
        for fetched in pool.map(_fetch_chunk, [bucket] * len(chunks), chunks):
            yield from fetched
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # a failed chunk fails the run now, not after the rest
