"""Ingest: the Kinesis stream and the TriggerSFN function that starts one execution per ticket."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ticketflow import carriage, dead_letters
from ticketflow.ingest import ADMISSION_WAIT_SECONDS
from ticketflow.model import EVENT_NAME
from ticketflow_infra.functions import FunctionDefaults, pipeline_function
from ticketflow_infra.security import acknowledge, finding_resource, role_of

BATCH_SIZE = 100


class Ingest(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: FunctionDefaults,
        state_machine: sfn.IStateMachine,
        table: dynamodb.ITableV2,
        bucket: s3.IBucket,
        max_in_flight: int | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.stream = kinesis.Stream(
            self,
            "Tickets",
            shard_count=1,
            encryption=kinesis.StreamEncryption.MANAGED,
            removal_policy=functions.removal_policy,
        )
        # Records the trigger could not hand on, kept whole for `ticketflow dlq replay` (and, on AWS, the
        # mapping's own on-failure records for invocations that failed outright).
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(dead_letters.RETENTION_DAYS),
            removal_policy=functions.removal_policy,
        )
        acknowledge(
            self.dead_letters,
            "AwsSolutions-SQS3",
            "This is the dead-letter queue (the mapping's on-failure destination): records end here for"
            " replay.",
        )
        self.trigger: lambda_.Function = pipeline_function(
            self,
            "TriggerSFN",
            folder="trigger_sfn",
            defaults=functions,
            environment={
                "STATE_MACHINE_ARN": state_machine.state_machine_arn,
                "TABLE_NAME": table.table_name,
                "DEAD_LETTER_QUEUE_URL": self.dead_letters.queue_url,
                "BUCKET_NAME": bucket.bucket_name,
                **({"MAX_IN_FLIGHT": str(max_in_flight)} if max_in_flight else {}),
            },
            # A batch may wait ADMISSION_WAIT_SECONDS for capacity, then still start what it was given.
            timeout=cdk.Duration.seconds(ADMISSION_WAIT_SECONDS + 20),
            state_machine_task=False,
        )
        self.trigger.add_event_source(
            event_sources.KinesisEventSource(
                self.stream,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=BATCH_SIZE,
                max_batching_window=cdk.Duration.seconds(0),
                # AWS applies Kinesis filter patterns to the decoded record under the `data` key.
                filters=[
                    lambda_.FilterCriteria.filter(
                        {"data": {"eventName": lambda_.FilterRule.is_equal(EVENT_NAME)}}
                    )
                ],
                report_batch_item_failures=True,
                bisect_batch_on_error=True,
                retry_attempts=5,
                on_failure=event_sources.SqsDlq(self.dead_letters),
            )
        )
        state_machine.grant_start_execution(self.trigger)
        # On the table itself: TableV2.grant would add its indexes (index/*), which item calls never use.
        iam.Grant.add_to_principal(
            grantee=self.trigger,
            # BatchGetItem: admission reads its in-flight tickets' statuses in one call.
            actions=["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:BatchGetItem"],
            resource_arns=[table.table_arn],
        )
        self.dead_letters.grant_send_messages(self.trigger)
        # A description too long to travel in the execution is put whole under descriptions/, a record too
        # large for a dead letter under dead-letters/, and only there.
        for prefix in (carriage.PREFIX, dead_letters.PREFIX):
            objects = bucket.arn_for_objects(f"{prefix}*")
            iam.Grant.add_to_principal(
                grantee=self.trigger, actions=["s3:PutObject"], resource_arns=[objects]
            )
            acknowledge(
                role_of(self.trigger),
                f"AwsSolutions-IAM5[Resource::{finding_resource(self, objects)}]",
                f"Object ARNs name keys by pattern: the trigger may put objects under {prefix} of the archive"
                " bucket only",
            )
