"""`ticketflow destroy` for real: a second stack, deployed next to the main one into the running emulator.

What MiniStack 1.5.33's DeleteStack does with the local profile's stack (every DeletionPolicy Delete): it
deletes every resource before the stack reports DELETE_COMPLETE, the archive bucket even with objects in it
(AWS would fail the deletion with BucketNotEmpty; LocalStack empties the bucket as MiniStack does). The
notifications key is scheduled for deletion (PendingDeletion), as on AWS. Resources are named after their
stack (`<stack>-<logical id>-<suffix>`, log groups `/aws/cloudformation/<stack>/<logical id>`), so the two
stacks share nothing but the CDK toolkit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from tests.conftest import LocalStack
from tests.e2e.conftest import DeployedStack
from ticketflow_dev.cli.app import app
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.stack.deploy import (
    Cdk,
    cloud_assembly,
    deploy_stack,
    destroy_stack,
    find_stack,
    outputs_file,
)
from ticketflow_infra.outputs import resolve
from ticketflow_infra.settings import Settings

pytestmark = pytest.mark.proof

# Each probe answers whether the resource still exists; these errors mean it does not.
NOT_FOUND = {
    "ResourceNotFoundException",
    "404",
    "NoSuchBucket",
    "AWS.SimpleQueueService.NonExistentQueue",
    "StateMachineDoesNotExist",
    "NotFound",
}
PROBES: dict[str, Callable[[Clients, str], object]] = {
    "AWS::DynamoDB::GlobalTable": lambda clients, name: clients("dynamodb").describe_table(TableName=name),
    "AWS::S3::Bucket": lambda clients, name: clients("s3").head_bucket(Bucket=name),
    "AWS::Kinesis::Stream": lambda clients, name: clients("kinesis").describe_stream_summary(StreamName=name),
    "AWS::SQS::Queue": lambda clients, url: clients("sqs").get_queue_attributes(QueueUrl=url),
    "AWS::SNS::Topic": lambda clients, arn: clients("sns").get_topic_attributes(TopicArn=arn),
    "AWS::Lambda::Function": lambda clients, name: clients("lambda").get_function(FunctionName=name),
    "AWS::StepFunctions::StateMachine": lambda clients, arn: clients("stepfunctions").describe_state_machine(
        stateMachineArn=arn
    ),
    "AWS::Logs::LogGroup": lambda clients, name: any(
        group["logGroupName"] == name
        for group in clients("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    ),
}


def _exists(clients: Clients, resource_type: str, physical_id: str) -> bool:
    try:
        return bool(PROBES[resource_type](clients, physical_id))
    except ClientError as error:
        if error.response["Error"]["Code"] in NOT_FOUND:
            return False
        raise


def _resources(clients: Clients, stack_name: str) -> list[Any]:
    pages = clients("cloudformation").get_paginator("list_stack_resources").paginate(StackName=stack_name)
    return [resource for page in pages for resource in page["StackResourceSummaries"]]


def _probed(clients: Clients, stack_name: str) -> dict[tuple[str, str], bool]:
    """(type, physical id) → exists, for the stack's resources of a probed type."""
    return {
        (r["ResourceType"], r["PhysicalResourceId"]): _exists(
            clients, r["ResourceType"], r["PhysicalResourceId"]
        )
        for r in _resources(clients, stack_name)
        if r["ResourceType"] in PROBES
    }


def _key_state(clients: Clients, stack_name: str) -> Callable[[], str]:
    """Reads the state of the stack's KMS key, found while the stack still lists it."""
    [key] = [
        r["PhysicalResourceId"]
        for r in _resources(clients, stack_name)
        if r["ResourceType"] == "AWS::KMS::Key"
    ]
    return lambda: str(clients("kms").describe_key(KeyId=key)["KeyMetadata"]["KeyState"])


@pytest.fixture
def second_stack(local_stack: LocalStack) -> Iterator[Settings]:
    """Settings for a stack of a name of its own; it is destroyed afterwards whatever the test did."""
    settings = local_stack.settings.model_copy(
        update={"stack_name": f"TicketflowDestroy{uuid.uuid4().hex[:12]}"}
    )
    try:
        yield settings
    finally:
        destroy_stack(settings, Cdk(settings), Clients(settings))  # a no-op once the test destroyed it
        for synthesized in cloud_assembly(settings).glob(f"{settings.stack_name}.*"):
            synthesized.unlink()


def _destroy(settings: Settings) -> Any:
    """`ticketflow destroy` as a user runs it, for `settings`' stack."""
    return CliRunner().invoke(
        app, ["destroy"], env={"TICKETFLOW_STACK_NAME": settings.stack_name, "COLUMNS": "250"}
    )


def test_destroy_deletes_the_stack_and_everything_in_it_and_leaves_the_main_stack_alone(
    deployed_stack: DeployedStack, local_stack: LocalStack, second_stack: Settings
) -> None:
    # GIVEN a second stack deployed next to the main one, a ticket archived in its bucket (not empty)
    main = local_stack.settings
    clients = Clients(second_stack)
    deploy_stack(second_stack, Cdk(second_stack), clients)
    outputs = resolve({}, outputs_file(second_stack), second_stack.stack_name, None)
    clients("s3").put_object(Bucket=outputs.bucket_name, Key="tickets/TKT-20250115-0001.json", Body=b"{}")
    resources = _probed(clients, second_stack.stack_name)
    key_state = _key_state(clients, second_stack.stack_name)
    main_resources = _probed(clients, main.stack_name)
    main_status = find_stack(clients("cloudformation"), main.stack_name)
    kinds = {resource_type for resource_type, _ in resources}
    assert {"AWS::DynamoDB::GlobalTable", "AWS::S3::Bucket", "AWS::Kinesis::Stream"} <= kinds
    assert sum(resource_type == "AWS::Lambda::Function" for resource_type, _ in resources) == 4
    assert all(resources.values())
    assert all(main_resources.values())

    # WHEN it is destroyed
    result = _destroy(second_stack)

    # THEN CloudFormation has no such stack, none of its resources is left (its key waits out its deletion
    # window, as on AWS) and its outputs file is gone
    assert result.exit_code == 0, result.output
    assert f"destroying stack {second_stack.stack_name} (local profile)" in result.output
    assert find_stack(clients("cloudformation"), second_stack.stack_name) is None
    assert [resource for resource in resources if _exists(clients, *resource)] == []
    assert key_state() == "PendingDeletion"
    assert not outputs_file(second_stack).exists()
    # AND the main stack is as it was: same status, every resource there, its outputs file kept
    assert find_stack(clients("cloudformation"), main.stack_name) == main_status
    assert _probed(clients, main.stack_name) == main_resources
    assert outputs_file(main).exists()

    # WHEN it is destroyed again
    again = _destroy(second_stack)

    # THEN that is a clean no-op
    assert again.exit_code == 0, again.output
    assert f"stack {second_stack.stack_name} is not deployed (local profile): nothing to do" in again.output
