"""Which clients get the checks: any endpoint of the local stack, never AWS's own; once a client."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from tests.unit.parity.checked_calls import checked_client
from ticketflow_parity import plugin
from ticketflow_parity.plugin import initialize_client_plugin, is_local

MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:m"


@pytest.mark.parametrize(
    ("endpoint", "local"),
    [
        ("http://127.0.0.1:4566", True),
        ("http://localhost:4566", True),
        ("http://[::1]:4566", True),
        ("http://fake-bedrock:4580", True),  # a compose service
        ("http://10.0.0.5:4566", True),  # a shared box (the external target)
        ("https://states.us-east-1.amazonaws.com", False),
        ("https://s3.dualstack.eu-west-1.api.aws", False),
        ("https://dynamodb.cn-north-1.amazonaws.com.cn", False),
        ("https://bucket.s3.amazonaws.com", False),
        (None, False),
    ],
)
def test_the_checks_are_for_every_endpoint_but_awss(endpoint: str | None, local: bool) -> None:
    assert is_local(endpoint) is local


def test_a_client_of_aws_itself_is_left_to_aws() -> None:
    # GIVEN a client of AWS's own endpoint, its answer stubbed
    sfn = checked_client("stepfunctions", endpoint_url=None)
    with Stubber(sfn) as stubber:
        stubber.add_response(
            "start_execution", {"executionArn": MACHINE, "startDate": "2025-01-01T00:00:00Z"}
        )

        # WHEN it sends a name AWS would refuse / THEN it leaves: AWS answers for itself
        sfn.start_execution(stateMachineArn=MACHINE, name="n" * 81)


def test_the_checks_run_once_however_often_the_plugin_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a client of a local endpoint with the plugin loaded twice more, and a check that counts
    seen: list[str] = []
    monkeypatch.setattr(plugin, "CHECKS", [lambda call: seen.append(call.operation.name)])
    sfn = checked_client("stepfunctions")
    initialize_client_plugin(sfn)
    initialize_client_plugin(sfn)

    # WHEN one request is sent (its answer stubbed)
    with Stubber(sfn) as stubber:
        stubber.add_response(
            "start_execution", {"executionArn": MACHINE, "startDate": "2025-01-01T00:00:00Z"}
        )
        sfn.start_execution(stateMachineArn=MACHINE, name="TKT-1")

    # THEN it was checked once
    assert seen == ["StartExecution"]
