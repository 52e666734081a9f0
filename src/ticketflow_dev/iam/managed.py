"""AWS managed policies a role of the stack may attach, as AWS publishes them (AWS Managed Policy Reference).

Offline, so the policy files are written from the template alone; a role attaching one not listed here stops
the deploy's policy file with what to add, never with the policy left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_LOGS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]


def _allow(actions: list[str]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}


AWS_MANAGED: Mapping[str, dict[str, Any]] = {
    "service-role/AWSLambdaBasicExecutionRole": _allow(_LOGS),
    "service-role/AWSLambdaKinesisExecutionRole": _allow(
        [
            "kinesis:DescribeStream",
            "kinesis:DescribeStreamSummary",
            "kinesis:GetRecords",
            "kinesis:GetShardIterator",
            "kinesis:ListShards",
            "kinesis:ListStreams",
            "kinesis:SubscribeToShard",
            *_LOGS,
        ]
    ),
    "service-role/AWSLambdaSQSQueueExecutionRole": _allow(
        ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", *_LOGS]
    ),
    "AWSXRayDaemonWriteAccess": _allow(
        [
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
            "xray:GetSamplingStatisticSummaries",
        ]
    ),
}


class UnknownManagedPolicyError(LookupError):
    pass


def managed_policy(arn: str) -> dict[str, Any]:
    """The document of an AWS managed policy by ARN (`arn:aws:iam::aws:policy/service-role/...`)."""
    _, _, name = arn.partition(":iam::aws:policy/")
    if name not in AWS_MANAGED:
        raise UnknownManagedPolicyError(
            f"the AWS managed policy {arn} is not in ticketflow_dev/iam/managed.py: add its document from the"
            " AWS Managed Policy Reference"
        )
    return AWS_MANAGED[name]
