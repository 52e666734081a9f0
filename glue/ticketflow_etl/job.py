"""The Glue Python shell job: read the Redshift secret, build the clients, run the ETL, print the report.

Glue passes job arguments in argv as `--name value`; MiniStack's pythonshell runner passes them as
environment variables named without the dashes. Both are read, argv first.

Arguments: `--archive_bucket` (required), `--redshift_secret_id` (required), `--archive_prefix`
(default `tickets/`), `--staging_prefix` (default `etl-staging/`), `--max_workers` (default 8).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import boto3

from ticketflow_etl.archive import client_config
from ticketflow_etl.redshift import RedshiftDataWarehouse, RedshiftTarget
from ticketflow_etl.run import EtlReport, run_etl

REQUIRED = ("archive_bucket", "redshift_secret_id")
DEFAULTS = {"archive_prefix": "tickets/", "staging_prefix": "etl-staging/", "max_workers": "8"}


class JobArgumentError(ValueError):
    pass


def job_arguments(argv: Sequence[str], environ: Mapping[str, str]) -> dict[str, str]:
    """This job's arguments from `--name value` / `--name=value` in argv, then the environment, then defaults.

    Arguments Glue adds for itself (`--job-bookmark-option`, `--scriptLocation`, ...) are ignored.
    """
    found: dict[str, str] = {}
    tokens = list(argv)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if not token.startswith("--"):
            continue
        name, has_value, value = token[2:].partition("=")
        if not has_value and index < len(tokens) and not tokens[index].startswith("--"):
            value = tokens[index]
            index += 1
        found[name] = value
    wanted = (*REQUIRED, *DEFAULTS)
    arguments = {name: found[name] for name in wanted if found.get(name)}
    for name in wanted:
        if name not in arguments and environ.get(name):
            arguments[name] = environ[name]
    missing = [name for name in REQUIRED if name not in arguments]
    if missing:
        raise JobArgumentError("missing job arguments: " + ", ".join(f"--{name}" for name in missing))
    return {**DEFAULTS, **arguments}


def run_job(arguments: Mapping[str, str], session: Any) -> EtlReport:
    """Compose the clients and the Redshift warehouse from `arguments` and run the ETL once."""
    workers = int(arguments["max_workers"])
    s3 = session.client("s3", config=client_config(workers))
    secret = session.client("secretsmanager").get_secret_value(SecretId=arguments["redshift_secret_id"])
    target = RedshiftTarget.from_secret(secret["ARN"], json.loads(secret["SecretString"]))
    warehouse = RedshiftDataWarehouse(
        session.client("redshift-data"),
        s3,
        target,
        staging_bucket=arguments["archive_bucket"],
        staging_prefix=arguments["staging_prefix"],
    )
    return run_etl(
        s3, arguments["archive_bucket"], arguments["archive_prefix"], warehouse, max_workers=workers
    )


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    arguments = job_arguments(
        sys.argv[1:] if argv is None else argv, os.environ if environ is None else environ
    )
    report = run_job(arguments, boto3.session.Session())
    print(report.summary())  # noqa: T201 -- the job's log is its stdout
    print(json.dumps(report.to_dict()))  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
