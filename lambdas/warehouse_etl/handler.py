"""WarehouseEtl: on a schedule, load the archive objects that are new or changed into Redshift.

The same `run_etl` as `ticketflow etl` runs locally into PostgreSQL; here the warehouse is Redshift through
the Data API. The connection secret is read on every run, not once per container: it is filled in after
deploy and may change. A failed run commits nothing; the next one picks up everything it had.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger

from ticketflow.composition import FunctionEnvironment
from ticketflow.entry_point import EntryPoint
from ticketflow_etl.lambda_clients import WarehouseEtlClients, warehouse_etl
from ticketflow_etl.redshift import RedshiftDataWarehouse, RedshiftTarget
from ticketflow_etl.run import EtlReport, run_etl

logger = Logger()


def _clients() -> WarehouseEtlClients:
    return warehouse_etl(FunctionEnvironment.current())


def redshift_warehouse(clients: WarehouseEtlClients) -> RedshiftDataWarehouse:
    """The warehouse the secret names right now; the Data API reads the credentials from the secret itself."""
    secret = clients.secrets.get_secret_value(SecretId=clients.redshift_secret_arn)
    target = RedshiftTarget.from_secret(secret["ARN"], json.loads(secret["SecretString"]))
    return RedshiftDataWarehouse(
        clients.data_api,
        clients.s3,
        target,
        staging_bucket=clients.bucket,
        staging_prefix=clients.staging_prefix,
    )


def counts(report: EtlReport) -> dict[str, Any]:
    return {
        "scanned": report.scanned,
        "fetched": report.fetched,
        "loaded": report.loaded,
        "rejected": report.rejected,
        "warehouse_rows": report.warehouse_rows,
        "migrations_applied": report.migrations_applied,
        "seconds": report.seconds,
    }


def handle(event: dict[str, Any], clients: WarehouseEtlClients) -> dict[str, Any]:
    report = run_etl(
        clients.s3,
        clients.bucket,
        clients.archive_prefix,
        redshift_warehouse(clients),
        max_workers=clients.max_workers,
    )
    result = counts(report)
    logger.info("warehouse loaded", **result)
    return result


lambda_handler = EntryPoint(handle, _clients, logger)
