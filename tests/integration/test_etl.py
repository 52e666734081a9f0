"""The warehouse ETL against a real S3 API (the emulator) and a real PostgreSQL 18.

Each test gets its own bucket and its own database on the local stack's warehouse server.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import psycopg
import pytest
import typer
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from psycopg import sql
from psycopg.conninfo import make_conninfo
from typer.testing import CliRunner

from tests.largest_tickets import ticket_id
from ticketflow import limits
from ticketflow.model import Priority, ProcessedTicket, Sentiment
from ticketflow_dev.cli.etl import etl_command
from ticketflow_dev.core.aws import client_kwargs, remove_bucket
from ticketflow_etl.archive_reader import ProcessFetch, s3_client
from ticketflow_etl.migrations import load_migrations
from ticketflow_etl.postgres import PostgresWarehouse, processed_rows
from ticketflow_etl.run import EtlReport, run_etl
from ticketflow_etl.warehouse import LoadBatch

if TYPE_CHECKING:
    from tests.conftest import LocalStack


PREFIX = "tickets/"
DAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def endpoints(local_stack: LocalStack) -> LocalStack:
    """The local stack's warehouse server and emulator (started for the session if not running)."""
    return local_stack


@pytest.fixture
def database_url(endpoints: LocalStack) -> Iterator[str]:
    """A fresh, empty database on the warehouse server, dropped afterwards."""
    name = f"etl_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(endpoints.warehouse_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_conninfo(endpoints.warehouse_url, dbname=name)
    finally:
        with psycopg.connect(endpoints.warehouse_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def s3_kwargs(endpoints: LocalStack) -> dict[str, Any]:
    return client_kwargs(endpoints.settings)


@pytest.fixture
def s3(s3_kwargs: dict[str, Any]) -> Any:
    """The archive client the CLI uses (`s3_client`)."""
    return s3_client(s3_kwargs)


@pytest.fixture
def bucket(s3: Any) -> Iterator[str]:
    name = f"etl-test-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    try:
        yield name
    finally:
        remove_bucket(s3, name)


@pytest.fixture
def warehouse(database_url: str) -> Iterator[PostgresWarehouse]:
    with PostgresWarehouse.connect(database_url) as opened:
        yield opened


@pytest.fixture
def db(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A second connection, for the test's own queries."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        yield connection


def ticket(number: int, *, day: int = 0, **changes: Any) -> ProcessedTicket:
    submitted = DAY + timedelta(days=day, minutes=number)
    values: dict[str, Any] = {
        "ticket_id": f"TKT-{submitted:%Y%m%d}-{number:04d}",
        "submitted_at": submitted,
        "customer_first_name": "Ada",
        "customer_last_name": "Lovelace",
        "customer_full_name": "Ada Lovelace",
        "customer_email": "ada@example.com",
        "customer_company": "Analytical Engines",
        "product": ["CloudSync Pro", "DataVault"][number % 2],
        "issue_type": "Login",
        "subject": f"Cannot log in ({number})",
        "description": "The login page rejects my password since this morning.",
        "response_text": "We are sorry; we reset your session, please try again.",
        "sentiment": Sentiment.NEGATIVE,
        "sentiment_score_positive": 0.01,
        "sentiment_score_negative": 0.9,
        "sentiment_score_neutral": 0.08,
        "sentiment_score_mixed": 0.01,
        "priority": Priority.HIGH,
        "priority_reasoning": "Blocked from the product.",
        "processed_at": submitted + timedelta(seconds=10 + number),
    }
    values.update(changes)
    return ProcessedTicket.model_validate(values)


def archive(s3: Any, bucket: str, *tickets: ProcessedTicket) -> None:
    for item in tickets:
        s3.put_object(Bucket=bucket, Key=item.archive_key(), Body=item.model_dump_json().encode())


def put_raw(s3: Any, bucket: str, key: str, body: str) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode())


def etl(s3: Any, bucket: str, warehouse: PostgresWarehouse, **kwargs: Any) -> EtlReport:
    return run_etl(s3, bucket, PREFIX, warehouse, max_workers=4, **kwargs)


def scalar(db: psycopg.Connection[Any], query: str, *params: object) -> Any:
    row = db.execute(query.encode(), params or None).fetchone()
    assert row is not None
    return row[0]


def snapshot(db: psycopg.Connection[Any]) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "tickets": db.execute("SELECT * FROM processed_tickets ORDER BY ticket_id").fetchall(),
        "bookmarks": db.execute("SELECT * FROM etl_bookmarks ORDER BY s3_key").fetchall(),
        "rejected": db.execute("SELECT * FROM rejected_records ORDER BY id").fetchall(),
    }


