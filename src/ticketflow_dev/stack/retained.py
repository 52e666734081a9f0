"""What deleting a stack keeps: the resources its deployed template retains (the aws profile's data).

Read from CloudFormation, not a local synth: its deployed template's DeletionPolicy per resource is what
the deletion acts on, and its resources give the physical names a user deletes by hand.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudformation.type_defs import StackResourceSummaryTypeDef

# RetainExceptOnCreate deletes only a resource whose creation was rolled back: a deployed one is kept.
RETAINING_POLICIES = frozenset({"Retain", "RetainExceptOnCreate"})


@dataclass(frozen=True)
class _Kind:
    name: str
    delete_command: str  # `{id}`: the physical id
    note: str = ""


# How a user deletes each kind by hand, in the order they are listed (data first); a type missing here is
# listed last by its type, to delete in the console.
_KINDS = {
    "AWS::DynamoDB::GlobalTable": _Kind("table", "aws dynamodb delete-table --table-name {id}"),
    "AWS::DynamoDB::Table": _Kind("table", "aws dynamodb delete-table --table-name {id}"),
    "AWS::S3::Bucket": _Kind(
        "bucket",
        "aws s3 rb s3://{id}",
        "once empty of every object version (the S3 console's Empty; `rb --force` leaves old versions)",
    ),
    "AWS::Kinesis::Stream": _Kind("stream", "aws kinesis delete-stream --stream-name {id}"),
    "AWS::SQS::Queue": _Kind("queue", "aws sqs delete-queue --queue-url {id}"),
    "AWS::KMS::Key": _Kind(
        "key",
        "aws kms schedule-key-deletion --key-id {id} --pending-window-in-days 7",
        "deleted after 7 days; `aws kms cancel-key-deletion` undoes it until then",
    ),
    "AWS::Logs::LogGroup": _Kind("log group", "aws logs delete-log-group --log-group-name {id}"),
}
_ORDER = {resource_type: index for index, resource_type in enumerate(_KINDS)}


@dataclass(frozen=True)
class RetainedResource:
    logical_id: str
    resource_type: str
    physical_id: str

    @property
    def kind(self) -> str:
        known = _KINDS.get(self.resource_type)
        return known.name if known else self.resource_type

    def how_to_delete(self, region: str) -> str:
        known = _KINDS.get(self.resource_type)
        if known is None:
            return f"{self.resource_type} {self.physical_id}: in the AWS console ({region})"
        command = f"{known.delete_command.format(id=shlex.quote(self.physical_id))} --region {region}"
        return f"{command}  # {known.note}" if known.note else command


def retained_resources(
    template: Mapping[str, Any], resources: Iterable[StackResourceSummaryTypeDef]
) -> list[RetainedResource]:
    """`resources` (the stack's, with physical ids) whose DeletionPolicy in `template` retains them."""
    policies = {
        logical_id: resource.get("DeletionPolicy", "Delete")
        for logical_id, resource in template.get("Resources", {}).items()
    }
    kept = [
        RetainedResource(
            resource["LogicalResourceId"], resource["ResourceType"], resource["PhysicalResourceId"]
        )
        for resource in resources
        if policies.get(resource["LogicalResourceId"]) in RETAINING_POLICIES
        and resource.get("PhysicalResourceId")  # never created: nothing to keep
    ]
    return sorted(
        kept, key=lambda resource: (_ORDER.get(resource.resource_type, len(_ORDER)), resource.physical_id)
    )


def deployed_retained(cloudformation: CloudFormationClient, stack_name: str) -> list[RetainedResource]:
    """What deleting the deployed stack `stack_name` would keep."""
    template = cloudformation.get_template(StackName=stack_name)["TemplateBody"]
    pages = cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name)
    return retained_resources(
        template, (resource for page in pages for resource in page["StackResourceSummaries"])
    )
