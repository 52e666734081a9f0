"""Parsing and validating archive records, migrations as files, and the `--every` interval."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import typer

from tests.event_files import PROCESSED_TICKET, load_event
from tests.largest_tickets import ticket_id
from ticketflow import limits
from ticketflow.model import ProcessedTicket
from ticketflow_dev.cli.common import parse_interval
from ticketflow_etl.archive_reader import FetchedObject
from ticketflow_etl.migrations import Migration, MigrationChecksumError, load_migrations, pending
from ticketflow_etl.records import Rejection, StagedTicket, latest_per_ticket, parse_record

SUBMITTED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def record(**changes: Any) -> dict[str, Any]:
    return load_event(PROCESSED_TICKET) | changes


def fetched(body: str | bytes, key: str = "tickets/2026/03/02/TKT-20260302-0001.json") -> FetchedObject:
    raw = body.encode() if isinstance(body, str) else body
    return FetchedObject(key=key, etag="abc", last_modified=SUBMITTED, body=raw)


def test_valid_record_becomes_a_staged_ticket() -> None:
    # GIVEN the JSON the archive Lambda writes
    body = json.dumps(record())

    # WHEN it is parsed
    parsed = parse_record(fetched(body))

    # THEN it is the shared model's ticket, with its source
    assert isinstance(parsed, StagedTicket)
    assert parsed.ticket.ticket_id == "TKT-20260302-0001"
    assert parsed.ticket.submitted_at == SUBMITTED
    assert (parsed.s3_key, parsed.s3_etag) == ("tickets/2026/03/02/TKT-20260302-0001.json", "abc")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"ticket_id": ', r"^record: Invalid JSON"),
        (b"\xff\xfe not utf-8", r"^record: Invalid JSON"),
        ("[1, 2]", r"^record: Input should be an object"),
        (json.dumps(record(customer_email=None)), r"^customer_email: Input should be a valid string$"),
        (
            json.dumps(record(sentiment_score_mixed="lots")),
            r"^sentiment_score_mixed: Input should be a valid number",
        ),
        (
            json.dumps(record(sentiment_score_negative=1.5)),
            r"^sentiment_score_negative: .*less than or equal to 1",
        ),
        (json.dumps(record(priority="URGENT")), r"^priority: Input should be 'CRITICAL', 'HIGH'"),
        (json.dumps(record(ticket_id="T-1")), r"^ticket_id: String should match pattern"),
        (
            json.dumps(record(ticket_id=ticket_id(limits.TICKET_ID_MAX_CHARS + 1))),
            r"^ticket_id: 65 characters, over the 64 of the warehouse's ticket_id \(Redshift VARCHAR\(64\)",
        ),
        (
            json.dumps(record(customer_first_name="é" * (limits.NAME_MAX_CHARS + 1))),
            r"^customer_first_name: 257 characters, over the 256 ",
        ),
        (
            json.dumps(record(response_text="x" * (limits.REPLY_MAX_CHARS + 1))),
            r"^response_text: 4,001 characters, over the 4,000 ",
        ),
        (json.dumps({k: v for k, v in record().items() if k != "subject"}), r"^subject: Field required$"),
        (json.dumps(record(subject=None, product=None)), r"^product: .*; subject: "),
    ],
    ids=[
        "truncated",
        "not-utf8",
        "array",
        "null",
        "wrong-type",
        "out-of-range",
        "enum",
        "pattern",
        "id-too-long",
        "name-too-long",
        "reply-too-long",
        "missing",
        "two",
    ],
)
def test_invalid_record_becomes_a_rejection_with_a_reason(body: str | bytes, reason: str) -> None:
    # GIVEN a broken archive object
    source = fetched(body)

    # WHEN it is parsed
    parsed = parse_record(source)

    # THEN it is a rejection naming what is wrong, never an exception
    assert isinstance(parsed, Rejection)
    assert (parsed.s3_key, parsed.s3_etag) == (source.key, "abc")
    assert re.search(reason, parsed.reason), parsed.reason


def test_a_record_whose_id_is_as_long_as_the_warehouses_key_is_staged() -> None:
    # GIVEN a record whose ticket id is 64 characters, the most the warehouse's key holds
    longest = ticket_id(limits.TICKET_ID_MAX_CHARS)

    # WHEN it is parsed, THEN it is staged whole
    parsed = parse_record(fetched(json.dumps(record(ticket_id=longest))))
    assert isinstance(parsed, StagedTicket)
    assert parsed.ticket.ticket_id == longest


def test_latest_processing_of_a_ticket_wins_within_a_batch() -> None:
    # GIVEN the same ticket archived twice (re-dated on re-processing), and another ticket
    older = ProcessedTicket.model_validate(record())
    newer = ProcessedTicket.model_validate(record(processed_at="2026-03-03T10:00:00Z", priority="CRITICAL"))
    other = ProcessedTicket.model_validate(record(ticket_id="TKT-20260302-0002"))
    staged = [
        StagedTicket(newer, "tickets/2026/03/03/TKT-20260302-0001.json", "n"),
        StagedTicket(older, "tickets/2026/03/02/TKT-20260302-0001.json", "o"),
        StagedTicket(other, "tickets/2026/03/02/TKT-20260302-0002.json", "x"),
    ]

    # WHEN the batch is reduced to one record per ticket
    latest = latest_per_ticket(staged)

    # THEN the most recently processed record is kept
    assert [(item.ticket.ticket_id, item.s3_etag) for item in latest] == [
        ("TKT-20260302-0001", "n"),
        ("TKT-20260302-0002", "x"),
    ]


def test_both_dialects_have_the_same_migration_versions() -> None:
    # GIVEN the shipped migrations
    postgres, redshift = load_migrations("postgres"), load_migrations("redshift")

    # THEN they pair up version by version and split into statements
    assert [(m.version, m.name) for m in postgres] == [(m.version, m.name) for m in redshift]
    assert [m.version for m in postgres] == ["001", "002", "003"]
    assert len(redshift[0].statements()) == 3
    assert all(statement.startswith("CREATE VIEW") for statement in redshift[1].statements())


def test_an_edited_applied_migration_is_refused() -> None:
    # GIVEN a migration whose file changed after it was applied
    migration = Migration("001", "tables", "CREATE TABLE t (a int);")

    # WHEN pending migrations are computed, THEN the checksum mismatch stops the run
    assert pending([migration], {}) == [migration]
    assert pending([migration], {"001": migration.checksum}) == []
    with pytest.raises(MigrationChecksumError):
        pending([migration], {"001": "0" * 64})


def test_timestamps_in_the_batch_are_utc() -> None:
    # GIVEN a naive timestamp in a record (taken as UTC by the model)
    parsed = parse_record(fetched(json.dumps(record(processed_at="2026-03-02T09:31:00"))))

    # THEN the loaded value is aware and in UTC
    assert isinstance(parsed, StagedTicket)
    assert parsed.ticket.processed_at - parsed.ticket.submitted_at == timedelta(minutes=1)


@pytest.mark.parametrize(
    ("text", "seconds"), [("2h", 7200), ("30m", 1800), ("1h30m", 5400), ("90s", 90), (" 2H ", 7200)]
)
def test_every_takes_an_interval(text: str, seconds: int) -> None:
    # WHEN `--every` is parsed, THEN it is that many seconds
    assert parse_interval(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "2", "2d", "0m", "h", "-1h"])
def test_every_refuses_what_is_not_an_interval(text: str) -> None:
    # WHEN `--every` is not an interval, THEN the option is refused
    with pytest.raises(typer.BadParameter):
        parse_interval(text)
