"""What deleting a stack keeps: the deployed template's DeletionPolicy, joined with the physical ids."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk.assertions import Template

from ticketflow_dev.stack.retained import RetainedResource, retained_resources


def _summary(logical_id: str, resource_type: str, physical_id: str | None) -> Any:
    summary = {
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceStatus": "CREATE_COMPLETE",
    }
    return summary | ({"PhysicalResourceId": physical_id} if physical_id else {})


def _deployed(template: Mapping[str, Any]) -> list[Any]:
    """The stack's resources as CloudFormation lists them once `template` is deployed."""
    return [
        _summary(logical_id, resource["Type"], f"physical-{logical_id}")
        for logical_id, resource in template["Resources"].items()
    ]


def test_the_aws_profile_keeps_its_data_and_logs_and_nothing_else(
    profile_templates: Mapping[str, Template],
) -> None:
    # GIVEN the aws profile's synthesized template, deployed
    template = profile_templates["aws"].to_json()

    # WHEN its kept resources are listed
    kept = retained_resources(template, _deployed(template))

    # THEN the data, its key and the logs are kept under their physical ids, data first; no function,
    # role, state machine, topic or secret is
    kinds = [resource.kind for resource in kept]
    assert kinds[:5] == ["table", "bucket", "stream", "queue", "key"]
    assert set(kinds[5:]) == {"log group"}
    assert all(resource.physical_id == f"physical-{resource.logical_id}" for resource in kept)
    assert {resource.logical_id for resource in kept} == {
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource.get("DeletionPolicy") == "Retain"
    }


def test_the_local_profile_keeps_nothing(profile_templates: Mapping[str, Template]) -> None:
    # GIVEN the local profile's synthesized template, deployed
    template = profile_templates["local"].to_json()

    # WHEN / THEN nothing outlives the stack
    assert retained_resources(template, _deployed(template)) == []


def test_retain_except_on_create_is_kept_and_never_created_resources_are_not() -> None:
    # GIVEN retaining policies, a deleted one, a resource without a physical id and one outside the template
    template = {
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "RetainExceptOnCreate"},
            "Custom": {"Type": "AWS::Glue::Database", "DeletionPolicy": "Retain"},
            "Topic": {"Type": "AWS::SNS::Topic", "DeletionPolicy": "Delete"},
            "Stream": {"Type": "AWS::Kinesis::Stream", "DeletionPolicy": "Retain"},
        }
    }
    resources = [
        _summary("Custom", "AWS::Glue::Database", "ticketflow_db"),
        _summary("Queue", "AWS::SQS::Queue", "https://sqs/queue"),
        _summary("Topic", "AWS::SNS::Topic", "arn:topic"),
        _summary("Stream", "AWS::Kinesis::Stream", None),
        _summary("Unknown", "AWS::S3::Bucket", "bucket"),
    ]

    # WHEN the kept resources are listed
    kept = retained_resources(template, resources)

    # THEN a deployed RetainExceptOnCreate resource is kept, and a type without a known kind comes last
    assert kept == [
        RetainedResource("Queue", "AWS::SQS::Queue", "https://sqs/queue"),
        RetainedResource("Custom", "AWS::Glue::Database", "ticketflow_db"),
    ]


def test_each_kind_is_deleted_by_hand_in_the_stacks_region() -> None:
    # GIVEN kept resources of a known kind, one with a note, and one of no known kind
    table = RetainedResource("Tickets", "AWS::DynamoDB::GlobalTable", "Ticketflow-Tickets-1A2B")
    bucket = RetainedResource("Archive", "AWS::S3::Bucket", "ticketflow-archive-3c4d")
    database = RetainedResource("Db", "AWS::Glue::Database", "ticketflow_db")

    # WHEN / THEN each says how to delete it, with the region, and why a command is not the whole story
    assert table.how_to_delete("eu-west-1") == (
        "aws dynamodb delete-table --table-name Ticketflow-Tickets-1A2B --region eu-west-1"
    )
    assert bucket.how_to_delete("eu-west-1").startswith(
        "aws s3 rb s3://ticketflow-archive-3c4d --region eu-west-1  # once empty of every object version"
    )
    assert database.kind == "AWS::Glue::Database"
    assert database.how_to_delete("eu-west-1") == (
        "AWS::Glue::Database ticketflow_db: in the AWS console (eu-west-1)"
    )
