"""The calls AWS's services make with the stack's roles, derived from the template as AWS documents them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ticketflow_dev.iam.intrinsics import Environment, Resolver
from ticketflow_dev.iam.services import event_source_calls, log_calls, state_machine_calls

ENV = Environment("000000000000", "us-east-1", "Ticketflow")


def _of(template: dict[str, Any], resource_type: str, prefix: str = "") -> str:
    """The logical id of the template's one resource of that type (whose id starts with `prefix`)."""
    (found,) = [
        logical_id
        for logical_id, r in template["Resources"].items()
        if r["Type"] == resource_type and logical_id.startswith(prefix)
    ]
    return str(found)


def test_the_kinesis_mapping_reads_the_stream_and_dead_letters_with_the_triggers_role(
    templates: Mapping[str, dict[str, Any]],
) -> None:
    # GIVEN the local template
    resolver = Resolver(templates["local"], ENV, None)
    # WHEN
    calls = list(event_source_calls(resolver))
    # THEN the five reads Lambda documents for a standard consumer, and the on-failure queue's SendMessage
    stream = _of(templates["local"], "AWS::Kinesis::Stream")
    queue = _of(templates["local"], "AWS::SQS::Queue")
    assert {c.caller for c in calls} == {
        f"<{_of(templates['local'], 'AWS::Lambda::Function', 'IngestTrigger')}>"
    }
    assert [(c.intent.action, c.intent.resource) for c in calls] == [
        *((action, f"arn:aws:kinesis:us-east-1:000000000000:stream/<{stream}>") for action in (
            "kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords",
            "kinesis:GetShardIterator", "kinesis:ListShards")),
        ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:000000000000:<{queue}>"),
    ]  # fmt: skip


def test_lambda_writes_the_logs_of_the_functions_invoked_only(
    templates: Mapping[str, dict[str, Any]],
) -> None:
    # GIVEN the local template and one function invoked
    resolver = Resolver(templates["local"], ENV, None)
    writer = _of(templates["local"], "AWS::Lambda::Function", "StorageS3Writer")
    # WHEN
    calls = list(log_calls(resolver, {f"<{writer}>"}))
    # THEN its log group's streams, with its role
    group = templates["local"]["Resources"][writer]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    stream = f"arn:aws:logs:us-east-1:000000000000:log-group:<{group}>:log-stream:<stream>"
    assert [(c.caller, c.intent.action, c.intent.resource) for c in calls] == [
        (f"<{writer}>", "logs:CreateLogStream", stream),
        (f"<{writer}>", "logs:PutLogEvents", stream),
    ]


def test_the_state_machine_sets_up_its_log_delivery_and_traces_once_it_ran(
    templates: Mapping[str, dict[str, Any]],
) -> None:
    # GIVEN the local template (logging to CloudWatch Logs, tracing on)
    resolver = Resolver(templates["local"], ENV, None)
    machine = resolver.physical_id(_of(templates["local"], "AWS::StepFunctions::StateMachine"))
    # WHEN / THEN log delivery always (it is set up at deploy), X-Ray only with executions
    idle = {c.intent.action for c in state_machine_calls(resolver, set())}
    ran = {c.intent.action for c in state_machine_calls(resolver, {machine})}
    assert idle == {
        "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    }  # fmt: skip
    assert ran - idle == {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
    }
