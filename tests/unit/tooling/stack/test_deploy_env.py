"""Deploy: the CDK CLI's environment per profile, bootstrap detection, reserved concurrency."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ticketflow_dev.stack.deploy import (
    apply_reserved_concurrency,
    cdk_environment,
    cloud_assembly,
    is_bootstrapped,
    template_file,
)
from ticketflow_infra.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_lambda import LambdaClient


USER_ENVIRONMENT = {
    "PATH": "/usr/bin",
    "HOME": "/home/dev",
    "AWS_PROFILE": "work-account",
    "AWS_ACCESS_KEY_ID": "AKIAREALKEY",
    "AWS_SECRET_ACCESS_KEY": "real-secret",
    "AWS_SESSION_TOKEN": "real-token",
    "AWS_ENDPOINT_URL": "http://elsewhere:1234",
    "AWS_ENDPOINT_URL_S3": "http://elsewhere:9000",
    "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "http://elsewhere:4580",
}


def test_local_profile_scrubs_the_users_aws_identity_and_targets_the_emulator() -> None:
    # GIVEN a developer shell with a real AWS identity and stray endpoints
    settings = Settings(profile="local", emulator_port=4999, region="eu-west-1")

    # WHEN the CDK CLI's environment is built
    env = cdk_environment(settings, base=dict(USER_ENVIRONMENT))

    # THEN no real credential or profile reaches the CLI, and every call goes to the emulator
    assert "AWS_PROFILE" not in env
    assert "AWS_SESSION_TOKEN" not in env
    assert env["AWS_ACCESS_KEY_ID"] == "test"
    assert env["AWS_SECRET_ACCESS_KEY"] == "test"
    assert [k for k in env if k.startswith("AWS_ENDPOINT_URL")] == ["AWS_ENDPOINT_URL"]
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4999"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["TICKETFLOW_PROFILE"] == "local"
    assert env["CDK_VALIDATION"] == "false"
    assert env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] == "20"
    assert env["PATH"] == "/usr/bin"


def test_aws_profile_keeps_the_users_identity() -> None:
    # GIVEN the same shell
    settings = Settings(profile="aws", region="eu-west-1")

    # WHEN the CDK CLI's environment is built for AWS
    env = cdk_environment(settings, base=dict(USER_ENVIRONMENT))

    # THEN the user's credentials and profile are passed on untouched, with the profile and region set
    assert env["AWS_PROFILE"] == "work-account"
    assert env["AWS_ACCESS_KEY_ID"] == "AKIAREALKEY"
    assert env["AWS_SESSION_TOKEN"] == "real-token"
    assert env["TICKETFLOW_PROFILE"] == "aws"
    assert env["AWS_REGION"] == "eu-west-1"
    assert "CDK_VALIDATION" not in env


def test_the_base_environment_is_not_modified() -> None:
    # GIVEN a base mapping
    base = dict(USER_ENVIRONMENT)

    # WHEN the environment is built from it
    cdk_environment(Settings(profile="local"), base=base)

    # THEN the caller's mapping is unchanged
    assert base == USER_ENVIRONMENT


def _stack(status: str) -> dict[str, Any]:
    return {"StackName": "CDKToolkit", "CreationTime": "2025-01-15T09:00:00Z", "StackStatus": status}


@pytest.mark.parametrize(("status", "bootstrapped"), [("CREATE_COMPLETE", True), ("DELETE_COMPLETE", False)])
def test_is_bootstrapped_reads_the_toolkit_stack(
    cloudformation_client: CloudFormationClient, status: str, bootstrapped: bool
) -> None:
    # GIVEN the toolkit stack in a state
    with Stubber(cloudformation_client) as stubber:
        stubber.add_response("describe_stacks", {"Stacks": [_stack(status)]}, {"StackName": "CDKToolkit"})

        # WHEN / THEN
        assert is_bootstrapped(cloudformation_client) is bootstrapped


def test_no_toolkit_stack_is_not_bootstrapped_and_other_errors_propagate(
    cloudformation_client: CloudFormationClient,
) -> None:
    # GIVEN CloudFormation without the toolkit stack, then refusing access
    with Stubber(cloudformation_client) as stubber:
        stubber.add_client_error(
            "describe_stacks", "ValidationError", "Stack with id CDKToolkit does not exist"
        )
        stubber.add_client_error("describe_stacks", "AccessDenied", "not authorized")

        # WHEN / THEN
        assert is_bootstrapped(cloudformation_client) is False
        with pytest.raises(ClientError, match="not authorized"):
            is_bootstrapped(cloudformation_client)


def test_reserved_concurrency_from_the_template_is_applied_by_physical_name(
    tmp_path: Path, cloudformation_client: CloudFormationClient, lambda_client: LambdaClient
) -> None:
    # GIVEN a template with two limited functions, one unlimited, and another resource
    template = tmp_path / "Ticketflow.template.json"
    function = "AWS::Lambda::Function"
    template.write_text(
        json.dumps(
            {
                "Resources": {
                    "DetectSentiment": {"Type": function, "Properties": {"ReservedConcurrentExecutions": 4}},
                    "GenerateResponse": {"Type": function, "Properties": {"ReservedConcurrentExecutions": 2}},
                    "TriggerSFN": {"Type": function, "Properties": {"Handler": "handler.lambda_handler"}},
                    "Table": {"Type": "AWS::DynamoDB::GlobalTable", "Properties": {}},
                }
            }
        )
    )

    def resource(logical_id: str, physical_id: str, kind: str = function) -> dict[str, Any]:
        return {
            "LogicalResourceId": logical_id,
            "PhysicalResourceId": physical_id,
            "ResourceType": kind,
            "Timestamp": "2025-01-15T09:00:00Z",
            "ResourceStatus": "CREATE_COMPLETE",
        }

    resources = [
        resource("DetectSentiment", "ticketflow-detect"),
        resource("TriggerSFN", "ticketflow-trigger"),
        resource("Table", "tickets", "AWS::DynamoDB::GlobalTable"),
        resource("GenerateResponse", "ticketflow-generate"),
    ]
    with Stubber(cloudformation_client) as cloudformation, Stubber(lambda_client) as lambda_stub:
        cloudformation.add_response(
            "describe_stack_resources", {"StackResources": resources}, {"StackName": "Ticketflow"}
        )
        for name, limit in (("ticketflow-detect", 4), ("ticketflow-generate", 2)):
            lambda_stub.add_response(
                "put_function_concurrency",
                {"ReservedConcurrentExecutions": limit},
                {"FunctionName": name, "ReservedConcurrentExecutions": limit},
            )

        # WHEN the limits are applied
        applied = apply_reserved_concurrency(template, "Ticketflow", cloudformation_client, lambda_client)

        # THEN exactly the limited functions got their limit
        lambda_stub.assert_no_pending_responses()
    assert applied == {"ticketflow-detect": 4, "ticketflow-generate": 2}


def test_the_cdk_app_loads_exactly_the_callers_settings(tmp_path: Path) -> None:
    # GIVEN settings that differ from what the shell and a .env say (a test's own stack name and ports)
    settings = Settings(stack_name="TicketflowOther", fake_bedrock_port=24580, stack="external")
    dotenv = tmp_path / ".env"
    dotenv.write_text("TICKETFLOW_STACK_NAME=FromFile\nTICKETFLOW_FAKE_BEDROCK_PORT=4580\n")
    shell = dict(USER_ENVIRONMENT) | {"TICKETFLOW_STACK_NAME": "FromShell"}

    # WHEN the CDK app loads its settings from the environment the CLI runs it with
    loaded = Settings.load(environ=cdk_environment(settings, base=shell), dotenv=dotenv)

    # THEN it sees the caller's settings, the home made absolute (the app runs in infra/)
    assert loaded == settings.model_copy(update={"home": settings.home.absolute()})


def test_each_home_synthesizes_into_a_cloud_assembly_of_its_own(tmp_path: Path) -> None:
    # GIVEN two homes of one checkout, their fake_bedrock on ports of their own (the local template names it)
    first = Settings(profile="local", home=tmp_path / "a", fake_bedrock_port=4581)
    second = Settings(profile="local", home=tmp_path / "b", fake_bedrock_port=4582)

    # WHEN / THEN each one's template is under its own home, so a deploy from one never reads the other's
    assert template_file(first).parent == cloud_assembly(first) == (tmp_path / "a" / "cdk.out")
    assert template_file(second).parent == cloud_assembly(second) == (tmp_path / "b" / "cdk.out")
