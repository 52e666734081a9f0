"""What the integration modules share: fake_bedrock served in this process, and boto3 clients of it.

A module that needs another server (test_fake_bedrock_upstream's, with an upstream) defines its own
`server`, which the clients below then use.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fake_bedrock.server import FakeBedrockServer, serve_in_background
from tests.integration.fake_bedrock_clients import aws_client


@pytest.fixture(scope="module")
def server() -> Iterator[FakeBedrockServer]:
    """fake_bedrock on a free port, its admin endpoint on (the fault tests clear what they set)."""
    with serve_in_background(admin=True) as running:
        yield running


@pytest.fixture(scope="module")
def bedrock(server: FakeBedrockServer) -> Any:
    return aws_client("bedrock-runtime", server.url)


@pytest.fixture(scope="module")
def comprehend(server: FakeBedrockServer) -> Any:
    return aws_client("comprehend", server.url)
