"""Warehouse: the ETL that loads the S3 archive into Redshift, as a Lambda on an EventBridge schedule.

The function (`lambdas/warehouse_etl`) runs the same `run_etl` as `ticketflow etl` does locally, bundled with
the runtime and the ETL's Lambda path (bundling.ETL_ON_LAMBDA). Its Redshift connection lives in a Secrets
Manager secret created here with a generated password; the connection fields are filled in after deploy (see
docs/warehouse.md).
"""

from __future__ import annotations

import json
from typing import Final, cast

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from ticketflow_infra.functions import FunctionDefaults, pipeline_function
from ticketflow_infra.security import acknowledge, finding_resource

ARCHIVE_PREFIX: Final = "tickets/"
STAGING_PREFIX: Final = "etl-staging/"  # COPY files and manifests, deleted by the run that wrote them
DEFAULT_SCHEDULE: Final = events.Schedule.rate(cdk.Duration.hours(2))
ETL_TIMEOUT: Final = cdk.Duration.minutes(15)  # Lambda's maximum
# A run holds every record it loads (about 7 KB a ticket at peak, measured): 2 GB fits more than 15 minutes
# can fetch, and CPU (pydantic validation) scales with memory.
ETL_MEMORY_MB: Final = 2048
DATABASE_USER: Final = "ticketflow_etl"

# What the user fills in after deploy; Secrets Manager adds `password`. Exactly one of workgroupName
# (Serverless) and dbClusterIdentifier (provisioned); copyRoleArn is the role Redshift assumes to COPY.
SECRET_FIELDS: Final = {
    "username": DATABASE_USER,
    "dbname": "dev",
    "workgroupName": "",
    "dbClusterIdentifier": "",
    "copyRoleArn": "",
}


class Warehouse(Construct):
    """The ETL function, its Redshift connection secret, its schedule and exactly the access it needs."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        functions: FunctionDefaults,
        schedule: events.Schedule = DEFAULT_SCHEDULE,
    ) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret(
            self,
            "RedshiftConnection",
            description=(
                "Redshift target of the ticketflow ETL: set workgroupName or dbClusterIdentifier, dbname and"
                f" copyRoleArn; create the database user {DATABASE_USER} with this password"
            ),
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(SECRET_FIELDS),
                generate_string_key="password",
                # Redshift passwords: 8-64 characters, upper and lower case and a digit, no quotes, \ / @.
                exclude_punctuation=True,
                require_each_included_type=True,
                password_length=32,
            ),
        )
        acknowledge(
            self.secret,
            "AwsSolutions-SMG4",
            "The password is the Redshift user's: rotating it needs a rotation function that reaches the"
            " warehouse, set up with the warehouse itself (README, Security).",
        )
        self.function = pipeline_function(
            self,
            "Etl",
            folder="warehouse_etl",
            defaults=functions,
            environment={
                "BUCKET_NAME": bucket.bucket_name,
                "ARCHIVE_PREFIX": ARCHIVE_PREFIX,
                "STAGING_PREFIX": STAGING_PREFIX,
                "REDSHIFT_SECRET_ARN": self.secret.secret_arn,
            },
            timeout=ETL_TIMEOUT,
            memory_size=ETL_MEMORY_MB,
            state_machine_task=False,
        )
        # One run at a time, so two never stage or bookmark the same objects. pipeline_function has no
        # parameter for it (it reserves only the state machine's tasks), so it is set on the resource.
        cast("lambda_.CfnFunction", self.function.node.default_child).reserved_concurrent_executions = 1
        # A failed run commits nothing and the next scheduled one does its work: no immediate retry that
        # would most likely fail the same way (an unfilled secret, a paused warehouse).
        self.function.configure_async_invoke(retry_attempts=0)

        self.rule = events.Rule(
            self,
            "Schedule",
            schedule=schedule,
            description="Run the ticketflow warehouse ETL",
            targets=[events_targets.LambdaFunction(self.function)],
        )
        self._grant(bucket)

    def _grant(self, bucket: s3.IBucket) -> None:
        role = self.function.role
        if role is None:  # pipeline_function always creates one
            raise RuntimeError("the ETL function has no role")
        for statement in _statements(cdk.Stack.of(self), bucket):
            role.add_to_principal_policy(statement)
            for resource in statement.resources:
                if "*" in resource:
                    acknowledge(
                        role,
                        f"AwsSolutions-IAM5[Resource::{finding_resource(self, resource)}]",
                        _WILDCARD_REASONS[statement.sid or ""],
                    )
        self.secret.grant_read(role)


_WILDCARD_REASONS: Final = {
    "ReadArchive": "Object ARNs name keys by pattern: it reads the archive's objects only.",
    "StageCopyFiles": "Object ARNs name keys by pattern: it writes and deletes its own COPY files only.",
    "RunStatements": "The Redshift target is named in the secret after deploy: this account's clusters and"
    " workgroups in this Region; the database user bounds the rest.",
    "ReadOwnStatements": "Data API statement ids have no ARN; a condition limits reads to this role's own.",
}


def _statements(stack: cdk.Stack, bucket: s3.IBucket) -> list[iam.PolicyStatement]:
    """What the ETL does, action by action: list and read the archive, stage COPY files, run statements."""
    return [
        # No s3:prefix condition: S3 answers a GET of a missing key with 404 only to callers allowed to list,
        # and the reader counts a key deleted since the listing as vanished on 404, a failure on 403. The
        # bucket's keys are the archive and this function's own staging files.
        iam.PolicyStatement(sid="ListArchive", actions=["s3:ListBucket"], resources=[bucket.bucket_arn]),
        iam.PolicyStatement(
            sid="ReadArchive",
            actions=["s3:GetObject"],
            resources=[bucket.arn_for_objects(f"{ARCHIVE_PREFIX}*")],
        ),
        iam.PolicyStatement(
            sid="StageCopyFiles",
            actions=["s3:PutObject", "s3:DeleteObject"],
            resources=[bucket.arn_for_objects(f"{STAGING_PREFIX}*")],
        ),
        # The Redshift target is chosen after deploy (in the secret), so this is the account's clusters and
        # workgroups in this region: the narrowest ARNs known at synth. The database user bounds the rest.
        iam.PolicyStatement(
            sid="RunStatements",
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
        ),
        # Statement ids have no ARN (AWS takes only "*" here): the condition limits these to the statements
        # this role started.
        iam.PolicyStatement(
            sid="ReadOwnStatements",
            actions=["redshift-data:DescribeStatement", "redshift-data:GetStatementResult"],
            resources=["*"],
            conditions={"StringEquals": {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}},
        ),
    ]
