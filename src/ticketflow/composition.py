"""The one place a Lambda reads its environment and builds its clients (once per container).

Endpoints are not configured here: boto3 itself honours `AWS_ENDPOINT_URL_<SERVICE>`, which the local
profile sets on the functions, so the same code reaches AWS or the stand-ins.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from ticketflow_etl.archive import DEFAULT_WORKERS, client_config

from ticketflow.archive import TicketArchive
from ticketflow.dead_letters import DeadLetterQueue
from ticketflow.enrichment import BedrockTriage, ComprehendSentiment
from ticketflow.ingest import START_CONCURRENCY, Intake
from ticketflow.ticket_store import DynamoTicketStore

if TYPE_CHECKING:
    from boto3.session import Session
    from mypy_boto3_redshift_data import RedshiftDataAPIServiceClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient

# Standard retry mode backs off with jitter on throttling and 5xx; the state machine retries on top.
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=60)
# The AI adapters retry by their own policy (ticketflow.retry), which also covers ModelTimeoutException.
_AI_CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 1}, connect_timeout=5, read_timeout=60
)


@dataclass(frozen=True)
class FunctionEnvironment:
    """What the stack passes to the functions; each function reads only the fields it needs."""

    environ: Mapping[str, str]

    def require(self, name: str) -> str:
        value = self.environ.get(name)
        if not value:
            raise RuntimeError(f"environment variable {name} is not set on this function")
        return value

    @classmethod
    def current(cls) -> FunctionEnvironment:
        return cls(dict(os.environ))


def _session(session: Session | None) -> Session:
    return session or boto3.session.Session()


def intake(env: FunctionEnvironment, session: Session | None = None) -> Intake:
    s = _session(session)
    config = _CLIENT_CONFIG.merge(Config(max_pool_connections=START_CONCURRENCY))
    store = DynamoTicketStore(s.client("dynamodb", config=config), env.require("TABLE_NAME"))
    return Intake(s.client("stepfunctions", config=config), env.require("STATE_MACHINE_ARN"), store)


def dead_letter_queue(env: FunctionEnvironment, session: Session | None = None) -> DeadLetterQueue:
    client = _session(session).client("sqs", config=_CLIENT_CONFIG)
    return DeadLetterQueue(client, env.require("DEAD_LETTER_QUEUE_URL"))


def sentiment_detector(session: Session | None = None) -> ComprehendSentiment:
    return ComprehendSentiment(_session(session).client("comprehend", config=_AI_CLIENT_CONFIG))


def triager(env: FunctionEnvironment, session: Session | None = None) -> BedrockTriage:
    client = _session(session).client("bedrock-runtime", config=_AI_CLIENT_CONFIG)
    return BedrockTriage(client, env.require("BEDROCK_MODEL_ID"))


def archive(env: FunctionEnvironment, session: Session | None = None) -> TicketArchive:
    return TicketArchive(_session(session).client("s3", config=_CLIENT_CONFIG), env.require("BUCKET_NAME"))


@dataclass(frozen=True)
class WarehouseEtlClients:
    """The warehouse ETL's clients and where it reads and stages; the Redshift target is read per run."""

    s3: S3Client
    secrets: SecretsManagerClient
    data_api: RedshiftDataAPIServiceClient
    bucket: str
    archive_prefix: str
    staging_prefix: str
    redshift_secret_arn: str
    max_workers: int = DEFAULT_WORKERS


def warehouse_etl(env: FunctionEnvironment, session: Session | None = None) -> WarehouseEtlClients:
    s = _session(session)
    return WarehouseEtlClients(
        # A connection pool as large as the fetch pool; the archive reads retry a little more than the rest.
        s3=s.client("s3", config=_CLIENT_CONFIG.merge(client_config(DEFAULT_WORKERS))),
        secrets=s.client("secretsmanager", config=_CLIENT_CONFIG),
        data_api=s.client("redshift-data", config=_CLIENT_CONFIG),
        bucket=env.require("BUCKET_NAME"),
        archive_prefix=env.require("ARCHIVE_PREFIX"),
        staging_prefix=env.require("STAGING_PREFIX"),
        redshift_secret_arn=env.require("REDSHIFT_SECRET_ARN"),
    )
