"""Ingest: the Kinesis stream and the TriggerSFN function that starts one execution per ticket."""

from __future__ import annotations

import aws_cdk as cdk
import jsii
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
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
# What a Kinesis event source mapping reads with its function's role (Lambda Developer Guide, "Process Amazon
# Kinesis Data Streams records with Lambda"). Not the SubscribeToShard that page lists too: it serves an
# enhanced fan-out consumer, which this stack has none of, and authorises on the consumer's ARN, so a grant
# on the stream's ARN allows nothing (the mutation check found it unused).
STREAM_READS = (
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
)


@jsii.implements(lambda_.IEventSourceDlq)
class SendOnlyDeadLetters:
    """A mapping's on-failure queue, its function allowed sqs:SendMessage to it and nothing else (what Lambda
    documents for an SQS on-failure destination)."""

    def __init__(self, queue: sqs.IQueue) -> None:
        self._queue = queue

    def bind(
        self, _target: lambda_.IEventSourceMapping, target_handler: lambda_.IFunction
    ) -> lambda_.DlqDestinationConfig:
        iam.Grant.add_to_principal(
            grantee=target_handler, actions=["sqs:SendMessage"], resource_arns=[self._queue.queue_arn]
        )
        return lambda_.DlqDestinationConfig(destination=self._queue.queue_arn)


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
        # A mapping of its own rather than KinesisEventSource, whose grant_read adds ListStreams and
        # DescribeStreamConsumer, and SqsDlq, which adds GetQueueAttributes and GetQueueUrl: the mutation
        # check (docs/iam.md) found nothing needs them. These are the reads Lambda documents for a mapping.
        self.stream.grant(self.trigger, *STREAM_READS)
        self.trigger.add_event_source_mapping(
            "KinesisTickets",
            event_source_arn=self.stream.stream_arn,
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
            on_failure=SendOnlyDeadLetters(self.dead_letters),
        )
        state_machine.grant_start_execution(self.trigger)
        # On the table itself: TableV2.grant would add its indexes (index/*), which item calls never use.
        iam.Grant.add_to_principal(
            grantee=self.trigger,
            # BatchGetItem: admission reads its in-flight tickets' statuses in one call.
            actions=["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:BatchGetItem"],
            resource_arns=[table.table_arn],
        )
        # SendMessage only: grant_send_messages adds GetQueueAttributes and GetQueueUrl, which it never calls.
        iam.Grant.add_to_principal(
            grantee=self.trigger, actions=["sqs:SendMessage"], resource_arns=[self.dead_letters.queue_arn]
        )
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
