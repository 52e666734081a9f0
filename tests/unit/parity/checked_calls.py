"""Requests through the AWS checks, offline: clients of a local endpoint where nothing listens (a refusal
comes before any connection), and the checks' verdict on parameters without a client."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.model import ServiceModel

from ticketflow_parity.checks import Call, Refusal
from ticketflow_parity.plugin import CHECKS, initialize_client_plugin

NOWHERE = "http://127.0.0.1:9"  # the discard port
REGION = "us-east-1"


def checked_client(service: str, endpoint_url: str | None = NOWHERE) -> Any:
    """A client with the checks loaded as botocore loads them (whatever this process's environment says)."""
    client: Any = boto3.session.Session().client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    initialize_client_plugin(client)  # a no-op when botocore has loaded it already
    return client


def verdict(service: str, operation: str, **params: Any) -> Refusal | None:
    """The first refusal of the checks for these parameters, or None: AWS would take them."""
    model = _model(service)
    call = Call(model, model.operation_model(operation), params, NOWHERE, REGION)
    for check in CHECKS:
        if (refusal := check(call)) is not None:
            return refusal
    return None


@cache
def _model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


def refused(service: str, method: str, **params: Any) -> ClientError:
    """The error the client raises for a request the checks refuse."""
    with pytest.raises(ClientError) as raised:
        getattr(checked_client(service), method)(**params)
    return raised.value


def error(raised: ClientError) -> tuple[str, str]:
    return raised.response["Error"]["Code"], raised.response["Error"]["Message"]
