"""`ticketflow etl`: load the S3 ticket archive into the local warehouse, once or every interval.

The same `run_etl` runs on AWS as the scheduled warehouse ETL Lambda (`lambdas/warehouse_etl/`, into
Redshift); here it runs in-process against the profile's S3 (the emulator locally) and the local PostgreSQL.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from ticketflow_dev.cli.common import err, out, parse_interval, stack_outputs
from ticketflow_dev.core.aws import Clients, client_kwargs
from ticketflow_dev.core.safe_text import inert
from ticketflow_etl.archive_reader import DEFAULT_PROCESSES, DEFAULT_WORKERS, ProcessFetch, s3_client
from ticketflow_etl.postgres import PostgresWarehouse
from ticketflow_etl.run import EtlReport, run_etl
from ticketflow_infra.outputs import OutputsNotFoundError
from ticketflow_infra.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def archive_bucket(settings: Settings) -> str:
    """The deployed stack's `BucketName` output (environment, outputs file, then CloudFormation)."""
    try:
        return stack_outputs(settings, Clients(settings)).bucket_name
    except OutputsNotFoundError as error:
        raise typer.BadParameter(f"{error}; or pass --bucket", param_hint="--bucket") from error


def run_once(
    s3: S3Client,
    bucket: str,
    prefix: str,
    *,
    warehouse_url: str,
    workers: int,
    report_path: Path,
    processes: ProcessFetch | None = None,
) -> EtlReport:
    with PostgresWarehouse.connect(warehouse_url) as warehouse:
        report = run_etl(s3, bucket, prefix, warehouse, max_workers=workers, processes=processes)
    report.write(report_path)
    out.print(inert(report.summary()))
    out.print(f"report: {report_path}")
    return report


def etl_command(
    *,
    bucket: Annotated[
        str | None, typer.Option(help="Archive bucket. Default: the deployed stack's BucketName output.")
    ] = None,
    prefix: Annotated[str, typer.Option(help="Key prefix of the archive.")] = "tickets/",
    warehouse_url: Annotated[
        str | None, typer.Option(help="PostgreSQL URL. Default: the local stack's warehouse.")
    ] = None,
    every: Annotated[
        str | None, typer.Option(help="Keep running at this interval (2h, 30m, 1h30m); Ctrl-C stops.")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Concurrent S3 requests.")] = DEFAULT_WORKERS,
    processes: Annotated[
        int,
        typer.Option(min=0, max=16, help="Processes sharing the S3 requests (0: threads in this process)."),
    ] = DEFAULT_PROCESSES,
) -> None:
    """Load new and changed archived tickets into the warehouse; write <home>/reports/etl.json."""
    settings = Settings.load()
    interval = parse_interval(every) if every is not None else None
    kwargs = client_kwargs(settings)
    s3 = s3_client(kwargs, max_workers=workers)
    fetch = ProcessFetch(kwargs, processes) if processes > 0 else None
    target = bucket or archive_bucket(settings)
    url = warehouse_url or settings.warehouse_url
    report_path = settings.reports_dir / "etl.json"
    if interval is None:
        run_once(
            s3, target, prefix, warehouse_url=url, workers=workers, report_path=report_path, processes=fetch
        )
        return
    stop = threading.Event()
    try:
        while not stop.is_set():
            try:
                run_once(
                    s3,
                    target,
                    prefix,
                    warehouse_url=url,
                    workers=workers,
                    report_path=report_path,
                    processes=fetch,
                )
            except Exception as error:  # noqa: BLE001 -- the loop survives a failed run; the next one retries
                err.print(Text.assemble(("ETL run failed, nothing committed:", "red"), " ", inert(error)))
            out.print(f"next run in {interval}")
            stop.wait(interval.total_seconds())
    except KeyboardInterrupt:
        out.print("stopped")
