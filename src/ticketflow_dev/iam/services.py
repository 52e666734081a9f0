"""The calls AWS's services make with a role of the stack, which no client of ours makes and the emulator
does not check: derived from the template and the permissions AWS documents for each feature.

- A Kinesis event source mapping reads the stream with the function's role (Lambda Developer Guide, "Process
  Amazon Kinesis Data Streams records with Lambda": kinesis:DescribeStream, DescribeStreamSummary, GetRecords,
  GetShardIterator, ListShards; SubscribeToShard only for an enhanced fan-out consumer, which this stack has
  not), and sends a failed batch's record to its on-failure destination (sqs:SendMessage, sns:Publish).
  Lambda checks these when the mapping is created, so they are asked on every deploy.
- Lambda writes an invoked function's logs to its log group with the function's role (logs:CreateLogStream,
  logs:PutLogEvents on the group's streams).
- A state machine logging to CloudWatch Logs sets up the log delivery with its role (Step Functions Developer
  Guide, "IAM policies for logging to CloudWatch Logs"), and one with tracing on sends X-Ray segments.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ticketflow_dev.iam.intrinsics import Resolver
from ticketflow_parity.iam.actions import Intent

_STREAM_READS = (
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
)
_LOG_DELIVERY = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
_TRACING = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)


@dataclass(frozen=True)
class ServiceCall:
    caller: str  # the physical id of the function or state machine whose role is used
    why: str
    intent: Intent


def _resources(resolver: Resolver, resource_type: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for logical_id, resource in resolver.resources.items():
        if resource["Type"] == resource_type:
            yield logical_id, resource.get("Properties", {})


def event_source_calls(resolver: Resolver) -> Iterator[ServiceCall]:
    for logical_id, properties in _resources(resolver, "AWS::Lambda::EventSourceMapping"):
        source = str(resolver.resolve(properties["EventSourceArn"]))
        function = str(resolver.resolve(properties["FunctionName"])).rsplit(":", 1)[-1]
        if ":kinesis:" in source:
            for action in _STREAM_READS:
                yield ServiceCall(function, f"{logical_id} reads the stream", Intent(action, source))
        destination = properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        if destination is not None:
            arn = str(resolver.resolve(destination))
            kinds = {":sqs:": "sqs:SendMessage", ":sns:": "sns:Publish"}
            action = next((a for kind, a in kinds.items() if kind in arn), "")
            if not action:
                raise ValueError(f"{logical_id}: an on-failure destination of an unknown kind: {arn}")
            yield ServiceCall(function, f"{logical_id} sends failed batches", Intent(action, arn))


def log_calls(resolver: Resolver, invoked: set[str]) -> Iterator[ServiceCall]:
    """For each function invoked during the run (by physical name)."""
    for logical_id, properties in _resources(resolver, "AWS::Lambda::Function"):
        function = resolver.physical_id(logical_id)
        if function not in invoked:
            continue
        group = properties.get("LoggingConfig", {}).get("LogGroup")
        name = str(resolver.resolve(group)) if group is not None else f"/aws/lambda/{function}"
        stream = resolver.env.arn("logs", f"log-group:{name}:log-stream:<stream>")
        for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            yield ServiceCall(function, "Lambda writes the function's logs", Intent(action, stream))


def state_machine_calls(resolver: Resolver, executed: set[str]) -> Iterator[ServiceCall]:
    """For each state machine (by ARN); tracing only for one that ran executions."""
    for logical_id, properties in _resources(resolver, "AWS::StepFunctions::StateMachine"):
        machine = resolver.physical_id(logical_id)
        if properties.get("LoggingConfiguration", {}).get("Destinations"):
            for action in _LOG_DELIVERY:
                yield ServiceCall(machine, "Step Functions sets up its log delivery", Intent(action, "*"))
        if properties.get("TracingConfiguration", {}).get("Enabled") and machine in executed:
            for action in _TRACING:
                yield ServiceCall(machine, "Step Functions sends its X-Ray traces", Intent(action, "*"))
