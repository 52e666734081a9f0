"""The documented quotas the service models do not carry, one module a service; `check` runs the one an
operation has."""

from __future__ import annotations

from ticketflow_parity.checks import Call, Check, Refusal
from ticketflow_parity.quotas import (
    cloudwatch,
    comprehend,
    dynamodb,
    kinesis,
    lambda_invoke,
    s3,
    sns,
    sqs,
    stepfunctions,
)

# By the model's service name (ServiceModel.service_name), then the operation's name.
BY_OPERATION: dict[str, dict[str, Check]] = {
    "cloudwatch": cloudwatch.QUOTAS,
    "comprehend": comprehend.QUOTAS,
    "dynamodb": dynamodb.QUOTAS,
    "kinesis": kinesis.QUOTAS,
    "lambda": lambda_invoke.QUOTAS,
    "sns": sns.QUOTAS,
    "sqs": sqs.QUOTAS,
    "stepfunctions": stepfunctions.QUOTAS,
}
# S3's key and metadata limits hold for every operation that names them.
BY_SERVICE: dict[str, Check] = {"s3": s3.s3_request}


def check(call: Call) -> Refusal | None:
    name = call.service.service_name
    quota = BY_SERVICE.get(name) or BY_OPERATION.get(name, {}).get(call.operation.name)
    return quota(call) if quota is not None else None