def test_first_run_loads_every_archived_ticket(
    s3: Any, bucket: str, warehouse: PostgresWarehouse, db: Any
) -> None:
    # GIVEN twelve processed tickets archived over three days, and an object outside the prefix
    tickets = [ticket(n, day=n % 3) for n in range(12)]
    archive(s3, bucket, *tickets)
    put_raw(s3, bucket, "exports/unrelated.json", "{}")

    # WHEN the ETL runs against an empty warehouse
    report = etl(s3, bucket, warehouse)

    # THEN the schema was created, every ticket loaded once and the row holds the record's values
    assert report.migrations_applied == ["001", "002", "003"]
    assert (report.scanned, report.fetched, report.loaded, report.rejected) == (12, 12, 12, 0)
    assert report.warehouse_rows == 12
    sample = tickets[5]
    row = db.execute(
        "SELECT submitted_at, processed_at, customer_full_name, priority, sentiment_score_negative, s3_key"
        " FROM processed_tickets WHERE ticket_id = %s",
        (sample.ticket_id,),
    ).fetchone()
    assert row == (
        sample.submitted_at,
        sample.processed_at,
        "Ada Lovelace",
        "HIGH",
        0.9,
        sample.archive_key(),
    )


def test_the_row_count_is_none_before_the_first_run_and_the_reports_after(
    s3: Any, bucket: str, database_url: str, warehouse: PostgresWarehouse
) -> None:
    # GIVEN an empty warehouse (no table yet) and three archived tickets
    before = processed_rows(database_url, connect_timeout=5)
    archive(s3, bucket, *(ticket(n) for n in range(3)))

    # WHEN the ETL runs
    report = etl(s3, bucket, warehouse)

    # THEN the console's and the snapshots' count said "no table" before it, and says what the report says
    assert before is None
    assert processed_rows(database_url, connect_timeout=5) == report.warehouse_rows == 3


def test_second_run_loads_nothing(s3: Any, bucket: str, warehouse: PostgresWarehouse, db: Any) -> None:
    # GIVEN an archive that has been loaded
    archive(s3, bucket, *(ticket(n) for n in range(5)))
    etl(s3, bucket, warehouse)
    before = snapshot(db)

    # WHEN the ETL runs again with nothing new
    report = etl(s3, bucket, warehouse)

    # THEN it scanned the archive, read nothing, and the warehouse is exactly as it was
    assert (report.scanned, report.fetched, report.loaded, report.rejected) == (5, 0, 0, 0)
    assert report.migrations_applied == []
    assert snapshot(db) == before


def test_new_objects_are_picked_up_incrementally(
    s3: Any, bucket: str, warehouse: PostgresWarehouse, db: Any
) -> None:
    # GIVEN a loaded archive to which three tickets are added on a new day
    archive(s3, bucket, *(ticket(n) for n in range(4)))
    etl(s3, bucket, warehouse)
    archive(s3, bucket, *(ticket(n, day=1) for n in range(10, 13)))

    # WHEN the ETL runs
    report = etl(s3, bucket, warehouse)

    # THEN only the new objects were read and loaded
    assert (report.scanned, report.fetched, report.loaded) == (7, 3, 3)
    assert report.warehouse_rows == 7
    assert scalar(db, "SELECT count(*) FROM etl_bookmarks") == 7


