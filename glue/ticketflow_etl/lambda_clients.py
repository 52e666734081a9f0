"""The warehouse ETL function's clients and settings: read once per container from its environment.

Beside the runtime's own composition (ticketflow.composition), whose client settings and environment
reader it shares; it lives in the ETL package because only the ETL function needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ticketflow.composition import CLIENT_CONFIG, FunctionEnvironment, session_or_default
from ticketflow_etl.archive_reader import DEFAULT_WORKERS, client_config

if TYPE_CHECKING:
    from boto3.session import Session
    from mypy_boto3_redshift_data import RedshiftDataAPIServiceClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient


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
    s = session_or_default(session)
    return WarehouseEtlClients(
        # A connection pool as large as the fetch pool; the archive reads retry a little more than the rest.
        s3=s.client("s3", config=CLIENT_CONFIG.merge(client_config(DEFAULT_WORKERS))),
        secrets=s.client("secretsmanager", config=CLIENT_CONFIG),
        data_api=s.client("redshift-data", config=CLIENT_CONFIG),
        bucket=env.require("BUCKET_NAME"),
        archive_prefix=env.require("ARCHIVE_PREFIX"),
        staging_prefix=env.require("STAGING_PREFIX"),
        redshift_secret_arn=env.require("REDSHIFT_SECRET_ARN"),
    )
