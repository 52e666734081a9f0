"""The tests' own clients carry the AWS checks (tests/conftest.py switches them on for the session)."""

from __future__ import annotations

import os

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from ticketflow_infra.settings import Settings
from ticketflow_parity import PLUGIN_SPEC, PLUGIN_VARIABLE

NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing answers there
MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:m"


def test_a_plain_client_of_a_local_endpoint_refuses_what_aws_would() -> None:
    # GIVEN a client made the plain boto3 way, as tests make them, of a local endpoint where nothing listens
    settings = Settings.load()
    sfn = boto3.client(
        "stepfunctions",
        endpoint_url=NOWHERE,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )

    # WHEN it starts an execution with a name AWS refuses (81 characters)
    def start() -> None:
        sfn.start_execution(stateMachineArn=MACHINE, name="n" * 81)

    # THEN checks on: AWS's refusal comes before any connection; switched off: the request leaves
    if settings.aws_checks:
        assert PLUGIN_SPEC in os.environ[PLUGIN_VARIABLE].split(",")
        with pytest.raises(ClientError) as refused:
            start()
        assert refused.value.response["Error"]["Code"] == "ValidationException"
        assert "at 'name' failed to satisfy constraint" in str(refused.value)
    else:
        with pytest.raises(EndpointConnectionError):
            start()
