"""boto3 sessions for the command-line tool and the tests: the emulator locally, the user's account on AWS."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
from botocore.config import Config

from ticketflow_infra.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_bedrock_runtime import BedrockRuntimeClient
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_comprehend import ComprehendClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_redshift_data import RedshiftDataAPIServiceClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient

# The services the tooling and the tests talk to, each typed by its mypy-boto3 stubs (requirements/dev.txt).
Service = Literal[
    "bedrock-runtime",
    "cloudformation",
    "cloudwatch",
    "comprehend",
    "dynamodb",
    "kinesis",
    "kms",
    "lambda",
    "logs",
    "redshift-data",
    "s3",
    "secretsmanager",
    "sns",
    "sqs",
    "stepfunctions",
]

LOCAL_CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


def client_kwargs(settings: Settings) -> dict[str, Any]:
    """The emulator endpoint and dummy credentials in the local profile; nothing extra on AWS."""
    # A larger pool than the default 10: pre-warming invokes every function's workers at once.
    config = Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=32)
    if settings.profile == "aws":
        return {"region_name": settings.region, "config": config}
    return {
        "region_name": settings.region,
        "endpoint_url": settings.emulator_url,
        "config": config,
        **LOCAL_CREDENTIALS,
    }


class Clients:
    """Creates each service's client once, typed by the service's name: `clients("dynamodb")` is a
    `DynamoDBClient` to strict mypy."""

    def __init__(self, settings: Settings) -> None:
        self._setup(client_kwargs(settings))

    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any]) -> Clients:
        """Clients made with these keyword arguments (region, endpoint, credentials, config) instead of
        the settings': a stand-in's endpoint, or the tests' offline clients."""
        made = cls.__new__(cls)
        made._setup(kwargs)
        return made

    def _setup(self, kwargs: Mapping[str, Any]) -> None:
        self._kwargs = dict(kwargs)
        self._session = boto3.session.Session()
        self._clients: dict[str, Any] = {}
        self._call_hooks: list[Callable[..., None]] = []

    def on_each_call(self, hook: Callable[..., None]) -> None:
        """Call `hook` before every request any of these clients makes, those made so far and later."""
        self._call_hooks.append(hook)
        for client in self._clients.values():
            client.meta.events.register("before-call", hook)

    @overload
    def __call__(self, service: Literal["bedrock-runtime"]) -> BedrockRuntimeClient: ...
    @overload
    def __call__(self, service: Literal["cloudformation"]) -> CloudFormationClient: ...
    @overload
    def __call__(self, service: Literal["cloudwatch"]) -> CloudWatchClient: ...
    @overload
    def __call__(self, service: Literal["comprehend"]) -> ComprehendClient: ...
    @overload
    def __call__(self, service: Literal["dynamodb"]) -> DynamoDBClient: ...
    @overload
    def __call__(self, service: Literal["kinesis"]) -> KinesisClient: ...
    @overload
    def __call__(self, service: Literal["kms"]) -> KMSClient: ...
    @overload
    def __call__(self, service: Literal["lambda"]) -> LambdaClient: ...
    @overload
    def __call__(self, service: Literal["logs"]) -> CloudWatchLogsClient: ...
    @overload
    def __call__(self, service: Literal["redshift-data"]) -> RedshiftDataAPIServiceClient: ...
    @overload
    def __call__(self, service: Literal["s3"]) -> S3Client: ...
    @overload
    def __call__(self, service: Literal["secretsmanager"]) -> SecretsManagerClient: ...
    @overload
    def __call__(self, service: Literal["sns"]) -> SNSClient: ...
    @overload
    def __call__(self, service: Literal["sqs"]) -> SQSClient: ...
    @overload
    def __call__(self, service: Literal["stepfunctions"]) -> SFNClient: ...
    def __call__(self, service: Service) -> Any:
        if service not in self._clients:
            factory: Any = self._session.client  # one call site for every service: the stubs type each above
            client = factory(service, **self._kwargs)
            for hook in self._call_hooks:
                client.meta.events.register("before-call", hook)
            self._clients[service] = client
        return self._clients[service]


def stand_in_clients(region: str, endpoint: str | None = None, config: Config | None = None) -> Clients:
    """Clients with the emulator's dummy credentials for a stand-in at `endpoint` (None: where boto3's
    AWS_ENDPOINT_URL_<SERVICE> says), and for the tests' offline clients."""
    kwargs: dict[str, Any] = {"region_name": region, **LOCAL_CREDENTIALS}
    if endpoint:
        kwargs["endpoint_url"] = endpoint
    if config is not None:
        kwargs["config"] = config
    return Clients.from_kwargs(kwargs)


def remove_bucket(s3: S3Client, bucket: str) -> None:
    """Delete `bucket` and everything in it: every object version and delete marker, as S3 refuses to delete
    a bucket that holds any (a versioned bucket keeps old versions after its objects are deleted; the CDK
    bootstrap's asset bucket is one)."""
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        entries = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        keys: list[ObjectIdentifierTypeDef] = [
            {"Key": entry["Key"], "VersionId": entry["VersionId"]} for entry in entries
        ]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    s3.delete_bucket(Bucket=bucket)
