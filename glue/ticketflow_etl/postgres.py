"""The local warehouse: PostgreSQL through psycopg 3, bulk-loaded with COPY and merged with MERGE."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import psycopg
from psycopg import sql

from ticketflow_etl.migrations import Migration, load_migrations, pending
from ticketflow_etl.warehouse import TICKET_COLUMNS, BeforeCommit, LoadBatch, ticket_row

_LOCK_ID = 0x7469636B  # one ETL writer at a time: runs queue on this advisory lock, they never interleave
_UPDATABLE = tuple(column for column in TICKET_COLUMNS if column != "ticket_id")

_SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


def _columns(names: tuple[str, ...], prefix: str | None = None) -> sql.Composed:
    if prefix is None:
        return sql.SQL(", ").join(sql.Identifier(name) for name in names)
    return sql.SQL(", ").join(sql.Identifier(prefix, name) for name in names)


_MERGE = sql.SQL(
    """MERGE INTO processed_tickets AS t
USING etl_stage AS s ON t.ticket_id = s.ticket_id
WHEN MATCHED AND s.processed_at >= t.processed_at THEN UPDATE SET {assignments}
WHEN NOT MATCHED THEN INSERT ({columns}) VALUES ({values})"""
).format(
    assignments=sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(name), sql.Identifier("s", name)) for name in _UPDATABLE
    ),
    columns=_columns(TICKET_COLUMNS),
    values=_columns(TICKET_COLUMNS, "s"),
)
_COPY_STAGE = sql.SQL("COPY etl_stage ({}) FROM STDIN").format(_columns(TICKET_COLUMNS))


class PostgresWarehouse:
    """`Warehouse` on one psycopg connection (autocommit; every write is an explicit transaction)."""

    dialect = "postgres"

    def __init__(
        self, connection: psycopg.Connection[Any], migrations: list[Migration] | None = None
    ) -> None:
        self._conn = connection
        self._conn.autocommit = True
        self._migrations = load_migrations(self.dialect) if migrations is None else migrations

    @classmethod
    def connect(cls, url: str) -> PostgresWarehouse:
        return cls(psycopg.connect(url, autocommit=True, application_name="ticketflow-etl"))

    def __enter__(self) -> PostgresWarehouse:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def migrate(self) -> list[str]:
        applied_now: list[str] = []
        with self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
            self._conn.execute(_SCHEMA_MIGRATIONS)
            applied = dict(self._conn.execute("SELECT version, checksum FROM schema_migrations").fetchall())
            for migration in pending(self._migrations, applied):
                self._conn.execute(migration.sql.encode())
                self._conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                    (migration.version, migration.name, migration.checksum),
                )
                applied_now.append(migration.version)
        return applied_now

    def bookmarks(self) -> dict[str, str]:
        return dict(self._conn.execute("SELECT s3_key, s3_etag FROM etl_bookmarks").fetchall())

    def load(self, batch: LoadBatch, before_commit: BeforeCommit | None = None) -> int:
        with self._conn.transaction(), self._conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
            merged = self._merge_tickets(cur, batch)
            with cur.copy("COPY rejected_records (s3_key, s3_etag, reason, rejected_at) FROM STDIN") as copy:
                for rejection in batch.rejections:
                    copy.write_row((rejection.s3_key, rejection.s3_etag, rejection.reason, batch.loaded_at))
            self._move_bookmarks(cur, batch)
            if before_commit is not None:
                before_commit(batch)
        return merged

    @staticmethod
    def _merge_tickets(cur: psycopg.Cursor[Any], batch: LoadBatch) -> int:
        if not batch.tickets:
            return 0
        cur.execute("CREATE TEMP TABLE etl_stage (LIKE processed_tickets INCLUDING DEFAULTS) ON COMMIT DROP")
        with cur.copy(_COPY_STAGE) as copy:
            for staged in batch.tickets:
                row = ticket_row(staged, batch.loaded_at)
                copy.write_row([row[column] for column in TICKET_COLUMNS])
        cur.execute(_MERGE)
        return cur.rowcount

    @staticmethod
    def _move_bookmarks(cur: psycopg.Cursor[Any], batch: LoadBatch) -> None:
        cur.execute("CREATE TEMP TABLE etl_stage_bookmarks (LIKE etl_bookmarks) ON COMMIT DROP")
        with cur.copy(
            "COPY etl_stage_bookmarks (s3_key, s3_etag, last_modified, loaded_at) FROM STDIN"
        ) as copy:
            for mark in batch.bookmarks:
                copy.write_row((mark.s3_key, mark.s3_etag, mark.last_modified, batch.loaded_at))
        cur.execute(
            """INSERT INTO etl_bookmarks AS b (s3_key, s3_etag, last_modified, loaded_at)
            SELECT s3_key, s3_etag, last_modified, loaded_at FROM etl_stage_bookmarks
            ON CONFLICT (s3_key) DO UPDATE
            SET s3_etag = excluded.s3_etag, last_modified = excluded.last_modified,
                loaded_at = excluded.loaded_at"""
        )

    def loaded(self, ticket_id: str) -> dict[str, Any] | None:
        """Where the ticket's row came from and when it was loaded; None if it is not loaded."""
        row = self._conn.execute(
            "SELECT s3_key, s3_etag, loaded_at FROM processed_tickets WHERE ticket_id = %s", (ticket_id,)
        ).fetchone()
        return None if row is None else {"s3_key": row[0], "s3_etag": row[1], "loaded_at": row[2]}

    def row_count(self) -> int:
        return _row_count(self._conn)


def _row_count(connection: psycopg.Connection[Any]) -> int:
    row = connection.execute("SELECT count(*) FROM processed_tickets").fetchone()
    return int(row[0]) if row else 0


def processed_rows(url: str, *, connect_timeout: int) -> int | None:
    """The rows of processed_tickets in the warehouse at `url`; None before the first ETL run created it.
    What the local console and a snapshot show, read as the ETL's own report counts them."""
    with psycopg.connect(url, connect_timeout=connect_timeout) as connection:
        exists = connection.execute("SELECT to_regclass('processed_tickets') IS NOT NULL").fetchone()
        return _row_count(connection) if exists and exists[0] else None
