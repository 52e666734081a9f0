"""The AWS checks are loaded where the local stack's requests are made: in the deployed functions, in the CLI.

botocore drops a client plugin it cannot import without a word (debug log only), so each place is proved by a
request that AWS refuses and the emulator alone would answer otherwise, made there.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LocalStack
from tests.e2e.conftest import DeployedStack
from tests.e2e.helpers import fresh_tickets, peek_letters
from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.tickets.dead_letter_inbox import DeadLetterInbox
from ticketflow_dev.tickets.producer import submit
from ticketflow_parity import PLUGIN_VARIABLE

PROBE_NAME = "ticketflow-e2e-aws-checks-probe"
# Test code deployed as a function of its own: it reports what a function of the emulator can import and
# how a request AWS refuses is answered there (a name of 81 characters, for a state machine that does not
# exist: the emulator alone answers StateMachineDoesNotExist).
PROBE_SOURCE = """import importlib.util

import boto3


def handler(event, context):
    names = ("ticketflow", "ticketflow_dev", "ticketflow_infra", "ticketflow_parity")
    importable = {name: importlib.util.find_spec(name) is not None for name in names}
    try:
        boto3.client("stepfunctions").start_execution(stateMachineArn=event["arn"], name="n" * 81)
        answer = "accepted"
    except Exception as error:
        answer = getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
    return {"importable": importable, "answer": answer}
"""


@pytest.fixture(autouse=True)
def _checks_on(local_stack: LocalStack) -> None:
    if not local_stack.settings.aws_checks:
        pytest.skip("TICKETFLOW_AWS_CHECKS=false: the checks are off")


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


def _updated(lambda_client: Any, name: str) -> None:
    wait_until(
        lambda: lambda_client.get_function_configuration(FunctionName=name).get(
            "LastUpdateStatus", "Successful"
        ),
        until=lambda status: status != "InProgress",
        timeout=60,
        description=f"{name}'s configuration to take",
    )


@pytest.fixture
def probe(deployed_stack: DeployedStack) -> Iterator[str]:
    lambda_client = deployed_stack.clients("lambda")
    trigger = lambda_client.get_function_configuration(
        FunctionName=deployed_stack.outputs.trigger_function_name
    )
    account = deployed_stack.outputs.state_machine_arn.split(":")[4]
    lambda_client.create_function(
        FunctionName=PROBE_NAME,
        Runtime=trigger["Runtime"],
        Role=f"arn:aws:iam::{account}:role/{PROBE_NAME}",
        Handler="index.handler",
        Code={"ZipFile": _zip(PROBE_SOURCE)},
        Timeout=30,
    )
    try:
        yield PROBE_NAME
    finally:
        lambda_client.delete_function(FunctionName=PROBE_NAME)


@pytest.mark.usefixtures("embedded")
def test_a_function_imports_the_checks_and_nothing_else_of_the_repository(
    deployed_stack: DeployedStack, probe: str
) -> None:
    # GIVEN a function of the emulator with no asset but its own module
    missing = deployed_stack.outputs.state_machine_arn.rsplit(":", 1)[0] + ":no-such-machine"

    # WHEN it runs
    response = deployed_stack.clients("lambda").invoke(
        FunctionName=probe, Payload=json.dumps({"arn": missing})
    )
    result = json.loads(response["Payload"].read())

    # THEN it can import the checks but none of the project's packages, and its request is refused as AWS
    # refuses it (the emulator alone would have looked for the state machine)
    assert result["importable"] == {
        "ticketflow": False,
        "ticketflow_dev": False,
        "ticketflow_infra": False,
        "ticketflow_parity": True,
    }
    assert result["answer"] == "ValidationException"


@pytest.fixture
def misconfigured_trigger(deployed_stack: DeployedStack) -> Iterator[str]:
    """The pipeline's own trigger, its code unchanged, configured to start executions of a state machine
    ARN longer than AWS's 256 characters; its configuration is restored afterwards."""
    lambda_client = deployed_stack.clients("lambda")
    name = deployed_stack.outputs.trigger_function_name
    original = lambda_client.get_function_configuration(FunctionName=name)["Environment"]
    too_long = deployed_stack.outputs.state_machine_arn + "-" + "x" * 256
    variables = original["Variables"] | {"STATE_MACHINE_ARN": too_long}
    lambda_client.update_function_configuration(FunctionName=name, Environment={"Variables": variables})
    _updated(lambda_client, name)
    try:
        yield too_long
    finally:
        lambda_client.update_function_configuration(
            FunctionName=name, Environment={"Variables": original["Variables"]}
        )
        _updated(lambda_client, name)


@pytest.mark.usefixtures("embedded", "misconfigured_trigger")
def test_the_pipelines_trigger_gets_awss_refusal_and_its_own_handling_runs(
    deployed_stack: DeployedStack,
) -> None:
    # GIVEN a valid ticket, and the trigger pointed at a state machine ARN that AWS refuses by its length
    (ticket,) = fresh_tickets(1, seed=23)

    # WHEN the ticket goes onto the stream
    submit(deployed_stack.clients("kinesis"), deployed_stack.outputs.stream_name, [ticket])

    # THEN the trigger's StartExecution was refused with AWS's ValidationException (the emulator alone
    # answers StateMachineDoesNotExist), and the trigger dead-lettered the record naming it
    def letter() -> Any:
        return next(
            (
                r
                for r in peek_letters(deployed_stack)
                if r.letter and r.letter.partition_key == ticket.ticket_id
            ),
            None,
        )

    try:
        received = wait_until(letter, until=bool, timeout=90, description=f"{ticket.ticket_id}'s dead letter")
        assert received.letter.reason == "ValidationException from StartExecution"
    finally:
        _delete_letters(deployed_stack, ticket.ticket_id)


def _delete_letters(stack: DeployedStack, partition_key: str) -> None:
    """This test's letters go; every other is made visible again."""
    inbox = DeadLetterInbox(stack.clients("sqs"), stack.outputs.dead_letter_queue_url)
    for message in inbox.receive(max_messages=10_000, visibility_seconds=30):
        if message.letter and message.letter.partition_key == partition_key:
            inbox.delete(message)
        else:
            inbox.release(message)


@pytest.mark.usefixtures("deployed_stack")
def test_the_cli_refuses_what_aws_would_refuse() -> None:
    # GIVEN the CLI started as a user starts it, with nothing of this session's switch in its environment
    environment = {key: value for key, value in os.environ.items() if key != PLUGIN_VARIABLE}
    cli = Path(sys.executable).with_name("ticketflow")

    # WHEN it looks up a ticket id of 2,100 characters (a partition key AWS caps at 2,048 bytes)
    shown = subprocess.run(
        [str(cli), "tickets", "show", "T" * 2100],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )

    # THEN the lookup fails with AWS's ValidationException in AWS's words (the emulator alone words it
    # "Aggregated size of all hash keys has exceeded the size limit of 2048 bytes")
    assert shown.returncode == 1
    assert "ValidationException" in shown.stderr
    assert "Size of hashkey has exceeded the maximum size limit of2048 bytes" in shown.stderr
