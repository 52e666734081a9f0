"""WarehouseEtl: the secret read per run, the Redshift warehouse built from it, run_etl, the counts returned.

S3 and Secrets Manager are stubbed with botocore's Stubber; the Data API is a small fake that answers the
adapter's queries (the adapter's own calls are pinned in test_etl_redshift.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from tests.aws_clients import offline_clients
from tests.event_files import STATE_AFTER_TRIAGE, load_event
from tests.unit.lambda_loader import FakeLambdaContext, load_handler
from ticketflow import composition
from ticketflow.entry_point import EntryPoint
from ticketflow.model import ProcessedTicket, SentimentResult, TicketSubmitted, Triage
from ticketflow_etl import lambda_clients
from ticketflow_etl.migrations import load_migrations

if TYPE_CHECKING:
    from mypy_boto3_redshift_data import RedshiftDataAPIServiceClient


warehouse_etl = load_handler("warehouse_etl")

BUCKET = "archive-bucket"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:WarehouseRedshiftConnection-AbCdEf"
COPY_ROLE = "arn:aws:iam::123456789012:role/redshift-copy"
FILLED_IN = {
    "username": "ticketflow_etl",
    "password": "generated",
    "dbname": "dev",
    "workgroupName": "ticketflow",
    "dbClusterIdentifier": "",
    "copyRoleArn": COPY_ROLE,
}
MODIFIED = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SCHEDULED_EVENT = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


@dataclass
class FakeDataApi:
    """The Data API calls RedshiftDataWarehouse makes, answered from in-memory tables; every call recorded."""

    bookmarks: dict[str, str] = field(default_factory=dict)
    rows: int = 0
    calls: list[dict[str, Any]] = field(default_factory=list)
    _results: dict[str, list[list[dict[str, Any]]]] = field(default_factory=dict)

    def execute_statement(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        statement_id = f"s{len(self.calls)}"
        sql = kwargs["Sql"]
        if sql.startswith("SELECT version, checksum FROM schema_migrations"):
            applied = load_migrations("redshift")  # the schema is up to date
            self._results[statement_id] = [[_text(m.version), _text(m.checksum)] for m in applied]
        elif sql.startswith("SELECT s3_key, s3_etag FROM etl_bookmarks"):
            self._results[statement_id] = [[_text(k), _text(e)] for k, e in self.bookmarks.items()]
        elif sql.startswith("SELECT COUNT(*) FROM processed_tickets"):
            self._results[statement_id] = [[{"longValue": self.rows}]]
        return {"Id": statement_id}

    def batch_execute_statement(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        self.rows += sum(sql.startswith("MERGE INTO processed_tickets") for sql in kwargs["Sqls"])
        return {"Id": "batch"}

    def describe_statement(self, Id: str) -> dict[str, Any]:  # noqa: N803 -- the API's parameter name
        described: dict[str, Any] = {"Id": Id, "Status": "FINISHED", "HasResultSet": Id in self._results}
        if Id == "batch":  # one staged ticket per batch in these tests: the MERGE affects one row
            described["SubStatements"] = [
                {"Id": f"batch:{n}", "ResultRows": int(sql.startswith("MERGE"))}
                for n, sql in enumerate(self.calls[-1]["Sqls"], start=1)
            ]
        return described

    def get_statement_result(self, Id: str, **_: Any) -> dict[str, Any]:  # noqa: N803
        return {"Records": self._results[Id]}


def _text(value: str) -> dict[str, str]:
    return {"stringValue": value}


def processed_ticket() -> ProcessedTicket:
    state = load_event(STATE_AFTER_TRIAGE)
    return ProcessedTicket.build(
        TicketSubmitted.model_validate(state),
        SentimentResult.model_validate(state["sentiment"]),
        Triage.model_validate(state["triage"]),
        processed_at=MODIFIED,
    )


@dataclass
class Deps:
    clients: lambda_clients.WarehouseEtlClients
    s3: Stubber
    secrets: Stubber
    data_api: FakeDataApi


@pytest.fixture
def deps() -> Iterator[Deps]:
    s3 = offline_clients()("s3")
    secrets = offline_clients()("secretsmanager")
    data_api = FakeDataApi()
    clients = lambda_clients.WarehouseEtlClients(
        s3=s3,
        secrets=secrets,
        data_api=cast("RedshiftDataAPIServiceClient", data_api),
        bucket=BUCKET,
        archive_prefix="tickets/",
        staging_prefix="etl-staging/",
        redshift_secret_arn=SECRET_ARN,
        max_workers=1,  # one request at a time: the Stubber answers in order
    )
    with Stubber(s3) as s3_stub, Stubber(secrets) as secrets_stub:
        yield Deps(clients, s3_stub, secrets_stub, data_api)


def expect_secret(deps: Deps, secret: dict[str, str]) -> None:
    deps.secrets.add_response(
        "get_secret_value",
        {"ARN": SECRET_ARN, "Name": "WarehouseRedshiftConnection", "SecretString": json.dumps(secret)},
        {"SecretId": SECRET_ARN},
    )


def expect_listing(deps: Deps, key: str, etag: str) -> None:
    deps.s3.add_response(
        "list_objects_v2",
        {"Contents": [{"Key": key, "ETag": f'"{etag}"', "LastModified": MODIFIED}], "IsTruncated": False},
        {"Bucket": BUCKET, "Prefix": "tickets/", "Delimiter": "/"},
    )


def expect_fetch(deps: Deps, key: str, etag: str, body: bytes) -> None:
    deps.s3.add_response(
        "get_object",
        {"Body": StreamingBody(BytesIO(body), len(body)), "ETag": f'"{etag}"', "LastModified": MODIFIED},
        {"Bucket": BUCKET, "Key": key},
    )


def expect_staging(deps: Deps, files: int) -> list[str]:
    """`files` staged COPY files and manifests, then their deletion; returns the keys as they are written."""
    keys: list[str] = []
    deps.clients.s3.meta.events.register(
        "provide-client-params.s3.PutObject", lambda params, **_: keys.append(params["Key"])
    )
    for _ in range(files):
        deps.s3.add_response("put_object", {"ETag": '"staged"'}, {"Bucket": BUCKET, "Key": ANY, "Body": ANY})
    deps.s3.add_response("delete_objects", {"Deleted": []}, {"Bucket": BUCKET, "Delete": ANY})
    return keys


def test_a_new_archive_object_is_loaded_and_counted(deps: Deps) -> None:
    # GIVEN a filled-in secret, one archived ticket the warehouse has not seen, and an up-to-date schema
    ticket = processed_ticket()
    key, etag = ticket.archive_key(), "etag-1"
    expect_secret(deps, FILLED_IN)
    expect_listing(deps, key, etag)
    expect_fetch(deps, key, etag, ticket.model_dump_json().encode())
    staged = expect_staging(deps, files=4)  # tickets and bookmarks: data and manifest each

    # WHEN the scheduled event arrives
    result = warehouse_etl.handle(SCHEDULED_EVENT, deps.clients)

    # THEN the ticket is merged and bookmarked in one batch, and the counts come back
    assert {k: v for k, v in result.items() if k != "seconds"} == {
        "scanned": 1,
        "fetched": 1,
        "loaded": 1,
        "rejected": 0,
        "warehouse_rows": 1,
        "migrations_applied": [],
    }
    deps.s3.assert_no_pending_responses()
    deps.secrets.assert_no_pending_responses()
    # every statement runs against the target the secret names, with the secret's own credentials
    targets = [{k: call[k] for k in call if k not in ("Sql", "Sqls")} for call in deps.data_api.calls]
    assert targets == [{"Database": "dev", "SecretArn": SECRET_ARN, "WorkgroupName": "ticketflow"}] * len(
        targets
    )
    [batch] = [call["Sqls"] for call in deps.data_api.calls if "Sqls" in call]
    copies = [sql for sql in batch if sql.startswith("COPY")]
    assert len(copies) == 2
    assert all(f"IAM_ROLE '{COPY_ROLE}'" in sql and f"s3://{BUCKET}/etl-staging/" in sql for sql in copies)
    assert len(staged) == 4
    assert all(key.startswith("etl-staging/") for key in staged)


def test_a_run_with_nothing_new_loads_nothing(deps: Deps) -> None:
    # GIVEN an archive whose only object is already bookmarked at its current ETag
    ticket = processed_ticket()
    deps.data_api.bookmarks = {ticket.archive_key(): "etag-1"}
    deps.data_api.rows = 1
    expect_secret(deps, FILLED_IN)
    expect_listing(deps, ticket.archive_key(), "etag-1")

    # WHEN the handler runs
    result = warehouse_etl.handle(SCHEDULED_EVENT, deps.clients)

    # THEN nothing is fetched, staged or merged (the Stubber has no get/put/delete to give)
    assert (result["scanned"], result["fetched"], result["loaded"], result["warehouse_rows"]) == (1, 0, 0, 1)
    assert not [call for call in deps.data_api.calls if "Sqls" in call]


def test_a_secret_not_filled_in_fails_before_any_statement(deps: Deps) -> None:
    # GIVEN the secret as the stack creates it: no workgroup, no cluster, no COPY role
    expect_secret(
        deps,
        {"username": "ticketflow_etl", "password": "generated", "dbname": "dev"}
        | {"workgroupName": "", "dbClusterIdentifier": "", "copyRoleArn": ""},
    )

    # WHEN / THEN the run fails naming what is missing, before touching Redshift or the archive
    with pytest.raises(ValueError, match="exactly one of dbClusterIdentifier and workgroupName"):
        warehouse_etl.handle(SCHEDULED_EVENT, deps.clients)
    assert deps.data_api.calls == []


def test_a_secret_without_the_copy_role_fails_before_any_statement(deps: Deps) -> None:
    # GIVEN a secret naming the workgroup but not the role Redshift assumes to COPY
    expect_secret(deps, FILLED_IN | {"copyRoleArn": ""})

    # WHEN / THEN
    with pytest.raises(ValueError, match="copyRoleArn"):
        warehouse_etl.handle(SCHEDULED_EVENT, deps.clients)
    assert deps.data_api.calls == []


def test_lambda_handler_runs_with_a_lambda_context(
    monkeypatch: pytest.MonkeyPatch, deps: Deps, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN the function's clients, nothing new in the archive
    expect_secret(deps, FILLED_IN)
    deps.s3.add_response(
        "list_objects_v2", {"IsTruncated": False}, {"Bucket": BUCKET, "Prefix": "tickets/", "Delimiter": "/"}
    )

    # WHEN the Lambda entry point runs
    entry = EntryPoint(warehouse_etl.handle, lambda: deps.clients, warehouse_etl.logger)
    result = entry(SCHEDULED_EVENT, lambda_context)

    # THEN the counts come back
    assert (result["scanned"], result["fetched"], result["loaded"]) == (0, 0, 0)


def test_composition_reads_the_functions_environment() -> None:
    # GIVEN the variables the Warehouse construct sets, and an offline session
    env = composition.FunctionEnvironment(
        {
            "BUCKET_NAME": BUCKET,
            "ARCHIVE_PREFIX": "tickets/",
            "STAGING_PREFIX": "etl-staging/",
            "REDSHIFT_SECRET_ARN": SECRET_ARN,
        }
    )
    session = boto3.session.Session(
        region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )

    # WHEN the clients are composed
    clients = lambda_clients.warehouse_etl(env, session)

    # THEN each field comes from its variable, the S3 pool fits the fetch pool, the secret is only an ARN
    assert (clients.bucket, clients.archive_prefix, clients.staging_prefix) == (
        BUCKET,
        "tickets/",
        "etl-staging/",
    )
    assert clients.redshift_secret_arn == SECRET_ARN
    assert cast("Any", clients.s3.meta.config).max_pool_connections >= clients.max_workers
    assert clients.data_api.meta.service_model.service_name == "redshift-data"
    with pytest.raises(RuntimeError, match="REDSHIFT_SECRET_ARN"):
        lambda_clients.warehouse_etl(
            composition.FunctionEnvironment(
                {k: v for k, v in env.environ.items() if k != "REDSHIFT_SECRET_ARN"}
            ),
            session,
        )
