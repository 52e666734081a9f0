"""The deployed stack for the e2e tier: the real CDK CLI deploys into the emulator once per template.

On the suite's own stack the session starts young: the emulator is put on the state saved right after a
deploy of this template into an empty emulator (taken by the first session that needs it), so that every
run starts from the same fresh deployment, whatever earlier runs did. On a stack the suite is given it
deploys (a no-op when nothing changed) and uses the stack as it is.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import LocalStack
from tests.durations_report import note
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.faults import fake_bedrock_admin as faults
from ticketflow_dev.iam.run_recording import RunRecording
from ticketflow_dev.iam.session import REFRESH_VARIABLE, after_the_run, verdict
from ticketflow_dev.local.service import Layout
from ticketflow_dev.stack.deploy import Cdk, deploy_stack, outputs_file
from ticketflow_dev.stack.functions import deployed_functions
from ticketflow_dev.stack.prewarm import prewarm
from ticketflow_dev.stack.young_state import start_young
from ticketflow_dev.tickets.notifications import TopicListener
from ticketflow_dev.tickets.tracking import Tracker
from ticketflow_infra.outputs import StackOutputs, resolve
from ticketflow_infra.settings import Settings

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


def deploy(settings: Settings) -> None:
    # Not durable: the young state's clean stop right after it saves the deploy.
    deploy_stack(settings, Cdk(settings), Clients(settings), durable=False)


@pytest.fixture(scope="session")
def deployed_stack(local_stack: LocalStack, pytestconfig: pytest.Config) -> DeployedStack:
    """The stack deployed (young on the suite's own stack, its functions pre-warmed then), its resources
    found from its outputs."""
    settings = local_stack.settings
    if local_stack.owned:
        plugins = pytestconfig.pluginmanager
        reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")

        def say(service: str, message: str) -> None:
            """On the terminal as it happens (a first deploy takes minutes), past the output capture."""
            if reporter is not None and capture is not None:
                with capture.global_and_fixture_disabled():
                    reporter.write_line(f"young stack: {service}: {message}")

        began = time.monotonic()
        started = start_young(local_stack.target, deploy, say)
        settings = started.running.settings
        clients = Clients(settings)
        functions = deployed_functions(clients("cloudformation"), clients("lambda"), settings.stack_name)
        prewarm(clients("lambda"), [function.warm_target() for function in functions])
        seconds = time.monotonic() - began
        say(
            "stack", f"{started.how} the young state {started.young.fingerprint}, pre-warmed: {seconds:.1f} s"
        )
        note(pytestconfig, young_state=started.how, young_state_seconds=round(seconds, 1))
    else:
        clients = Clients(settings)
        deploy(settings)
    outputs = resolve({}, outputs_file(settings), settings.stack_name, clients("cloudformation"))
    return DeployedStack(outputs, clients)


@pytest.fixture
def embedded(local_stack: LocalStack) -> None:
    """Skips where the functions run without ticketflow's checks: only the embedded emulator loads the AWS
    checks and the in-flight IAM check into them; services started outside ticketflow (LocalStack's Lambda
    containers, a plain MiniStack) cannot."""
    if local_stack.target.name != "embedded":
        pytest.skip(
            f"TICKETFLOW_STACK={local_stack.target.name}: only the embedded emulator runs the functions with "
            "ticketflow's checks (AWS limits, IAM in flight)"
        )


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
