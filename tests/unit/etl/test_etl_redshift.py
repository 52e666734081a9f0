"""The Redshift Data API adapter, pinned with botocore's Stubber (no Redshift can run here)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal

import pytest
from botocore.stub import ANY, Stubber

from tests.aws_clients import offline_clients
from tests.event_files import PROCESSED_TICKET, load_event
from ticketflow.model import ProcessedTicket
from ticketflow_etl.migrations import load_migrations
from ticketflow_etl.records import Rejection, StagedTicket
from ticketflow_etl.redshift import RedshiftDataWarehouse, RedshiftStatementError, RedshiftTarget
from ticketflow_etl.warehouse import Bookmark, LoadBatch, ticket_row

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ticketflow/redshift-AbCdEf"
ROLE_ARN = "arn:aws:iam::123456789012:role/redshift-copy"
TARGET = RedshiftTarget(
    secret_arn=SECRET_ARN, database="dev", copy_role_arn=ROLE_ARN, workgroup_name="ticketflow"
)
API = {"Database": "dev", "SecretArn": SECRET_ARN, "WorkgroupName": "ticketflow"}
BUCKET = "archive"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _client(service: Literal["redshift-data", "s3"]) -> Any:
    return offline_clients()(service)


class Clients:
    def __init__(self) -> None:
        self.data_api = _client("redshift-data")
        self.s3 = _client("s3")
        self.api_stub = Stubber(self.data_api)
        self.s3_stub = Stubber(self.s3)
        self.sqls: list[list[str]] = []
        self.data_api.meta.events.register(
            "provide-client-params.redshift-data.BatchExecuteStatement",
            lambda params, **_: self.sqls.append(list(params["Sqls"])),
        )

    def warehouse(self) -> RedshiftDataWarehouse:
        return RedshiftDataWarehouse(
            self.data_api, self.s3, TARGET, staging_bucket=BUCKET, sleep=lambda _: None, run_id=lambda: "run1"
        )

    def expect_statement(
        self,
        statement_id: str,
        sql: object,
        *,
        rows: list[list[dict[str, Any]]] | None = None,
        next_token: str = "",
    ) -> None:
        self.api_stub.add_response("execute_statement", {"Id": statement_id}, {"Sql": sql, **API})
        self.api_stub.add_response(
            "describe_statement", {"Id": statement_id, "Status": "STARTED"}, {"Id": statement_id}
        )
        self.api_stub.add_response(
            "describe_statement",
            {"Id": statement_id, "Status": "FINISHED", "HasResultSet": rows is not None},
            {"Id": statement_id},
        )
        if rows is not None:
            page: dict[str, Any] = {"Records": rows} | ({"NextToken": next_token} if next_token else {})
            self.api_stub.add_response("get_statement_result", page, {"Id": statement_id})

    def expect_puts(self, *names: str) -> list[str]:
        keys = []
        for name in names:
            for suffix in ("jsonl", "manifest"):
                key = f"etl-staging/run1/{name}.{suffix}"
                self.s3_stub.add_response("put_object", {}, {"Bucket": BUCKET, "Key": key, "Body": ANY})
                keys.append(key)
        return keys

    def expect_load_batch(self, batch_id: str, statements: int) -> None:
        """One BatchExecuteStatement of `statements` sub-statements; the fourth (the MERGE) merges a row."""
        self.api_stub.add_response("batch_execute_statement", {"Id": batch_id}, {"Sqls": ANY, **API})
        subs = [{"Id": f"{batch_id}:{n}", "ResultRows": 1 if n == 4 else 0} for n in range(1, statements + 1)]
        self.api_stub.add_response(
            "describe_statement",
            {"Id": batch_id, "Status": "FINISHED", "SubStatements": subs},
            {"Id": batch_id},
        )

    def expect_cleanup(self, keys: list[str]) -> None:
        self.s3_stub.add_response(
            "delete_objects",
            {},
            {"Bucket": BUCKET, "Delete": {"Objects": [{"Key": key} for key in keys]}},
        )


@pytest.fixture
def clients() -> Iterator[Clients]:
    made = Clients()
    with made.api_stub, made.s3_stub:
        yield made
        made.api_stub.assert_no_pending_responses()
        made.s3_stub.assert_no_pending_responses()


def a_batch() -> LoadBatch:
    ticket = ProcessedTicket.model_validate(load_event(PROCESSED_TICKET))
    return LoadBatch(
        tickets=[StagedTicket(ticket, ticket.archive_key(), "e1")],
        rejections=[Rejection("tickets/2026/03/02/bad.json", "e2", "record: Invalid JSON")],
        bookmarks=[
            Bookmark(ticket.archive_key(), "e1", NOW),
            Bookmark("tickets/2026/03/02/bad.json", "e2", NOW),
        ],
        loaded_at=NOW,
    )


def test_target_comes_from_the_connection_secret() -> None:
    # GIVEN a Serverless connection secret
    secret = {
        "username": "etl",
        "password": "x",
        "dbname": "dev",
        "workgroupName": "ticketflow",
        "copyRoleArn": ROLE_ARN,
    }

    # WHEN it is read, THEN the Data API gets the workgroup, the database and the secret itself
    assert RedshiftTarget.from_secret(SECRET_ARN, secret).api_arguments() == API
    with pytest.raises(ValueError, match="exactly one"):
        RedshiftTarget.from_secret(SECRET_ARN, {**secret, "dbClusterIdentifier": "c1"})


def test_load_copies_staged_files_and_merges_in_one_batch(clients: Clients) -> None:
    # GIVEN a batch of one ticket, one rejection and two bookmarks
    batch = a_batch()
    keys = clients.expect_puts("tickets", "rejections", "bookmarks")
    clients.expect_load_batch("b1", statements=9)
    clients.expect_cleanup(keys)

    # WHEN it is loaded
    merged = clients.warehouse().load(batch)

    # THEN one batch (one transaction) copied each staged manifest, merged, and moved the bookmark
    assert merged == 1
    [sqls] = clients.sqls
    assert sqls[0] == "CREATE TEMP TABLE etl_stage (LIKE processed_tickets)"
    assert sqls[1] == (
        f"COPY etl_stage FROM 's3://{BUCKET}/etl-staging/run1/tickets.manifest' IAM_ROLE '{ROLE_ARN}'"
        " FORMAT AS JSON 'auto' MANIFEST TIMEFORMAT 'auto'"
    )
    assert sqls[2].startswith("DELETE FROM etl_stage USING processed_tickets")
    assert sqls[3].startswith("MERGE INTO processed_tickets USING etl_stage s")
    assert sqls[4].startswith("COPY rejected_records (s3_key, s3_etag, reason, rejected_at) FROM")
    assert sqls[-1].startswith("INSERT INTO etl_bookmarks")


def test_staged_ticket_file_holds_the_rows(clients: Clients) -> None:
    # GIVEN a batch whose ticket rows are known
    batch = a_batch()
    expected_line = json.dumps(ticket_row(batch.tickets[0], NOW), separators=(",", ":")) + "\n"
    clients.s3_stub.add_response(
        "put_object",
        {},
        {"Bucket": BUCKET, "Key": "etl-staging/run1/tickets.jsonl", "Body": expected_line.encode()},
    )
    manifest = {"entries": [{"url": f"s3://{BUCKET}/etl-staging/run1/tickets.jsonl", "mandatory": True}]}
    clients.s3_stub.add_response(
        "put_object",
        {},
        {"Bucket": BUCKET, "Key": "etl-staging/run1/tickets.manifest", "Body": json.dumps(manifest).encode()},
    )
    keys = ["etl-staging/run1/tickets.jsonl", "etl-staging/run1/tickets.manifest"]
    keys += clients.expect_puts("rejections", "bookmarks")

    # WHEN the load is aborted before its commit
    def abort(_: LoadBatch) -> None:
        raise RuntimeError("abort")

    clients.expect_cleanup(keys)
    with pytest.raises(RuntimeError, match="abort"):
        clients.warehouse().load(batch, before_commit=abort)

    # THEN the staged files were written and removed, and no statement ran
    assert clients.sqls == []


def test_failed_batch_raises_and_cleans_up(clients: Clients) -> None:
    # GIVEN a batch whose transaction fails in Redshift
    keys = clients.expect_puts("tickets", "rejections", "bookmarks")
    clients.api_stub.add_response("batch_execute_statement", {"Id": "b2"}, {"Sqls": ANY, **API})
    clients.api_stub.add_response(
        "describe_statement", {"Id": "b2", "Status": "FAILED", "Error": "S3ServiceException"}, {"Id": "b2"}
    )
    clients.expect_cleanup(keys)

    # WHEN it is loaded, THEN the error surfaces (nothing was committed: the batch is one transaction)
    with pytest.raises(RedshiftStatementError, match="S3ServiceException"):
        clients.warehouse().load(a_batch())


def test_bookmarks_read_every_result_page(clients: Clients) -> None:
    # GIVEN a bookmark query whose result spans two pages
    sql = "SELECT s3_key, s3_etag FROM etl_bookmarks"
    clients.expect_statement(
        "q1", sql, rows=[[{"stringValue": "k1"}, {"stringValue": "e1"}]], next_token="page2"
    )
    clients.api_stub.add_response(
        "get_statement_result",
        {"Records": [[{"stringValue": "k2"}, {"stringValue": "e2"}]]},
        {"Id": "q1", "NextToken": "page2"},
    )

    # WHEN the bookmarks are read
    marks = clients.warehouse().bookmarks()

    # THEN both pages are in
    assert marks == {"k1": "e1", "k2": "e2"}


def test_migrate_applies_only_pending_versions(clients: Clients) -> None:
    # GIVEN a warehouse where V001 and V002 are applied
    first, second, _ = load_migrations("redshift")
    clients.expect_statement("m0", ANY)
    clients.expect_statement(
        "m1",
        "SELECT version, checksum FROM schema_migrations",
        rows=[
            [{"stringValue": "001"}, {"stringValue": first.checksum}],
            [{"stringValue": "002"}, {"stringValue": second.checksum}],
        ],
    )
    clients.api_stub.add_response("batch_execute_statement", {"Id": "m2"}, {"Sqls": ANY, **API})
    clients.api_stub.add_response("describe_statement", {"Id": "m2", "Status": "FINISHED"}, {"Id": "m2"})

    # WHEN migrations run
    applied = clients.warehouse().migrate()

    # THEN V003 ran as one batch with its schema_migrations record: the column saying a description was cut,
    # added as Redshift allows in a transaction (a NOT NULL column needs its default)
    assert applied == ["003"]
    [sqls] = clients.sqls
    assert sqls[:-1] == [
        "ALTER TABLE processed_tickets ADD COLUMN description_truncated BOOLEAN DEFAULT FALSE NOT NULL"
    ]
    assert sqls[-1].startswith("INSERT INTO schema_migrations (version, name, checksum) VALUES ('003'")


def test_a_long_description_is_staged_cut_and_merged_with_its_flag(clients: Clients) -> None:
    # GIVEN a batch whose ticket's description is 70,002 bytes of a three-byte character (a carried log)
    ticket = ProcessedTicket.model_validate(load_event(PROCESSED_TICKET) | {"description": "語" * 23_334})
    staged = StagedTicket(ticket, ticket.archive_key(), "e1")
    batch = LoadBatch(tickets=[staged], rejections=[], bookmarks=[Bookmark(staged.s3_key, "e1", NOW)],
                      loaded_at=NOW)  # fmt: skip
    lines: list[bytes] = []
    clients.s3.meta.events.register(
        "provide-client-params.s3.PutObject",
        lambda params, **_: lines.append(params["Body"]) if params["Key"].endswith("tickets.jsonl") else None,
    )
    keys = clients.expect_puts("tickets", "bookmarks")
    clients.expect_load_batch("b3", statements=8)
    clients.expect_cleanup(keys)

    # WHEN it is loaded
    clients.warehouse().load(batch)

    # THEN the staged row holds the opening that VARCHAR(65535) holds (21,845 whole characters) and the flag
    [line] = lines
    row = json.loads(line)
    assert (row["description"], row["description_truncated"]) == ("語" * 21_845, True)
    assert row == ticket_row(staged, NOW)
    # AND the MERGE writes the flag with every other column, matched or not
    [sqls] = clients.sqls
    assert sqls[3] == (
        "MERGE INTO processed_tickets USING etl_stage s ON processed_tickets.ticket_id = s.ticket_id"
        " WHEN MATCHED THEN UPDATE SET "
        + ", ".join(f"{column} = s.{column}" for column in ROW_COLUMNS[1:])
        + f" WHEN NOT MATCHED THEN INSERT ({', '.join(ROW_COLUMNS)}) VALUES ("
        + ", ".join(f"s.{column}" for column in ROW_COLUMNS)
        + ")"
    )


# processed_tickets' columns as the MERGE names them, spelled out: the record's fields, then the load's own.
ROW_COLUMNS = [
    *("ticket_id", "submitted_at", "customer_first_name", "customer_last_name", "customer_full_name"),
    *("customer_email", "customer_company", "product", "issue_type", "subject", "description"),
    *("response_text", "sentiment", "sentiment_score_positive", "sentiment_score_negative"),
    *("sentiment_score_neutral", "sentiment_score_mixed", "priority", "priority_reasoning", "processed_at"),
    *("description_truncated", "s3_key", "s3_etag", "loaded_at"),
]