def test_changed_object_updates_its_row(s3: Any, bucket: str, warehouse: PostgresWarehouse, db: Any) -> None:
    # GIVEN a loaded ticket that is then re-processed with another priority, on the same key
    original = ticket(1)
    archive(s3, bucket, original, ticket(2))
    etl(s3, bucket, warehouse)
    reprocessed = ticket(
        1,
        priority=Priority.CRITICAL,
        priority_reasoning="Outage for the whole company.",
        processed_at=original.processed_at + timedelta(hours=1),
    )
    archive(s3, bucket, reprocessed)

    # WHEN the ETL runs
    report = etl(s3, bucket, warehouse)

    # THEN that one object was re-read and its row updated in place
    assert (report.fetched, report.loaded, report.warehouse_rows) == (1, 1, 2)
    row = db.execute(
        "SELECT priority, priority_reasoning, processed_at FROM processed_tickets WHERE ticket_id = %s",
        (original.ticket_id,),
    ).fetchone()
    assert row == ("CRITICAL", "Outage for the whole company.", reprocessed.processed_at)


def test_bad_records_are_rejected_with_reasons_while_good_ones_load(
    s3: Any, bucket: str, warehouse: PostgresWarehouse, db: Any
) -> None:
    # GIVEN three good tickets beside bad JSON, a null required field, a wrong type and a missing field
    good = [ticket(n) for n in range(3)]
    archive(s3, bucket, *good)
    base = json.loads(ticket(9).model_dump_json())
    bad = {
        "tickets/2026/03/02/bad-json.json": '{"ticket_id": "TKT-20260302-0009",',
        "tickets/2026/03/02/null-email.json": json.dumps(base | {"customer_email": None}),
        "tickets/2026/03/02/wrong-type.json": json.dumps(base | {"sentiment_score_positive": "very"}),
        "tickets/2026/03/02/missing-priority.json": json.dumps(
            {k: v for k, v in base.items() if k != "priority"}
        ),
    }
    for key, body in bad.items():
        put_raw(s3, bucket, key, body)

    # WHEN the ETL runs, and runs again
    report = etl(s3, bucket, warehouse)
    again = etl(s3, bucket, warehouse)

    # THEN the good tickets loaded, each bad object has one rejection naming its problem, none twice
    assert (report.fetched, report.loaded, report.rejected, report.warehouse_rows) == (7, 3, 4, 3)
    assert (again.fetched, again.rejected) == (0, 0)
    reasons = dict(db.execute("SELECT s3_key, reason FROM rejected_records").fetchall())
    assert set(reasons) == set(bad)
    assert "Invalid JSON" in reasons["tickets/2026/03/02/bad-json.json"]
    assert reasons["tickets/2026/03/02/null-email.json"].startswith("customer_email:")
    assert reasons["tickets/2026/03/02/wrong-type.json"].startswith("sentiment_score_positive:")
    assert reasons["tickets/2026/03/02/missing-priority.json"] == "priority: Field required"


def test_fixed_record_is_loaded_after_its_rejection(
    s3: Any, bucket: str, warehouse: PostgresWarehouse, db: Any
) -> None:
    # GIVEN an archived record that was rejected, then rewritten valid
    fixed = ticket(4)
    broken = json.loads(fixed.model_dump_json()) | {"priority": "URGENT"}
    put_raw(s3, bucket, fixed.archive_key(), json.dumps(broken))
    first = etl(s3, bucket, warehouse)
    archive(s3, bucket, fixed)

    # WHEN the ETL runs again
    second = etl(s3, bucket, warehouse)

    # THEN the changed object was re-read and loaded
    assert (first.rejected, first.loaded) == (1, 0)
    assert (second.fetched, second.loaded, second.warehouse_rows) == (1, 1, 1)


