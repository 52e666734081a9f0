"""What the warehouse's columns hold, and the row shaping that keeps every ticket within them on both
warehouses: Redshift's VARCHAR(n) counts bytes, PostgreSQL's text takes any length.

The columns are read from the migrations themselves, so the schema, the model's bounds and the shaping cannot
drift apart unseen.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.event_files import PROCESSED_TICKET, load_event
from tests.largest_tickets import ticket_id
from ticketflow import limits
from ticketflow.model import ProcessedTicket
from ticketflow_etl.migrations import load_migrations
from ticketflow_etl.records import StagedTicket
from ticketflow_etl.warehouse import TICKET_COLUMNS, ticket_row

LOADED_AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
_CREATE = re.compile(r"CREATE TABLE processed_tickets \((.*?)\n\)", flags=re.DOTALL)
_ADD = re.compile(r"ALTER TABLE processed_tickets ADD COLUMN (\w+) ([^;]+);", flags=re.IGNORECASE)
_VARCHAR = re.compile(r"VARCHAR\((\d+)\)")


def columns(dialect: str) -> dict[str, str]:
    """`processed_tickets`' columns after every migration of `dialect`: name to type (and constraints)."""
    found: dict[str, str] = {}
    for migration in load_migrations(dialect):
        if table := _CREATE.search(migration.sql):
            for line in table.group(1).strip().splitlines():
                name, definition = line.strip().rstrip(",").split(maxsplit=1)
                found[name] = definition
        found.update(_ADD.findall(migration.sql))
    return found


def redshift_varchar_bytes() -> dict[str, int]:
    """Each VARCHAR column of `processed_tickets` in Redshift, and the bytes it holds."""
    sizes = {name: _VARCHAR.match(kind) for name, kind in columns("redshift").items()}
    return {name: int(match.group(1)) for name, match in sizes.items() if match}


def staged(**changes: Any) -> StagedTicket:
    ticket = ProcessedTicket.model_validate(load_event(PROCESSED_TICKET) | changes)
    return StagedTicket(ticket, ticket.archive_key(), "e1")


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


@pytest.mark.parametrize("dialect", ["postgres", "redshift"])
def test_the_migrations_give_every_field_of_a_row_a_column(dialect: str) -> None:
    # GIVEN the dialect's migrations, WHEN processed_tickets' columns are read from them
    found = columns(dialect)

    # THEN they are the row's: the model's fields and the load's own columns, each once
    assert sorted(found) == sorted(TICKET_COLUMNS)


def test_the_warehouse_figures_are_the_redshift_columns() -> None:
    # GIVEN / WHEN Redshift's column sizes, THEN the model's and the shaping's figures are theirs
    sizes = redshift_varchar_bytes()
    assert sizes["ticket_id"] == limits.WAREHOUSE_TICKET_ID_MAX_BYTES
    assert sizes["description"] == limits.WAREHOUSE_TEXT_MAX_BYTES
    assert columns("redshift")["description_truncated"].startswith("BOOLEAN")


# The costliest characters: four bytes of UTF-8, three and two.
FILLERS = {"emoji": "\U0001f600", "cjk": "語", "accent": "é"}


def largest_record(filler: str) -> dict[str, Any]:
    """An archive record with every bounded field at its limit in `filler`, and a 1 MiB description."""

    def filled(limit: int) -> str:
        return "A" + filler * (limit - 1)

    names = dict.fromkeys(
        ("customer_first_name", "customer_last_name", "customer_company", "product", "issue_type"),
        filled(limits.NAME_MAX_CHARS),
    )
    return (
        load_event(PROCESSED_TICKET)
        | names
        | {
            "ticket_id": ticket_id(limits.TICKET_ID_MAX_CHARS),
            "customer_full_name": filled(limits.FULL_NAME_MAX_CHARS),
            "customer_email": filled(limits.EMAIL_MAX_CHARS - 4) + "@a.b",
            "subject": filled(limits.SUBJECT_MAX_CHARS),
            "description": filled(limits.KINESIS_RECORD_MAX_BYTES),
            "response_text": filled(limits.REPLY_MAX_CHARS),
            "priority_reasoning": filled(limits.REASONING_MAX_CHARS),
        }
    )


@pytest.mark.parametrize("filler", FILLERS.values(), ids=FILLERS.keys())
def test_the_largest_valid_record_fits_every_redshift_column(filler: str) -> None:
    # GIVEN the largest record the model allows, from the longest key S3 lists and a multipart ETag
    ticket = ProcessedTicket.model_validate(largest_record(filler))
    longest_key = "tickets/" + "k" * (limits.S3_KEY_MAX_BYTES - len("tickets/"))
    row = ticket_row(StagedTicket(ticket, longest_key, "0" * 32 + "-10000"), LOADED_AT)

    # WHEN each text is measured as Redshift counts it
    sizes = {name: utf8_size(row[name]) for name in redshift_varchar_bytes()}

    # THEN every one fits its column, and only the description was cut (and says so)
    over = {name: size for name, size in sizes.items() if size > redshift_varchar_bytes()[name]}
    assert over == {}
    assert row["description_truncated"] is True
    assert row["subject"] == ticket.subject


@pytest.mark.parametrize(
    ("character", "width"), [("a", 1), ("é", 2), ("語", 3), ("\U0001f600", 4)], ids=["1B", "2B", "3B", "4B"]
)
def test_a_description_at_its_columns_limit_is_whole_and_past_it_its_opening_on_a_character(
    character: str, width: int
) -> None:
    # GIVEN a description of exactly 65,535 bytes of UTF-8, one a byte longer, and one a character longer
    limit = limits.WAREHOUSE_TEXT_MAX_BYTES
    at = "a" * (limit % width) + character * (limit // width)
    assert utf8_size(at) == limit
    byte_past, character_past = at + "a", at + character

    # WHEN each is shaped into a row
    rows = [ticket_row(staged(description=text), LOADED_AT) for text in (at, byte_past, character_past)]

    # THEN the first is whole and says so; the others hold the whole 65,535-byte opening, marked as cut
    assert (rows[0]["description"], rows[0]["description_truncated"]) == (at, False)
    for row in rows[1:]:
        assert (row["description"], row["description_truncated"]) == (at, True)


@pytest.mark.parametrize("width", [2, 3, 4])
def test_a_cut_never_splits_a_character(width: int) -> None:
    # GIVEN a description of one multi-byte character repeated, whose 65,535th byte falls inside a character
    character = {2: "é", 3: "語", 4: "\U0001f600"}[width]
    text = "a" + character * (limits.WAREHOUSE_TEXT_MAX_BYTES // width + 1)

    # WHEN it is shaped
    row = ticket_row(staged(description=text), LOADED_AT)

    # THEN the opening is whole characters, as many as fit
    kept = row["description"]
    assert text.startswith(kept)
    assert limits.WAREHOUSE_TEXT_MAX_BYTES - width < utf8_size(kept) <= limits.WAREHOUSE_TEXT_MAX_BYTES
    assert row["description_truncated"] is True


def test_a_short_description_is_the_row_unchanged() -> None:
    # GIVEN the canonical record, WHEN it is shaped
    record = staged()
    row = ticket_row(record, LOADED_AT)

    # THEN the row is the record's fields, not cut, then where it came from and when it loaded
    assert row == record.ticket.model_dump(mode="json") | {
        "description_truncated": False,
        "s3_key": record.s3_key,
        "s3_etag": "e1",
        "loaded_at": LOADED_AT.isoformat(),
    }
    assert list(row) == list(TICKET_COLUMNS)
