"""IAM, checked locally, on the user's path: the deployed stack with the archive writer's only grant
(s3:PutObject on the archive) removed, deployed as a CloudFormation update of the running stack, its
policies written as every deploy writes them; a ticket then fails as it would on AWS, its reason AWS's
AccessDenied naming the action, the object and the role.

The grant is removed from the deployed template, not from the CDK construct (ticketflow_infra/storage.py):
that the construct's grant reaches the template is the synthesized template's own test
(tests/unit/infra/test_security_iam.py), and `cdk deploy` deploys that template in every e2e session.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import LocalStack
from tests.e2e.conftest import DeployedStack
from tests.e2e.helpers import archived_objects, fresh_tickets
from ticketflow_dev.iam.intrinsics import Resolver
from ticketflow_dev.iam.policy_file import deployed_resolver, write_policies
from ticketflow_dev.tickets import producer

DEADLINE = 120.0


def _put_grant(resolver: Resolver, bucket: str) -> tuple[str, int, str]:
    """(policy logical id, statement index, role name) of the statement granting s3:PutObject on the
    archive's objects."""
    for logical_id, resource in resolver.resources.items():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        statements = resource["Properties"]["PolicyDocument"]["Statement"]
        for index, statement in enumerate(statements):
            resolved = resolver.resolve(statement)
            actions = resolved["Action"] if isinstance(resolved["Action"], list) else [resolved["Action"]]
            if "s3:PutObject" in actions and str(resolved["Resource"]).startswith(f"arn:aws:s3:::{bucket}/"):
                role = resolver.resolve(resource["Properties"]["Roles"][0])
                return logical_id, index, str(role)
    raise AssertionError(f"no statement grants s3:PutObject on {bucket}")


def _deploy(stack: DeployedStack, settings_stack: str, template: dict[str, Any]) -> None:
    cloudformation = stack.clients("cloudformation")
    cloudformation.update_stack(
        StackName=settings_stack, TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_IAM"]
    )
    cloudformation.get_waiter("stack_update_complete").wait(
        StackName=settings_stack, WaiterConfig={"Delay": 2, "MaxAttempts": 90}
    )


@pytest.fixture
def writer_without_its_grant(deployed_stack: DeployedStack, local_stack: LocalStack) -> Iterator[str]:
    """The stack updated without the writer's grant (and its policies written); restored afterwards.
    Yields the writer's role name."""
    settings = local_stack.settings
    cloudformation = deployed_stack.clients("cloudformation")
    resolver = deployed_resolver(cloudformation, settings.stack_name)
    original = json.loads(json.dumps(resolver.template))
    policy, index, role = _put_grant(resolver, deployed_stack.outputs.bucket_name)
    mutated = json.loads(json.dumps(original))
    del mutated["Resources"][policy]["Properties"]["PolicyDocument"]["Statement"][index]
    _deploy(deployed_stack, settings.stack_name, mutated)
    try:
        write_policies(settings, cloudformation)
        yield role
    finally:
        _deploy(deployed_stack, settings.stack_name, original)
        write_policies(settings, cloudformation)


@pytest.mark.usefixtures("embedded")
def test_a_function_whose_grant_is_removed_is_refused_as_aws_would(
    deployed_stack: DeployedStack, writer_without_its_grant: str
) -> None:
    # GIVEN the stack deployed without the archive writer's s3:PutObject
    role = writer_without_its_grant
    bucket = deployed_stack.outputs.bucket_name
    ticket = fresh_tickets(1, seed=23)[0]

    # WHEN a ticket goes through the pipeline
    producer.submit(deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name, [ticket])
    state = deployed_stack.tracker().wait_for([ticket.ticket_id], timeout=DEADLINE)[ticket.ticket_id]

    # THEN it fails at the archive with S3's AccessDenied in AWS's words: the action, the object, the role
    assert state.status == "FAILED", state
    reason = str(state.reason)
    assert "AccessDenied" in reason, reason
    assert f"assumed-role/{role}/" in reason, reason
    assert "is not authorized to perform: s3:PutObject on resource:" in reason, reason
    assert f"arn:aws:s3:::{bucket}/tickets/" in reason, reason
    assert "because no identity-based policy allows the s3:PutObject action" in reason, reason
    assert archived_objects(deployed_stack, ticket.ticket_id, ticket.submitted_at) == []
