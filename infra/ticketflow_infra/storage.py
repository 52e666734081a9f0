"""Storage: the ticket table, the S3 archive and the S3Writer function that fills it."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ticketflow import carriage, dead_letters
from ticketflow.ticket_store import STATUS_INDEX
from ticketflow_infra.functions import FunctionDefaults, pipeline_function
from ticketflow_infra.security import acknowledge, finding_resource, role_of


class TicketStorage(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: FunctionDefaults,
        versioned: bool,
        point_in_time_recovery: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.TableV2(
            self,
            "Tickets",
            partition_key=dynamodb.Attribute(name="ticket_id", type=dynamodb.AttributeType.STRING),
            billing=dynamodb.Billing.on_demand(),
            # `ticketflow tickets list --status FAILED`: the tickets in one status, newest transition first.
            global_secondary_indexes=[
                dynamodb.GlobalSecondaryIndexPropsV2(
                    index_name=STATUS_INDEX,
                    partition_key=dynamodb.Attribute(name="status", type=dynamodb.AttributeType.STRING),
                    sort_key=dynamodb.Attribute(name="status_at", type=dynamodb.AttributeType.STRING),
                )
            ],
            encryption=dynamodb.TableEncryptionV2.aws_managed_key(),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=point_in_time_recovery
            ),
            removal_policy=functions.removal_policy,
        )
        self.bucket = s3.Bucket(
            self,
            "Archive",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=versioned,
            # A dead letter's record (dead-letters/) outlives every letter that may name it, then goes.
            lifecycle_rules=[
                s3.LifecycleRule(
                    prefix=dead_letters.PREFIX,
                    expiration=Duration.days(dead_letters.RETENTION_DAYS + 1),
                    noncurrent_version_expiration=Duration.days(1) if versioned else None,
                )
            ],
            removal_policy=functions.removal_policy,
        )
        acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            "Object access is audited with CloudTrail data events (docs/security.md); server access logs"
            " would need a second bucket, itself unlogged.",
        )
        self.writer: lambda_.Function = pipeline_function(
            self,
            "S3Writer",
            folder="s3_writer",
            defaults=functions,
            environment={"BUCKET_NAME": self.bucket.bucket_name},
        )
        # PutObject only (grant_put adds tagging, retention, legal hold and s3:Abort*), under tickets/ only.
        archive = self.bucket.arn_for_objects("tickets/*")
        iam.Grant.add_to_principal(grantee=self.writer, actions=["s3:PutObject"], resource_arns=[archive])
        acknowledge(
            role_of(self.writer),
            f"AwsSolutions-IAM5[Resource::{finding_resource(self, archive)}]",
            "Object ARNs name keys by pattern: the writer may put objects under tickets/ of this bucket only",
        )
        # It reads back a description the trigger kept whole because it was too long to travel inline.
        descriptions = self.bucket.arn_for_objects(f"{carriage.PREFIX}*")
        iam.Grant.add_to_principal(
            grantee=self.writer, actions=["s3:GetObject"], resource_arns=[descriptions]
        )
        acknowledge(
            role_of(self.writer),
            f"AwsSolutions-IAM5[Resource::{finding_resource(self, descriptions)}]",
            "Object ARNs name keys by pattern: the writer may read objects under descriptions/ of this bucket"
            " only",
        )
