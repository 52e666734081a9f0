"""The deployed stack's Lambda functions: physical name, source folder, deployed code, concurrency."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ticketflow_dev.stack.prewarm import WarmTarget
from ticketflow_infra.bundling import SOURCE_METADATA

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_lambda import LambdaClient

_FUNCTION = "AWS::Lambda::Function"


class StackNotDeployedError(RuntimeError):
    pass


@dataclass(frozen=True)
class DeployedFunction:
    logical_id: str
    name: str  # the physical name
    # Its folder under lambdas/ (the template's metadata); None when deployed before that was recorded.
    folder: str | None
    code_sha256: str
    reserved_concurrency: int | None
    log_group: str | None = None  # where its output goes (the template's LoggingConfig)

    def warm_target(self) -> WarmTarget:
        # Unreserved (the trigger: the Kinesis mapping calls it one batch at a time): one worker.
        return WarmTarget(self.name, self.reserved_concurrency or 1)


def deployed_functions(
    cloudformation: CloudFormationClient, lambda_client: LambdaClient, stack_name: str
) -> list[DeployedFunction]:
    """Every function of the deployed stack; StackNotDeployedError when there is no such stack."""
    try:
        resources = cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]
        body: Any = cloudformation.get_template(StackName=stack_name)["TemplateBody"]
    except ClientError as error:
        if "does not exist" in str(error):
            raise StackNotDeployedError(
                f"stack {stack_name} is not deployed: run `ticketflow deploy` first"
            ) from error
        raise
    template = json.loads(body) if isinstance(body, str) else body
    found = []
    for resource in resources:
        if resource["ResourceType"] != _FUNCTION:
            continue
        logical_id = resource["LogicalResourceId"]
        metadata = template["Resources"].get(logical_id, {}).get("Metadata", {})
        function = lambda_client.get_function(FunctionName=resource["PhysicalResourceId"])
        found.append(
            DeployedFunction(
                logical_id=logical_id,
                name=resource["PhysicalResourceId"],
                folder=metadata.get(SOURCE_METADATA),
                code_sha256=function["Configuration"]["CodeSha256"],
                reserved_concurrency=function.get("Concurrency", {}).get("ReservedConcurrentExecutions"),
                log_group=function["Configuration"].get("LoggingConfig", {}).get("LogGroup"),
            )
        )
    return found
