"""The deployed stack's outputs: the names the stack exports and how clients find them.

Resolution order (first that has them wins): `TICKETFLOW_<OUTPUT>` environment variables, the deploy's
outputs file, then CloudFormation DescribeStacks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient


class OutputsNotFoundError(RuntimeError):
    pass


class StackOutputs(BaseModel):
    """Field aliases are the CloudFormation output keys the stack declares (infra imports them from here)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    stream_name: str = Field(alias="StreamName")
    table_name: str = Field(alias="TableName")
    bucket_name: str = Field(alias="BucketName")
    topic_arn: str = Field(alias="TopicArn")
    state_machine_arn: str = Field(alias="StateMachineArn")
    trigger_function_name: str = Field(alias="TriggerFunctionName")
    failure_alarm_name: str = Field(alias="FailureAlarmName")
    dead_letter_queue_url: str = Field(alias="DeadLetterQueueUrl")

    @classmethod
    def keys(cls) -> list[str]:
        return [str(field.alias) for field in cls.model_fields.values()]

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> StackOutputs | None:
        values = {key: environ.get(env_name(key)) for key in cls.keys()}  # noqa: SIM118 (our classmethod, not dict.keys)
        return cls.model_validate(values) if all(values.values()) else None

    @classmethod
    def from_file(cls, path: Path, stack_name: str) -> StackOutputs | None:
        if not path.is_file():
            return None
        stacks = json.loads(path.read_text(encoding="utf-8"))
        return cls.model_validate(stacks[stack_name]) if stack_name in stacks else None

    @classmethod
    def from_cloudformation(cls, client: CloudFormationClient, stack_name: str) -> StackOutputs:
        stack = client.describe_stacks(StackName=stack_name)["Stacks"][0]
        return cls.model_validate({o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])})

    def as_env(self) -> dict[str, str]:
        return {env_name(key): value for key, value in self.model_dump(by_alias=True).items()}


def env_name(output_key: str) -> str:
    """`StateMachineArn` → `TICKETFLOW_STATE_MACHINE_ARN`."""
    return "TICKETFLOW_" + re.sub(r"(?<!^)(?=[A-Z])", "_", output_key).upper()


def resolve(
    environ: Mapping[str, str],
    outputs_file: Path,
    stack_name: str,
    cloudformation: CloudFormationClient | None,
) -> StackOutputs:
    found = StackOutputs.from_environ(environ) or StackOutputs.from_file(outputs_file, stack_name)
    if found is not None:
        return found
    not_deployed = OutputsNotFoundError(
        f"stack {stack_name} is not deployed (no {outputs_file}): deploy it first"
    )
    if cloudformation is None:
        raise not_deployed
    try:
        return StackOutputs.from_cloudformation(cloudformation, stack_name)
    except ClientError as error:
        if "does not exist" in str(error):
            raise not_deployed from error
        raise
