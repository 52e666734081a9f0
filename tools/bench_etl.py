"""Benchmark the warehouse ETL: archive N generated tickets in the emulator's S3, load them, load again.

    python tools/bench_etl.py [--count 10000] [--workers 8] [--processes 2] [--bucket NAME] [--repeat 1]

Uses the local stack from `Settings` (emulator and warehouse must be running: `ticketflow up`); works in a
bucket and a database of its own, both removed afterwards. Prints tickets/s for the full run and the time
of a run that finds nothing new. `--bucket NAME` keeps the archive between benchmarks: the bucket is created
and filled on first use, reused as it is afterwards (when it holds `--count` objects) and never removed;
each repeat loads into a fresh database.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import psycopg
from botocore.exceptions import ClientError
from psycopg import sql
from psycopg.conninfo import make_conninfo

from ticketflow.model import Priority, ProcessedTicket, Sentiment
from ticketflow_dev.core.aws import Clients, client_kwargs, remove_bucket
from ticketflow_etl.archive_reader import DEFAULT_PROCESSES, ProcessFetch, client_config, s3_client
from ticketflow_etl.postgres import PostgresWarehouse
from ticketflow_etl.run import EtlReport, run_etl
from ticketflow_infra.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PREFIX = "tickets/"
START = datetime(2026, 1, 1, tzinfo=UTC)
PRODUCTS = ("CloudSync Pro", "DataVault", "InsightBoard", "PayFlow")


def generated(number: int) -> ProcessedTicket:
    submitted = START + timedelta(minutes=4 * number)  # 10,000 tickets span about four weeks
    return ProcessedTicket(
        ticket_id=f"TKT-{submitted:%Y%m%d}-{number:05d}",
        submitted_at=submitted,
        customer_first_name="Sam",
        customer_last_name=f"Customer{number}",
        customer_full_name=f"Sam Customer{number}",
        customer_email=f"sam{number}@example.com",
        customer_company="Example Ltd",
        product=PRODUCTS[number % len(PRODUCTS)],
        issue_type="Login",
        subject=f"Cannot sign in (case {number})",
        description="Since the last update the sign-in page loops back to itself. " * 4,
        response_text="Thank you for reporting this; we have reset your session. " * 3,
        sentiment=list(Sentiment)[number % 4],
        sentiment_score_positive=0.1,
        sentiment_score_negative=0.7,
        sentiment_score_neutral=0.15,
        sentiment_score_mixed=0.05,
        priority=list(Priority)[number % 4],
        priority_reasoning="The customer cannot use the product.",
        processed_at=submitted + timedelta(seconds=5 + number % 40),
    )


def put_all(s3: S3Client, bucket: str, count: int, workers: int) -> float:
    def put(number: int) -> None:
        ticket = generated(number)
        s3.put_object(Bucket=bucket, Key=ticket.archive_key(), Body=ticket.model_dump_json().encode())

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(put, range(count)))
    return time.perf_counter() - started


def archived_count(s3: S3Client, bucket: str) -> int | None:
    """Objects under the archive prefix, or None when the bucket does not exist."""
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        return None
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX)
    return sum(int(page.get("KeyCount", 0)) for page in pages)


def say(text: str) -> None:
    sys.stdout.write(text + "\n")


def line(label: str, report: EtlReport) -> str:
    rate = report.fetched / report.seconds if report.seconds else 0.0
    return (
        f"{label:<14} {report.seconds:7.2f} s  scanned {report.scanned:>6}  loaded {report.loaded:>6}  "
        f"{rate:8.0f} tickets/s"
    )


def bench_once(
    settings: Settings, s3: S3Client, bucket: str, workers: int, processes: ProcessFetch | None
) -> None:
    database = f"bench_etl_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(settings.warehouse_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    try:
        with PostgresWarehouse.connect(make_conninfo(settings.warehouse_url, dbname=database)) as warehouse:
            full = run_etl(s3, bucket, PREFIX, warehouse, max_workers=workers, processes=processes)
            say(line("full load", full))
            empty = run_etl(s3, bucket, PREFIX, warehouse, max_workers=workers, processes=processes)
            say(line("nothing new", empty))
    finally:
        with psycopg.connect(settings.warehouse_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=8, help="concurrent S3 requests of the ETL")
    parser.add_argument(
        "--processes",
        type=int,
        default=DEFAULT_PROCESSES,
        help="fetch processes of the ETL (0: threads only)",
    )
    parser.add_argument("--plain-client", action="store_true", help="the ETL on a default boto3 S3 client")
    parser.add_argument("--put-workers", type=int, default=16)
    parser.add_argument("--bucket", help="reuse (or create and fill once) this archive bucket; never removed")
    parser.add_argument("--repeat", type=int, default=1, help="full load + empty run this many times")
    args = parser.parse_args()

    settings = Settings.load()
    kwargs = client_kwargs(settings)  # the emulator's endpoint and dummy credentials in the local profile
    kwargs["config"] = kwargs["config"].merge(client_config(max(args.workers, args.put_workers)))
    s3 = Clients.from_kwargs(kwargs)("s3")
    etl_kwargs = client_kwargs(settings)
    etl_s3 = s3 if args.plain_client else s3_client(etl_kwargs, max_workers=args.workers)
    processes = ProcessFetch(etl_kwargs, args.processes) if args.processes > 0 else None
    bucket = args.bucket or f"bench-etl-{uuid.uuid4().hex[:10]}"
    existing = archived_count(s3, bucket) if args.bucket else None
    try:
        if existing is None:
            s3.create_bucket(Bucket=bucket)
        if existing != args.count:
            if existing:
                sys.exit(f"bucket {bucket} holds {existing} objects under {PREFIX}, not {args.count}")
            seconds = put_all(s3, bucket, args.count, args.put_workers)
            say(f"archived {args.count} tickets in {seconds:.1f} s ({args.count / seconds:.0f}/s)")
        else:
            say(f"reusing {existing} archived tickets in s3://{bucket}/{PREFIX}")
        for _ in range(args.repeat):
            bench_once(settings, etl_s3, bucket, args.workers, processes)
    finally:
        if not args.bucket:
            remove_bucket(s3, bucket)


if __name__ == "__main__":
    main()
