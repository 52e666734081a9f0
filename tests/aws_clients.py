"""The tests' one way to make AWS clients, for every tier: `ticketflow_dev.core.aws.Clients`, so each client
is typed by its service's stubs. Each call gives a fresh set: a Stubber on one test's client never meets
another test's calls.

    offline_clients()("dynamodb")                     # for Stubber: dummy credentials, nothing looked up
    endpoint_clients(url, config=NO_RETRIES)("s3")    # a stand-in or emulator at `url`
    Clients(settings)("kinesis")                      # the running stack, as the CLI reaches it
"""

from __future__ import annotations

from botocore.config import Config

from ticketflow_dev.core.aws import Clients, stand_in_clients

REGION = "us-east-1"


def offline_clients() -> Clients:
    return stand_in_clients(REGION)


def endpoint_clients(url: str, *, region: str = REGION, config: Config | None = None) -> Clients:
    return stand_in_clients(region, url, config)
