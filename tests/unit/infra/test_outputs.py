"""Stack outputs: their names, environment variable names and resolution order (env, file, CloudFormation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ticketflow_infra.outputs import OutputsNotFoundError, StackOutputs, env_name, resolve

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient


STACK = "Ticketflow"


OUTPUT_KEYS = StackOutputs.keys()


def _values(suffix: str) -> dict[str, str]:
    return {key: f"{key}-{suffix}" for key in OUTPUT_KEYS}


def test_keys_are_the_cloudformation_output_names() -> None:
    # GIVEN / WHEN the declared output keys
    keys = StackOutputs.keys()

    # THEN they are the aliases, in field order
    assert keys == [
        "StreamName",
        "TableName",
        "BucketName",
        "TopicArn",
        "StateMachineArn",
        "TriggerFunctionName",
        "FailureAlarmName",
        "DeadLetterQueueUrl",
    ]


@pytest.mark.parametrize(
    ("key", "variable"),
    [
        ("StreamName", "TICKETFLOW_STREAM_NAME"),
        ("StateMachineArn", "TICKETFLOW_STATE_MACHINE_ARN"),
        ("DeadLetterQueueUrl", "TICKETFLOW_DEAD_LETTER_QUEUE_URL"),
    ],
)
def test_env_name_is_upper_snake_with_prefix(key: str, variable: str) -> None:
    # GIVEN / WHEN / THEN
    assert env_name(key) == variable


def test_as_env_round_trips_through_from_environ() -> None:
    # GIVEN outputs
    outputs = StackOutputs.model_validate(_values("env"))

    # WHEN they are exported as environment variables and read back
    environ = outputs.as_env()

    # THEN every output has its variable and the same outputs come back
    assert set(environ) == {env_name(key) for key in OUTPUT_KEYS}
    assert StackOutputs.from_environ(environ) == outputs


def test_from_environ_needs_every_output() -> None:
    # GIVEN an environment missing one output
    environ = StackOutputs.model_validate(_values("env")).as_env()
    environ[env_name("TopicArn")] = ""

    # WHEN / THEN it is not taken as a complete set
    assert StackOutputs.from_environ(environ) is None


def test_environment_wins_over_the_outputs_file(
    tmp_path: Path, cloudformation_client: CloudFormationClient
) -> None:
    # GIVEN outputs in the environment and different ones in the file
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps({STACK: _values("file")}))
    environ = StackOutputs.model_validate(_values("env")).as_env()

    # WHEN they are resolved (CloudFormation must not be asked: the stubber has no responses)
    with Stubber(cloudformation_client) as stubber:
        found = resolve(environ, outputs_file, STACK, cloudformation_client)
        stubber.assert_no_pending_responses()

    # THEN the environment's
    assert found.stream_name == "StreamName-env"


def test_outputs_file_is_read_by_stack_name(tmp_path: Path) -> None:
    # GIVEN a deploy's outputs file with two stacks
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps({"Other": _values("other"), STACK: _values("file") | {"Extra": "x"}}))

    # WHEN resolved without an environment or CloudFormation
    found = resolve({}, outputs_file, STACK, None)

    # THEN this stack's outputs
    assert found.state_machine_arn == "StateMachineArn-file"
    assert StackOutputs.from_file(outputs_file, "Missing") is None


def test_cloudformation_is_the_last_resort(
    tmp_path: Path, cloudformation_client: CloudFormationClient
) -> None:
    # GIVEN no environment, no file and a deployed stack
    outputs = [{"OutputKey": k, "OutputValue": v} for k, v in _values("cfn").items()]
    stack = {"StackName": STACK, "CreationTime": "2025-01-15T09:00:00Z", "StackStatus": "CREATE_COMPLETE"}

    # WHEN resolved
    with Stubber(cloudformation_client) as stubber:
        stubber.add_response(
            "describe_stacks", {"Stacks": [stack | {"Outputs": outputs}]}, {"StackName": STACK}
        )
        found = resolve({}, tmp_path / "none.json", STACK, cloudformation_client)

    # THEN from DescribeStacks
    assert found.topic_arn == "TopicArn-cfn"


def test_a_stack_that_does_not_exist_says_deploy_first(
    tmp_path: Path, cloudformation_client: CloudFormationClient
) -> None:
    # GIVEN CloudFormation does not know the stack
    with Stubber(cloudformation_client) as stubber:
        stubber.add_client_error(
            "describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist", 400
        )

        # WHEN / THEN the error says what to do
        with pytest.raises(OutputsNotFoundError, match="deploy it first"):
            resolve({}, tmp_path / "none.json", STACK, cloudformation_client)


def test_without_cloudformation_a_missing_stack_says_deploy_first(tmp_path: Path) -> None:
    # GIVEN / WHEN / THEN
    with pytest.raises(OutputsNotFoundError, match="deploy it first"):
        resolve({}, tmp_path / "none.json", STACK, None)


def test_other_cloudformation_errors_propagate(
    tmp_path: Path, cloudformation_client: CloudFormationClient
) -> None:
    # GIVEN CloudFormation refuses for another reason
    with Stubber(cloudformation_client) as stubber:
        stubber.add_client_error("describe_stacks", "AccessDenied", "not authorized", 403)

        # WHEN / THEN the error is not mistaken for "not deployed"
        with pytest.raises(ClientError, match="not authorized"):
            resolve({}, tmp_path / "none.json", STACK, cloudformation_client)
