"""Alerting: the team's topic, and an alarm on failed ticket executions that notifies it."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from ticketflow import metrics


class Alerting(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, removal_policy: cdk.RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        # Notifications name tickets and quote their replies: encrypted at rest with a key of our own, since
        # CloudWatch alarms cannot publish to a topic under the AWS managed key (aws/sns).
        self.key = kms.Key(
            self,
            "NotificationsKey",
            description="ticketflow notifications topic",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AlarmsPublishToTheTopic",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"StringEquals": {"aws:SourceAccount": cdk.Aws.ACCOUNT_ID}},
            )
        )
        self.topic = sns.Topic(
            self,
            "Notifications",
            display_name="ticketflow notifications",
            enforce_ssl=True,
            master_key=self.key,
        )

    def alarm_on_failures(
        self, construct_id: str, failures: cloudwatch.IMetric, description: str
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=failures,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(cloudwatch_actions.SnsAction(self.topic))
        return alarm


def failures_per_minute(metric: cloudwatch.Metric) -> cloudwatch.Metric:
    return metric.with_(period=cdk.Duration.minutes(1), statistic="Sum")


def tickets_failed() -> cloudwatch.Metric:
    """What the state machine's RecordFailure step publishes, one per failed ticket."""
    return failures_per_minute(
        cloudwatch.Metric(namespace=metrics.NAMESPACE, metric_name=metrics.TICKETS_FAILED)
    )
