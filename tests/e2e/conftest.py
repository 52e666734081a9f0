"""The deployed stack for the e2e tier: the real CDK CLI deploys into the running emulator once a session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import LocalStack
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.faults import fake_bedrock_admin as faults
from ticketflow_dev.iam.run_recording import RunRecording
from ticketflow_dev.iam.session import REFRESH_VARIABLE, after_the_run, verdict
from ticketflow_dev.local.service import Layout
from ticketflow_dev.stack.deploy import Cdk, deploy_stack, outputs_file
from ticketflow_dev.tickets.notifications import TopicListener
from ticketflow_dev.tickets.tracking import Tracker
from ticketflow_infra.outputs import StackOutputs, resolve

E2E_DIR = Path(__file__).parent
_deselected: list[pytest.Item] = []


def pytest_deselected(items: list[pytest.Item]) -> None:
    _deselected.extend(item for item in items if E2E_DIR in item.path.parents)


def _whole_tier_ran(session: pytest.Session) -> bool:
    """Every e2e module collected, none of its tests deselected, none failed: the run made every request
    the tier makes."""
    collected = {item.path for item in session.items if E2E_DIR in item.path.parents}
    every = set(E2E_DIR.glob("test_*.py"))
    return collected == every and not _deselected and session.testsfailed == 0


@pytest.fixture(scope="session", autouse=True)
def iam_recording(request: pytest.FixtureRequest, local_stack: LocalStack) -> Iterator[RunRecording]:
    """The functions' IAM requests recorded for the whole session; at its end the state machine's and AWS's
    own requests are checked, and all are compared with the committed recording (docs/iam.md)."""
    settings = local_stack.settings
    recording = RunRecording.start(Layout.of(settings).iam)
    try:
        yield recording
    finally:
        recording.stop()
    try:
        outcome = after_the_run(settings, Clients(settings), recording)
    finally:
        recording.discard()
    refresh = os.environ.get(REFRESH_VARIABLE) == "refresh"
    candidate = recording.folder / "candidate-recording.json"
    problem = verdict(
        outcome, complete=_whole_tier_ran(request.session), refresh=refresh, candidate=candidate
    )
    if problem is not None:
        pytest.fail(problem, pytrace=False)


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
