"""Warehouse: the Glue Python shell job that loads the S3 archive into Redshift every interval.

The job's script is `glue/ticketflow_etl/job.py`; its library is one wheel holding the shared `ticketflow`
package and `ticketflow_etl`, built here at synth time (pure Python, no network, deterministic bytes) and
copied under its PEP 427 file name (pip refuses a wheel named like an asset hash) by a BucketDeployment.
pydantic comes from PyPI at job start through `--additional-python-modules`.

Glue Python shell runs Python 3.9: the wheel says so (Requires-Python), and the shared model must stay
importable there for the job to run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from ticketflow_infra.paths import BUILD_DIR, SHARED_PACKAGE_DIR

WHEEL_NAME = "ticketflow_etl"
WHEEL_VERSION = "0.1.0"
# The newest pydantic that installs on Glue's Python 3.9 (2.14 needs >= 3.10).
GLUE_PYTHON_MODULES = "pydantic==2.13.5"
ARCHIVE_PREFIX = "tickets/"
STAGING_PREFIX = "etl-staging/"
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # stable zip bytes, so the asset hash changes only with the code


def _package_files(package: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield f"{package.name}/{path.relative_to(package).as_posix()}", path


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_etl_wheel(packages: list[Path], out_dir: Path) -> Path:
    """A pure-Python wheel of `packages` (folders with `__init__.py`) in an otherwise empty `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.whl"):
        stale.unlink()
    dist_info = f"{WHEEL_NAME}-{WHEEL_VERSION}.dist-info"
    files = {name: path.read_bytes() for package in packages for name, path in _package_files(package)}
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {WHEEL_NAME}\nVersion: {WHEEL_VERSION}\nRequires-Python: >=3.9\n"
    ).encode()
    files[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: ticketflow_infra\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = [_record_line(name, data) for name, data in files.items()] + [f"{dist_info}/RECORD,,"]
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = out_dir / f"{WHEEL_NAME}-{WHEEL_VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return wheel


class Warehouse(Construct):
    """The ETL job, its Redshift connection secret, its schedule and exactly the access it needs."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        script_dir: Path,
        secret_name: str,
        schedule: events.Schedule,
        shared_package_dir: Path = SHARED_PACKAGE_DIR,
        build_dir: Path = BUILD_DIR / "glue",
    ) -> None:
        super().__init__(scope, construct_id)
        etl_package = script_dir / "ticketflow_etl"
        wheel = build_etl_wheel([shared_package_dir, etl_package], build_dir)

        # Placeholders to fill after deploy; the job refuses to run until exactly one target is set.
        self.secret = secretsmanager.Secret(
            self,
            "RedshiftConnection",
            secret_name=secret_name,
            description="Redshift target of the ticketflow ETL: set workgroupName or dbClusterIdentifier",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(
                    {
                        "username": "ticketflow_etl",
                        "dbname": "dev",
                        "workgroupName": "",
                        "dbClusterIdentifier": "",
                        "copyRoleArn": "",
                    }
                ),
                generate_string_key="password",
                exclude_punctuation=True,
                password_length=32,
            ),
        )

        code_bucket = s3.Bucket(
            self,
            "JobCode",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
        )
        library = s3deploy.BucketDeployment(
            self,
            "Library",
            destination_bucket=code_bucket,
            destination_key_prefix="lib/",
            sources=[s3deploy.Source.asset(str(build_dir))],
            prune=True,
        )

        self.role = iam.Role(
            self,
            "JobRole",
            assumed_by=iam.ServicePrincipal("glue.amazonaws.com"),
            description="ticketflow ETL: read the archive, stage COPY files, run Redshift Data API calls",
        )
        self.job = glue.PythonShellJob(
            self,
            "Job",
            role=self.role,
            script=glue.Code.from_asset(str(etl_package / "job.py")),
            extra_python_files=[glue.Code.from_bucket(code_bucket, f"lib/{wheel.name}")],
            python_version=glue.PythonVersion.THREE_NINE,
            max_capacity=glue.MaxCapacity.DPU_1_16TH,
            max_concurrent_runs=1,  # runs never overlap, so two never stage the same objects
            max_retries=0,  # the next scheduled run picks up everything a failed one had
            timeout=cdk.Duration.hours(1),
            description="ticketflow ETL: S3 ticket archive to Redshift (incremental, idempotent)",
            default_arguments={
                "--additional-python-modules": GLUE_PYTHON_MODULES,
                "--archive_bucket": bucket.bucket_name,
                "--archive_prefix": ARCHIVE_PREFIX,
                "--staging_prefix": STAGING_PREFIX,
                "--redshift_secret_id": self.secret.secret_arn,
            },
        )
        self.job.node.add_dependency(library)
        self._grant(bucket, code_bucket)

        self.schedule = scheduler.Schedule(
            self,
            "Schedule",
            schedule=scheduler.ScheduleExpression.expression(schedule.expression_string),
            description="Start the ticketflow ETL",
            target=scheduler_targets.Universal(
                service="glue",
                action="startJobRun",
                input=scheduler.ScheduleTargetInput.from_object({"JobName": self.job.job_name}),
                policy_statements=[
                    iam.PolicyStatement(actions=["glue:StartJobRun"], resources=[self.job.job_arn])
                ],
            ),
        )

    def _grant(self, bucket: s3.IBucket, code_bucket: s3.IBucket) -> None:
        bucket.grant_read(self.role, f"{ARCHIVE_PREFIX}*")
        bucket.grant_put(self.role, f"{STAGING_PREFIX}*")
        bucket.grant_delete(self.role, f"{STAGING_PREFIX}*")
        code_bucket.grant_read(self.role, "lib/*")
        self.secret.grant_read(self.role)
        stack = cdk.Stack.of(self)
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"],
                resources=[
                    stack.format_arn(
                        service="redshift",
                        resource="cluster",
                        resource_name="*",
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    ),
                    stack.format_arn(service="redshift-serverless", resource="workgroup", resource_name="*"),
                ],
            )
        )
        # Statement ids carry no resource ARN: scope reads to the statements this role started.
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "redshift-data:DescribeStatement",
                    "redshift-data:GetStatementResult",
                    "redshift-data:CancelStatement",
                ],
                resources=["*"],
                conditions={"StringEquals": {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}},
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[
                    stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name="/aws-glue/*",
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
