"""Offline boto3 clients for Stubber: dummy credentials and a fixed region, nothing read from the machine."""

from __future__ import annotations

from typing import Any

import boto3

REGION = "us-east-1"


def offline_client(service: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
