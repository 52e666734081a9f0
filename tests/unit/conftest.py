"""Unit-tier fixtures: a Lambda context and offline boto3 clients (for Stubber).

`tests.*` helpers and infra/ are importable through pytest's `pythonpath` (pyproject.toml).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest

from tests.unit.lambda_loader import FakeLambdaContext

if TYPE_CHECKING:
    from mypy_boto3_bedrock_runtime import BedrockRuntimeClient
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_comprehend import ComprehendClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_stepfunctions import SFNClient


REGION = "us-east-1"


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


def _client(service: str) -> Any:
    """An offline client: explicit dummy credentials and region, so nothing is resolved from the machine."""
    return boto3.client(
        service,  # type: ignore[call-overload]
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def sfn_client() -> SFNClient:
    return cast("SFNClient", _client("stepfunctions"))


@pytest.fixture
def dynamodb_client() -> DynamoDBClient:
    return cast("DynamoDBClient", _client("dynamodb"))


@pytest.fixture
def s3_client() -> S3Client:
    return cast("S3Client", _client("s3"))


@pytest.fixture
def kinesis_client() -> KinesisClient:
    return cast("KinesisClient", _client("kinesis"))


@pytest.fixture
def comprehend_client() -> ComprehendClient:
    return cast("ComprehendClient", _client("comprehend"))


@pytest.fixture
def bedrock_client() -> BedrockRuntimeClient:
    return cast("BedrockRuntimeClient", _client("bedrock-runtime"))


@pytest.fixture
def cloudformation_client() -> CloudFormationClient:
    return cast("CloudFormationClient", _client("cloudformation"))


@pytest.fixture
def lambda_client() -> LambdaClient:
    return cast("LambdaClient", _client("lambda"))
