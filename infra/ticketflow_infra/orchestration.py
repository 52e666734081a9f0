"""Orchestration: the ticket state machine, its ASL kept in state_machine/ with substitutions."""

from __future__ import annotations

from typing import cast

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ticketflow import metrics
from ticketflow_infra.paths import STATE_MACHINE_FILE
from ticketflow_infra.security import acknowledge, finding_resource
from ticketflow_infra.template_checks import lint_exception


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
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self, "TicketFlowLogs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=removal_policy
        )
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
            # Every state transition, without the states' input and output: those carry customers' data.
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False
            ),
            tracing_enabled=True,
        )
        lint_exception(
            cast(sfn.CfnStateMachine, self.state_machine.node.default_child),
            "W3005",
            "sfn.StateMachine depends on its whole role construct, so that the role's default policy exists"
            " before the machine; that DependsOn lists the role too, which the GetAtt of its ARN already"
            " orders.",
        )
        for function in (detect_sentiment, generate_response, s3_writer):
            function.grant_invoke(self.state_machine)
        # On the table itself: TableV2.grant would add its indexes (index/*), which item updates never use.
        iam.Grant.add_to_principal(
            grantee=self.state_machine, actions=["dynamodb:UpdateItem"], resource_arns=[table.table_arn]
        )
        self.state_machine.add_to_role_policy(
            # PutMetricData has no resource-level permissions; the condition pins the namespace.
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": metrics.NAMESPACE}},
            )
        )
        topic.grant_publish(self.state_machine)
        if topic.master_key is not None:
            acknowledge(
                self.state_machine,
                "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
                "Publishing to the encrypted topic takes a data key from the topic's key, and only that key.",
            )
        for function in (detect_sentiment, generate_response, s3_writer):
            acknowledge(
                self.state_machine,
                f"AwsSolutions-IAM5[Resource::{finding_resource(self, function.function_arn)}:*]",
                "grant_invoke names this one function's versions and aliases (ARN:*) besides its ARN.",
            )
        acknowledge(
            self.state_machine,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray, CloudWatch Logs delivery and PutMetricData have no resource-level permissions;"
            " PutMetricData is pinned to our namespace by a condition.",
        )
