"""The AWS warehouse: Amazon Redshift through the Redshift Data API, a thin adapter.

A load writes the validated rows, the rejections and the bookmarks as JSON-lines files with a manifest under
a staging prefix of the archive bucket, then runs one BatchExecuteStatement (which Redshift runs as a
single transaction): COPY into temporary tables, MERGE into `processed_tickets`, append `rejected_records`,
replace the bookmarks. Connection details and database credentials come from a Secrets Manager secret.

Nothing here is exercised against Redshift in this repository: no emulator implements the Data API. The
unit tests pin the calls with botocore's Stubber.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ticketflow_etl.migrations import Migration, load_migrations, pending
from ticketflow_etl.warehouse import TICKET_COLUMNS, BeforeCommit, LoadBatch, ticket_row

_DONE = "FINISHED"
_FAILED = ("FAILED", "ABORTED")
_UPDATABLE = tuple(column for column in TICKET_COLUMNS if column != "ticket_id")
_SCHEMA_MIGRATIONS = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version VARCHAR(32) NOT NULL, name VARCHAR(256) NOT NULL,"
    " checksum VARCHAR(64) NOT NULL, applied_at TIMESTAMPTZ DEFAULT SYSDATE)"
)


class RedshiftStatementError(RuntimeError):
    """A Data API statement failed, was aborted or did not finish in time."""


@dataclass(frozen=True)
class RedshiftTarget:
    """Where and as whom statements run, from the connection secret.

    The secret holds `username` and `password` (read by the Data API itself), `dbname`, one of
    `dbClusterIdentifier` (provisioned) or `workgroupName` (Serverless), and `copyRoleArn`, the IAM role
    Redshift assumes to read the staging files.
    """

    secret_arn: str
    database: str
    copy_role_arn: str
    cluster_identifier: str | None = None
    workgroup_name: str | None = None

    @classmethod
    def from_secret(cls, secret_arn: str, secret: Mapping[str, Any]) -> RedshiftTarget:
        target = cls(
            secret_arn=secret_arn,
            database=str(secret["dbname"]),
            copy_role_arn=str(secret["copyRoleArn"]),
            cluster_identifier=secret.get("dbClusterIdentifier") or None,
            workgroup_name=secret.get("workgroupName") or None,
        )
        if (target.cluster_identifier is None) == (target.workgroup_name is None):
            raise ValueError("the Redshift secret needs exactly one of dbClusterIdentifier and workgroupName")
        if not target.copy_role_arn:
            # Checked here, not at the first COPY: a run with nothing to load would never notice.
            raise ValueError("the Redshift secret needs copyRoleArn, the role Redshift assumes to COPY")
        return target

    def api_arguments(self) -> dict[str, str]:
        arguments = {"Database": self.database, "SecretArn": self.secret_arn}
        if self.cluster_identifier:
            arguments["ClusterIdentifier"] = self.cluster_identifier
        if self.workgroup_name:
            arguments["WorkgroupName"] = self.workgroup_name
        return arguments


def literal(value: str) -> str:
    """A SQL string literal (BatchExecuteStatement takes no parameters)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _json_lines(rows: Iterable[Mapping[str, Any]]) -> bytes:
    return "".join(json.dumps(row, separators=(",", ":")) + "\n" for row in rows).encode()


def _field_value(field: Mapping[str, Any]) -> Any:
    if field.get("isNull"):
        return None
    for kind in ("stringValue", "longValue", "doubleValue", "booleanValue"):
        if kind in field:
            return field[kind]
    raise ValueError(f"unsupported Data API field {sorted(field)}")