# A pasted log too long to travel in the execution: carried in S3 and archived whole (docs/limits.md). Its
# three-byte characters make the cut fall between characters.
CARRIED_LOG = "2026-03-02T09:00:01Z ERREUR paiement: délai dépassé 語\n" * 5_000 + "-- end of log"
KEPT_BYTES = limits.WAREHOUSE_TEXT_MAX_BYTES


def test_tickets_at_the_warehouses_limits_land_whole_or_cut_as_documented(
    s3: Any, bucket: str, warehouse: PostgresWarehouse, db: Any
) -> None:
    # GIVEN archived tickets: one carrying a 290 KB pasted log, one whose id is the longest (64 characters)
    # with a description of exactly 65,535 bytes, and one whose id is a character longer (65)
    longest_id = ticket_id(limits.TICKET_ID_MAX_CHARS, 1)
    exact = "é" * (KEPT_BYTES // 2) + "a"
    carried = ticket(1, description=CARRIED_LOG)
    at_limit = ticket(2, ticket_id=longest_id, description=exact)
    archive(s3, bucket, carried, at_limit)
    too_long = json.loads(ticket(3).model_dump_json()) | {
        "ticket_id": ticket_id(limits.TICKET_ID_MAX_CHARS + 1)
    }
    put_raw(s3, bucket, "tickets/2026/03/02/too-long-id.json", json.dumps(too_long))

    # WHEN the ETL loads them into PostgreSQL
    report = etl(s3, bucket, warehouse)

    # THEN the long log's row holds its opening of at most 65,535 bytes, whole characters, marked as cut, and
    # names the archive object that holds all of it
    assert (report.loaded, report.rejected) == (2, 1)
    rows = {
        row[0]: row[1:]
        for row in db.execute(
            "SELECT ticket_id, description, description_truncated, octet_length(description), s3_key"
            " FROM processed_tickets"
        ).fetchall()
    }
    description, truncated, size, key = rows[carried.ticket_id]
    assert carried.description.startswith(description)
    assert (truncated, KEPT_BYTES - 3 < size <= KEPT_BYTES) == (True, True)
    assert (
        json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())["description"] == carried.description
    )
    # AND the 64-character id's row holds its 65,535-byte description whole, not marked as cut
    assert rows[longest_id] == (exact, False, KEPT_BYTES, at_limit.archive_key())
    # AND the 65-character id is a rejection naming the limit, not a row (Redshift's key would refuse it)
    [(reason,)] = db.execute("SELECT reason FROM rejected_records").fetchall()
    assert reason.startswith("ticket_id: 65 characters, over the 64 of the warehouse's ticket_id"), reason


def test_the_migration_to_cut_descriptions_reloads_the_rows_loaded_before_it(
    s3: Any, bucket: str, database_url: str, db: Any
) -> None:
    # GIVEN a warehouse at V002 that loaded, before the rule, a whole long description and a 65-character id
    old_rules = load_migrations("postgres")[:2]
    long_id = ticket_id(limits.TICKET_ID_MAX_CHARS + 1)
    carried, short = ticket(1, description=CARRIED_LOG), ticket(2)
    archive(s3, bucket, carried, short)
    put_raw(s3, bucket, f"tickets/2026/03/02/{long_id}.json",
            json.dumps(json.loads(ticket(3).model_dump_json()) | {"ticket_id": long_id}))  # fmt: skip
    with PostgresWarehouse(psycopg.connect(database_url), migrations=old_rules) as before:
        assert before.migrate() == ["001", "002"]
    for key in (carried.archive_key(), short.archive_key(), f"tickets/2026/03/02/{long_id}.json"):
        record = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        head = s3.head_object(Bucket=bucket, Key=key)
        load_as_before_the_rule(db, record, key, head["ETag"].strip('"'), head["LastModified"])

    # WHEN today's ETL runs (V003 first)
    with PostgresWarehouse.connect(database_url) as today:
        report = etl(s3, bucket, today)

    # THEN the long description's row was read again and cut, the long id's row became a rejection naming the
    # limit, and the other row was left alone
    assert report.migrations_applied == ["003"]
    assert (report.fetched, report.loaded, report.rejected) == (2, 1, 1)
    rows = dict(db.execute("SELECT ticket_id, description_truncated FROM processed_tickets").fetchall())
    assert rows == {carried.ticket_id: True, short.ticket_id: False}
    assert scalar(db, "SELECT octet_length(description) FROM processed_tickets WHERE ticket_id = %s",
                  carried.ticket_id) <= KEPT_BYTES  # fmt: skip
    assert "over the 64" in scalar(db, "SELECT reason FROM rejected_records")


