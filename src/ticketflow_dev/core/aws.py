"""boto3 sessions for the command-line tool and the tests: the emulator locally, the user's account on AWS."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from ticketflow_infra.settings import Settings

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
    """Creates each service's client once."""

    def __init__(self, settings: Settings) -> None:
        self._kwargs = client_kwargs(settings)
        self._session = boto3.session.Session()
        self._clients: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._clients:
            factory: Any = self._session.client  # the service is only known at run time
            self._clients[service] = factory(service, **self._kwargs)
        return self._clients[service]


def remove_bucket(s3: Any, bucket: str) -> None:
    """Delete `bucket` and everything in it: every object version and delete marker, as S3 refuses to delete
    a bucket that holds any (a versioned bucket keeps old versions after its objects are deleted; the CDK
    bootstrap's asset bucket is one)."""
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        entries = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        keys = [{"Key": entry["Key"], "VersionId": entry["VersionId"]} for entry in entries]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    s3.delete_bucket(Bucket=bucket)
