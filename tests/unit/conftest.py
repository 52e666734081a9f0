"""Unit-tier fixtures: the CDK app's package on sys.path, a Lambda context, offline boto3 clients."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest

if TYPE_CHECKING:
    from mypy_boto3_bedrock_runtime import BedrockRuntimeClient
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_comprehend import ComprehendClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_stepfunctions import SFNClient

REPO_ROOT = Path(__file__).resolve().parents[2]
# infra/ is the CDK app, not an installed package; the repository root holds tests.event_files.
for _path in (REPO_ROOT / "infra", REPO_ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from tests.unit.lambda_loader import FakeLambdaContext  # noqa: E402

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
