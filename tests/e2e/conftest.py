"""The deployed stack for the e2e tier: the real CDK CLI deploys into the running emulator once a session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conftest import LocalStack
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.faults import fake_bedrock_admin as faults
from ticketflow_dev.stack.deploy import Cdk, deploy_stack, outputs_file
from ticketflow_dev.tickets.notifications import TopicListener
from ticketflow_dev.tickets.tracking import Tracker
from ticketflow_infra.outputs import StackOutputs, resolve


@dataclass(frozen=True)
class DeployedStack:
    outputs: StackOutputs
    clients: Clients

    def tracker(self) -> Tracker:
        return Tracker(
            self.clients("dynamodb"),
            self.clients("stepfunctions"),
            self.outputs.table_name,
            self.outputs.state_machine_arn,
        )


@pytest.fixture(scope="session")
def deployed_stack(local_stack: LocalStack) -> DeployedStack:
    """Deploys (a no-op when nothing changed) and finds the resources from the stack's outputs."""
    settings = local_stack.settings
    clients = Clients(settings)
    deploy_stack(settings, Cdk(settings), clients)
    outputs = resolve({}, outputs_file(settings), settings.stack_name, clients("cloudformation"))
    return DeployedStack(outputs, clients)


@pytest.fixture
def topic_listener(deployed_stack: DeployedStack) -> Iterator[TopicListener]:
    """A fresh SQS queue subscribed to the notifications topic, removed after the test."""
    clients = deployed_stack.clients
    with TopicListener(
        clients("sns"), clients("sqs"), deployed_stack.outputs.topic_arn, "ticketflow-e2e"
    ) as listener:
        yield listener


@pytest.fixture
def fake_bedrock(local_stack: LocalStack) -> Iterator[str]:
    """fake_bedrock's URL, its faults cleared afterwards whatever happens. Faults are process-wide: any
    other test running against the stack meanwhile sees them too."""
    url = local_stack.fake_bedrock_url
    try:
        faults.clear_faults(url)
    except faults.FaultAdminError as error:
        pytest.fail(f"{error} (restart it: `ticketflow down && ticketflow up`)")
    faults.reset_stats(url)
    try:
        yield url
    finally:
        faults.clear_faults(url)
