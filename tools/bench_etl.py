"""Benchmark the warehouse ETL: archive N generated tickets in the emulator's S3, load them, load again.

    python tools/bench_etl.py [--count 10000] [--workers 8]

Uses the local stack from `Settings` (emulator and warehouse must be running: `ticketflow up`); works in a
bucket and a database of its own, both removed afterwards. Prints tickets/s for the full run and the time
of a run that finds nothing new.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from ticketflow_etl.archive import client_config
from ticketflow_etl.postgres import PostgresWarehouse
from ticketflow_etl.run import EtlReport, run_etl

from ticketflow.aws import client_kwargs
from ticketflow.model import Priority, ProcessedTicket, Sentiment
from ticketflow.settings import Settings

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


def put_all(s3: Any, bucket: str, count: int, workers: int) -> float:
    def put(number: int) -> None:
        ticket = generated(number)
        s3.put_object(Bucket=bucket, Key=ticket.archive_key(), Body=ticket.model_dump_json().encode())

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(put, range(count)))
    return time.perf_counter() - started


def empty_bucket(s3: Any, bucket: str) -> None:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    s3.delete_bucket(Bucket=bucket)


def say(text: str) -> None:
    sys.stdout.write(text + "\n")


def line(label: str, report: EtlReport) -> str:
    rate = report.fetched / report.seconds if report.seconds else 0.0
    return (
        f"{label:<14} {report.seconds:7.2f} s  scanned {report.scanned:>6}  loaded {report.loaded:>6}  "
        f"{rate:8.0f} tickets/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=8, help="concurrent S3 requests of the ETL")
    parser.add_argument("--put-workers", type=int, default=16)
    args = parser.parse_args()

    settings = Settings.load()
    kwargs = client_kwargs(settings)  # the emulator's endpoint and dummy credentials in the local profile
    kwargs["config"] = kwargs["config"].merge(client_config(max(args.workers, args.put_workers)))
    s3 = boto3.session.Session().client("s3", **kwargs)
    bucket = f"bench-etl-{uuid.uuid4().hex[:10]}"
    database = f"bench_etl_{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    with psycopg.connect(settings.warehouse_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    try:
        seconds = put_all(s3, bucket, args.count, args.put_workers)
        say(f"archived {args.count} tickets in {seconds:.1f} s ({args.count / seconds:.0f}/s)")
        with PostgresWarehouse.connect(make_conninfo(settings.warehouse_url, dbname=database)) as warehouse:
            full = run_etl(s3, bucket, PREFIX, warehouse, max_workers=args.workers)
            say(line("full load", full))
            empty = run_etl(s3, bucket, PREFIX, warehouse, max_workers=args.workers)
            say(line("nothing new", empty))
    finally:
        empty_bucket(s3, bucket)
        with psycopg.connect(settings.warehouse_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


if __name__ == "__main__":
    main()
