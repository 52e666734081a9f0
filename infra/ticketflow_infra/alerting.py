"""Alerting: the team's topic, and an alarm on failed ticket executions that notifies it."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from ticketflow import metrics


class Alerting(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self, "Notifications", display_name="ticketflow notifications", enforce_ssl=True
        )

    def alarm_on_failures(self, construct_id: str, failures: cloudwatch.IMetric) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=failures,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description="Support tickets failed: no stored reply (status FAILED, with a reason).",
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