class RedshiftDataWarehouse:
    """`Warehouse` on the Redshift Data API; the archive bucket doubles as the COPY staging area."""

    dialect = "redshift"

    def __init__(
        self,
        data_api: Any,
        s3: Any,
        target: RedshiftTarget,
        *,
        staging_bucket: str,
        staging_prefix: str = "etl-staging/",
        poll_seconds: float = 0.5,
        timeout_seconds: float = 1800.0,
        sleep: Callable[[float], None] = time.sleep,
        run_id: Callable[[], str] = lambda: uuid.uuid4().hex,
        migrations: list[Migration] | None = None,
    ) -> None:
        self._api = data_api
        self._s3 = s3
        self._target = target
        self._bucket = staging_bucket
        self._prefix = staging_prefix
        self._poll_seconds = poll_seconds
        self._timeout_seconds = timeout_seconds
        self._sleep = sleep
        self._run_id = run_id
        self._migrations = load_migrations(self.dialect) if migrations is None else migrations

    # --- Data API plumbing ------------------------------------------------------------------------------
    def _wait(self, statement_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self._timeout_seconds
        while True:
            described: dict[str, Any] = self._api.describe_statement(Id=statement_id)
            status = described["Status"]
            if status == _DONE:
                return described
            if status in _FAILED:
                raise RedshiftStatementError(f"statement {statement_id} {status}: {described.get('Error')}")
            if time.monotonic() >= deadline:
                raise RedshiftStatementError(f"statement {statement_id} still {status} after the deadline")
            self._sleep(self._poll_seconds)

    def _execute(self, statement: str) -> dict[str, Any]:
        started = self._api.execute_statement(Sql=statement, **self._target.api_arguments())
        return self._wait(started["Id"])

    def _batch(self, statements: Sequence[str]) -> dict[str, Any]:
        started = self._api.batch_execute_statement(Sqls=list(statements), **self._target.api_arguments())
        return self._wait(started["Id"])

    def _query(self, statement: str) -> list[list[Any]]:
        described = self._execute(statement)
        rows: list[list[Any]] = []
        if not described.get("HasResultSet"):
            return rows
        arguments = {"Id": described["Id"]}
        while True:
            page = self._api.get_statement_result(**arguments)
            rows.extend([_field_value(field) for field in record] for record in page["Records"])
            if not page.get("NextToken"):
                return rows
            arguments["NextToken"] = page["NextToken"]

    # --- Warehouse --------------------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        self._execute(_SCHEMA_MIGRATIONS)
        applied = {
            str(version): str(checksum)
            for version, checksum in self._query("SELECT version, checksum FROM schema_migrations")
        }
        applied_now = []
        for migration in pending(self._migrations, applied):
            record = (
                "INSERT INTO schema_migrations (version, name, checksum) VALUES "  # noqa: S608 -- literal()
                f"({literal(migration.version)}, {literal(migration.name)}, {literal(migration.checksum)})"
            )
            self._batch([*migration.statements(), record])
            applied_now.append(migration.version)
        return applied_now

    def bookmarks(self) -> dict[str, str]:
        return {str(key): str(etag) for key, etag in self._query("SELECT s3_key, s3_etag FROM etl_bookmarks")}

    def row_count(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM processed_tickets")[0][0])

    def load(self, batch: LoadBatch, before_commit: BeforeCommit | None = None) -> int:
        folder = f"{self._prefix}{self._run_id()}/"
        written: list[str] = []
        try:
            statements, merge_index = self._stage(batch, folder, written)
            if before_commit is not None:
                before_commit(batch)
            described = self._batch(statements)
        finally:
            self._delete(written)
        if merge_index is None:
            return 0
        return int(described["SubStatements"][merge_index].get("ResultRows", 0))

    # --- staging ----------------------------------------------------------------------------------------
    def _put(self, key: str, body: bytes, written: list[str]) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=body)
        written.append(key)

    def _copy(
        self, table: str, name: str, folder: str, rows: list[dict[str, Any]], written: list[str]
    ) -> str:
        data_key = f"{folder}{name}.jsonl"
        manifest_key = f"{folder}{name}.manifest"
        self._put(data_key, _json_lines(rows), written)
        manifest = {"entries": [{"url": f"s3://{self._bucket}/{data_key}", "mandatory": True}]}
        self._put(manifest_key, json.dumps(manifest).encode(), written)
        return (
            f"COPY {table} FROM {literal(f's3://{self._bucket}/{manifest_key}')}"
            f" IAM_ROLE {literal(self._target.copy_role_arn)}"
            " FORMAT AS JSON 'auto' MANIFEST TIMEFORMAT 'auto'"
        )

    def _stage(self, batch: LoadBatch, folder: str, written: list[str]) -> tuple[list[str], int | None]:
        loaded_at = batch.loaded_at.isoformat()
        statements: list[str] = []
        merge_index: int | None = None
        if batch.tickets:
            rows = [ticket_row(staged, batch.loaded_at) for staged in batch.tickets]
            statements += [
                "CREATE TEMP TABLE etl_stage (LIKE processed_tickets)",
                self._copy("etl_stage", "tickets", folder, rows, written),
                # Redshift's MERGE has no WHEN MATCHED condition: drop staged rows older than the stored ones.
                "DELETE FROM etl_stage USING processed_tickets t"
                " WHERE etl_stage.ticket_id = t.ticket_id AND etl_stage.processed_at < t.processed_at",
                _merge_statement(),
            ]
            merge_index = len(statements) - 1
        if batch.rejections:
            rows = [
                {"s3_key": r.s3_key, "s3_etag": r.s3_etag, "reason": r.reason, "rejected_at": loaded_at}
                for r in batch.rejections
            ]
            statements.append(
                self._copy(
                    "rejected_records (s3_key, s3_etag, reason, rejected_at)",
                    "rejections",
                    folder,
                    rows,
                    written,
                )
            )
        rows = [
            {
                "s3_key": m.s3_key,
                "s3_etag": m.s3_etag,
                "last_modified": m.last_modified.isoformat(),
                "loaded_at": loaded_at,
            }
            for m in batch.bookmarks
        ]
        statements += [
            "CREATE TEMP TABLE etl_stage_bookmarks (LIKE etl_bookmarks)",
            self._copy("etl_stage_bookmarks", "bookmarks", folder, rows, written),
            "DELETE FROM etl_bookmarks USING etl_stage_bookmarks s WHERE etl_bookmarks.s3_key = s.s3_key",
            "INSERT INTO etl_bookmarks (s3_key, s3_etag, last_modified, loaded_at)"
            " SELECT s3_key, s3_etag, last_modified, loaded_at FROM etl_stage_bookmarks",
        ]
        return statements, merge_index

    def _delete(self, keys: list[str]) -> None:
        if keys:
            self._s3.delete_objects(Bucket=self._bucket, Delete={"Objects": [{"Key": key} for key in keys]})


def _merge_statement() -> str:
    assignments = ", ".join(f"{column} = s.{column}" for column in _UPDATABLE)
    columns = ", ".join(TICKET_COLUMNS)
    values = ", ".join(f"s.{column}" for column in TICKET_COLUMNS)
    return (
        "MERGE INTO processed_tickets USING etl_stage s ON processed_tickets.ticket_id = s.ticket_id"  # noqa: S608
        f" WHEN MATCHED THEN UPDATE SET {assignments}"
        f" WHEN NOT MATCHED THEN INSERT ({columns}) VALUES ({values})"
    )
