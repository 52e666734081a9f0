"""The template's policies as the in-flight check reads them: resolved against physical ids or placeholders,
each role's policies, who runs as which role, the resource policies and what they cover."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from ticketflow_dev.iam.extraction import stack_policies
from ticketflow_dev.iam.intrinsics import Environment, Resolver, UnresolvableError
from ticketflow_dev.iam.managed import UnknownManagedPolicyError
from ticketflow_parity.iam.deployed import StackPolicies

ENV = Environment("000000000000", "us-east-1", "Ticketflow")


def role_template(**role: Any) -> dict[str, Any]:
    return {
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}, **role}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
        }
    }


def test_the_local_stacks_roles_functions_and_resource_policies(
    templates: Mapping[str, dict[str, Any]],
) -> None:
    # GIVEN the local profile's template, resolved with placeholders
    data = stack_policies(Resolver(templates["local"], ENV, None))
    # WHEN it is read as the check reads it
    stack = StackPolicies.from_json(data)
    # THEN each function runs as its own role, the state machine as its own; the archive bucket's, the
    # topic's, the queue's and the key's policies cover their resources
    assert len(set(stack.functions.values())) == len(stack.functions) == 4
    assert len(stack.state_machines) == 1
    covered = {p.policy.name.split("Policy")[0].split("Key")[0]: p.covers for p in stack.resource_policies}
    archive = next(covers for name, covers in covered.items() if name.startswith("StorageArchive"))
    assert archive == ("arn:aws:s3:::<StorageArchiveEF4C9845>", "arn:aws:s3:::<StorageArchiveEF4C9845>/*")
    assert [p.must_allow for p in stack.resource_policies if "Key" in p.policy.name] == [True]
    writer = next(role for role_id, role in stack.roles.items() if role_id.startswith("StorageS3Writer"))
    assert [s.actions for s in writer.policies[0].statements] == [
        ("logs:CreateLogStream", "logs:PutLogEvents"),
        ("s3:PutObject",),
        ("s3:GetObject",),
    ]
    assert writer.policies[0].statements[1].resources == ("arn:aws:s3:::<StorageArchiveEF4C9845>/tickets/*",)
    # the whole text of a description too long to travel in the execution (ticketflow.carriage)
    assert writer.policies[0].statements[2].resources == (
        "arn:aws:s3:::<StorageArchiveEF4C9845>/descriptions/*",
    )


def test_the_aws_profiles_template_resolves_too(templates: Mapping[str, dict[str, Any]]) -> None:
    # GIVEN the aws profile's template (the warehouse ETL, its secret and schedule besides)
    # WHEN / THEN it resolves and reads, the ETL's role included
    stack = StackPolicies.from_json(stack_policies(Resolver(templates["aws"], ENV, None)))
    assert len(stack.functions) == 5


def test_physical_ids_give_the_arns_calls_name_and_the_names_to_record_by() -> None:
    # GIVEN a queue, a topic and a bucket as MiniStack names them
    template = {
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {}},
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
        }
    }
    physical = {
        "Queue": "http://localhost:4566/000000000000/tf-Queue-1",
        "Topic": "arn:aws:sns:us-east-1:000000000000:tf-Topic-2",
        "Bucket": "tf-bucket-3",
    }
    resolver = Resolver(template, ENV, physical)
    # WHEN / THEN
    assert resolver.get_att("Queue", "Arn") == "arn:aws:sqs:us-east-1:000000000000:tf-Queue-1"
    assert resolver.resolve({"Ref": "Topic"}) == physical["Topic"]
    assert resolver.resolve({"Fn::Sub": "${Bucket.Arn}/tickets/*"}) == "arn:aws:s3:::tf-bucket-3/tickets/*"
    assert stack_policies(resolver)["names"] == {
        "tf-Queue-1": "Queue",
        "tf-Topic-2": "Topic",
        "tf-bucket-3": "Bucket",
    }


def test_the_intrinsics_policies_use_resolve_and_others_stop() -> None:
    # GIVEN a resolver with placeholders
    resolver = Resolver({"Resources": {"T": {"Type": "AWS::DynamoDB::GlobalTable"}}}, ENV, None)
    # WHEN / THEN Join, Select, Split, Sub with variables and pseudo parameters resolve; Fn::If does not
    assert resolver.resolve({"Fn::Join": [":", ["a", {"Ref": "AWS::Region"}]]}) == "a:us-east-1"
    assert resolver.resolve({"Fn::Select": [1, {"Fn::Split": ["/", "x/y/z"]}]}) == "y"
    assert resolver.resolve({"Fn::Sub": ["${Name}-${AWS::AccountId}-${!Literal}", {"Name": "n"}]}) == (
        "n-000000000000-${Literal}"
    )
    assert resolver.get_att("T", "Arn") == "arn:aws:dynamodb:us-east-1:000000000000:table/<T>"
    with pytest.raises(UnresolvableError, match="Fn::If"):
        resolver.resolve({"Fn::If": ["IsProd", "a", "b"]})


def test_inline_and_aws_managed_policies_are_the_roles_too() -> None:
    # GIVEN a role with an inline policy and AWSLambdaBasicExecutionRole
    template = role_template(
        Policies=[{"PolicyName": "inline", "PolicyDocument": {"Version": "2012-10-17", "Statement": []}}],
        ManagedPolicyArns=["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
    )
    # WHEN
    roles = stack_policies(Resolver(template, ENV, None))["roles"]
    # THEN both are the role's, the managed one as AWS publishes it
    policies = roles["Role"]["policies"]
    assert [p["name"] for p in policies] == [
        "Role/inline",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    ]
    assert policies[1]["document"]["Statement"][0]["Action"] == [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ]


def test_a_managed_policy_not_known_or_a_resource_policy_not_evaluated_stops_the_file() -> None:
    # GIVEN a role attaching an AWS managed policy the table lacks / a template with a secret's policy
    unknown = role_template(ManagedPolicyArns=["arn:aws:iam::aws:policy/AdministratorAccess"])
    secret_policy = role_template()
    secret_policy["Resources"]["SecretPolicy"] = {
        "Type": "AWS::SecretsManager::ResourcePolicy",
        "Properties": {},
    }
    # WHEN / THEN neither is written with a policy left out
    with pytest.raises(UnknownManagedPolicyError, match="AdministratorAccess"):
        stack_policies(Resolver(unknown, ENV, None))
    with pytest.raises(UnresolvableError, match="SecretPolicy"):
        stack_policies(Resolver(secret_policy, ENV, None))