def load_as_before_the_rule(
    db: psycopg.Connection[Any], record: dict[str, Any], key: str, etag: str, modified: datetime
) -> None:
    """A row and its bookmark as the ETL wrote them before V003: the record whole, whatever its size."""
    columns = [*record, "s3_key", "s3_etag", "loaded_at"]
    db.execute(
        sql.SQL("INSERT INTO processed_tickets ({}) VALUES ({})").format(
            sql.SQL(", ").join(map(sql.Identifier, columns)),
            sql.SQL(", ").join([sql.Placeholder()] * len(columns)),
        ),
        [*record.values(), key, etag, modified],
    )
    db.execute(
        "INSERT INTO etl_bookmarks (s3_key, s3_etag, last_modified, loaded_at) VALUES (%s, %s, %s, %s)",
        (key, etag, modified, modified),
    )


class InjectedFaultError(RuntimeError):
    pass


def test_failure_between_staging_and_commit_changes_nothing(
    s3: Any, bucket: str, warehouse: PostgresWarehouse, db: Any
) -> None:
    # GIVEN a loaded archive, then two new tickets, a changed one and a bad record
    archive(s3, bucket, *(ticket(n) for n in range(3)))
    etl(s3, bucket, warehouse)
    before = snapshot(db)
    archive(s3, bucket, ticket(7), ticket(8), ticket(0, priority=Priority.NORMAL))
    put_raw(s3, bucket, "tickets/2026/03/02/bad.json", "not json")
    staged: list[LoadBatch] = []

    def fail_before_commit(batch: LoadBatch) -> None:
        staged.append(batch)
        raise InjectedFaultError("crash between staging and commit")

    # WHEN a run fails after staging and merging, before its commit
    with pytest.raises(InjectedFaultError):
        etl(s3, bucket, warehouse, before_commit=fail_before_commit)

    # THEN nothing moved: no rows, no rejections, no bookmark
    assert len(staged[0].tickets) == 3
    assert snapshot(db) == before

    # WHEN the next run goes through
    report = etl(s3, bucket, warehouse)

    # THEN it picks up everything the failed run had
    assert (report.fetched, report.loaded, report.rejected, report.warehouse_rows) == (4, 3, 1, 5)
    assert (
        scalar(db, "SELECT priority FROM processed_tickets WHERE ticket_id = %s", ticket(0).ticket_id)
        == "NORMAL"
    )


def test_process_pool_loads_like_threads(
    s3: Any, s3_kwargs: dict[str, Any], bucket: str, warehouse: PostgresWarehouse, db: Any
) -> None:
    # GIVEN tickets over three days and a bad record
    archive(s3, bucket, *(ticket(n, day=n % 3) for n in range(12)))
    put_raw(s3, bucket, "tickets/2026/03/03/bad.json", "{}")

    # WHEN the run fetches with two processes
    report = etl(s3, bucket, warehouse, processes=ProcessFetch(s3_kwargs, 2, min_objects=1))

    # THEN everything is loaded or rejected, exactly as with threads, and the next run finds nothing new
    assert (report.scanned, report.fetched, report.loaded, report.rejected) == (13, 13, 12, 1)
    assert scalar(db, "SELECT count(*) FROM etl_bookmarks") == 13
    assert etl(s3, bucket, warehouse, processes=ProcessFetch(s3_kwargs, 2, min_objects=1)).fetched == 0


