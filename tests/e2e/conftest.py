"""The deployed stack for the e2e tier: the real CDK CLI deploys into the emulator once per template.

On the suite's own stack the session starts young: the emulator is put on the state saved right after a
deploy of this template into an empty emulator (taken by the first session that needs it), so that every
run starts from the same fresh deployment, whatever earlier runs did. On a stack the suite is given it
deploys (a no-op when nothing changed) and uses the stack as it is.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conftest import LocalStack
from tests.durations_report import note
from ticketflow_dev.core.aws import Clients
from ticketflow_dev.faults import fake_bedrock_admin as faults
from ticketflow_dev.stack.deploy import Cdk, deploy_stack, outputs_file
from ticketflow_dev.stack.functions import deployed_functions
from ticketflow_dev.stack.prewarm import prewarm
from ticketflow_dev.stack.young_state import start_young
from ticketflow_dev.tickets.notifications import TopicListener
from ticketflow_dev.tickets.tracking import Tracker
from ticketflow_infra.outputs import StackOutputs, resolve
from ticketflow_infra.settings import Settings


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
    deploy_stack(settings, Cdk(settings), Clients(settings))


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
