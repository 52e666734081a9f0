"""Orchestration: the ticket state machine, its ASL kept in state_machine/ with substitutions."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ticketflow import metrics
from ticketflow_infra.paths import STATE_MACHINE_FILE


class TicketWorkflow(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        detect_sentiment: lambda_.IFunction,
        generate_response: lambda_.IFunction,
        s3_writer: lambda_.IFunction,
        table: dynamodb.ITableV2,
        topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        self.state_machine = sfn.StateMachine(
            self,
            "TicketFlow",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_file(str(STATE_MACHINE_FILE)),
            definition_substitutions={
                "DetectSentimentFunctionArn": detect_sentiment.function_arn,
                "GenerateResponseFunctionArn": generate_response.function_arn,
                "S3WriterFunctionArn": s3_writer.function_arn,
                "TicketsTableName": table.table_name,
                "MetricNamespace": metrics.NAMESPACE,
                "FailureMetricName": metrics.TICKETS_FAILED,
                "NotificationsTopicArn": topic.topic_arn,
            },
        )
        for function in (detect_sentiment, generate_response, s3_writer):
            function.grant_invoke(self.state_machine)
        table.grant(self.state_machine, "dynamodb:UpdateItem")
        self.state_machine.add_to_role_policy(
            # PutMetricData has no resource-level permissions; the condition pins the namespace.
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": metrics.NAMESPACE}},
            )
        )
        topic.grant_publish(self.state_machine)