def test_failure_in_a_fetch_process_changes_nothing(
    s3: Any, s3_kwargs: dict[str, Any], bucket: str, warehouse: PostgresWarehouse, db: Any
) -> None:
    # GIVEN a loaded archive and new objects, and fetch processes whose S3 endpoint does not answer
    archive(s3, bucket, ticket(1))
    etl(s3, bucket, warehouse)
    before = snapshot(db)
    archive(s3, bucket, *(ticket(n) for n in range(2, 8)))
    unreachable = {
        **s3_kwargs,
        "endpoint_url": "http://127.0.0.1:9",
        "config": Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=1),
    }

    # WHEN the run fetches through them, THEN it fails with the processes' error and commits nothing
    with pytest.raises(EndpointConnectionError):
        etl(s3, bucket, warehouse, processes=ProcessFetch(unreachable, 2, min_objects=1))
    assert snapshot(db) == before


def test_views_summarise_tickets_for_support_leads(
    s3: Any, bucket: str, warehouse: PostgresWarehouse, db: Any
) -> None:
    # GIVEN four tickets on one day: three HIGH/NEGATIVE, one NORMAL/POSITIVE, processed in 11..14 s
    archive(
        s3,
        bucket,
        ticket(1),
        ticket(2),
        ticket(3),
        ticket(4, priority=Priority.NORMAL, sentiment=Sentiment.POSITIVE),
    )

    # WHEN the ETL has run
    etl(s3, bucket, warehouse)

    # THEN the views count by priority, sentiment and product and give the processing times
    assert db.execute(
        "SELECT day, priority, tickets FROM tickets_per_day_by_priority ORDER BY 2"
    ).fetchall() == [
        (DAY.date(), "HIGH", 3),
        (DAY.date(), "NORMAL", 1),
    ]
    assert db.execute(
        "SELECT sentiment, tickets FROM tickets_per_day_by_sentiment ORDER BY 1"
    ).fetchall() == [
        ("NEGATIVE", 3),
        ("POSITIVE", 1),
    ]
    assert db.execute(
        "SELECT product, tickets, urgent_tickets FROM tickets_per_product ORDER BY 1"
    ).fetchall() == [("CloudSync Pro", 2, 1), ("DataVault", 2, 2)]
    times = db.execute(
        "SELECT tickets, avg_seconds, p50_seconds, p95_seconds FROM processing_time_per_day"
    ).fetchone()
    assert times == (4, 12.5, 12.5, pytest.approx(13.85))


def test_cli_loads_the_archive_and_writes_its_report(
    endpoints: LocalStack, s3: Any, bucket: str, database_url: str, tmp_path: Path
) -> None:
    # GIVEN an archive of three tickets and a ticketflow home
    archive(s3, bucket, *(ticket(n) for n in range(3)))
    app = typer.Typer()
    app.command()(etl_command)
    emulator = urlsplit(endpoints.emulator_url)
    environ = {
        "TICKETFLOW_PROFILE": "local",
        "TICKETFLOW_HOME": str(tmp_path),
        "TICKETFLOW_BIND_HOST": str(emulator.hostname),
        "TICKETFLOW_EMULATOR_PORT": str(emulator.port),
    }

    # WHEN `ticketflow etl` runs once
    result = CliRunner().invoke(
        app, ["--bucket", bucket, "--warehouse-url", database_url, "--workers", "4"], env=environ
    )

    # THEN it printed a summary and wrote the report with the run's numbers
    assert result.exit_code == 0, result.output
    assert "loaded 3" in result.output
    report = json.loads((tmp_path / "reports" / "etl.json").read_text())
    assert {k: report[k] for k in ("scanned", "loaded", "rejected", "warehouse_rows")} == {
        "scanned": 3,
        "loaded": 3,
        "rejected": 0,
        "warehouse_rows": 3,
    }
    assert report["seconds"] > 0
