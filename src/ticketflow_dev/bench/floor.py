"""The floor: what the emulator itself needs to carry a ticket through the same shape with no work done.

The floor is a twin of the deployed pipeline, derived from it at bench time so that it follows every
change of shape: its own stream and event source mapping (same batch settings and filter), a trigger
that only starts executions, and a state machine with the same states in which every Lambda task calls
a handler that does nothing and every other task is a Pass. Each function gets the reserved concurrency
of the function it stands in for. It is a measuring instrument for the local emulator, not part of the
product, so it is made through the API in about a second instead of by a CloudFormation deploy.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.stack.code_push import code_sha256_of

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_stepfunctions import SFNClient

    from ticketflow_dev.core.aws import Clients
    from ticketflow_infra.outputs import StackOutputs

PREFIX = "ticketflow-bench-floor"
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
_MAPPING_SETTINGS = ("BatchSize", "MaximumBatchingWindowInSeconds", "FilterCriteria")

# Each logs one line, as the pipeline's handlers do (the emulator waits longer for a silent handler).
NOOP_SOURCE = """import json


def handler(event, context):
    print(json.dumps({"message": "noop"}))
    return {}
"""
TRIGGER_SOURCE = """import base64
import json
import os
from concurrent.futures import ThreadPoolExecutor

import boto3

_sfn = boto3.client("stepfunctions")
_pool = ThreadPoolExecutor()  # the pipeline's trigger uses asyncio's default executor: the same size


def _start(record):
    try:
        _sfn.start_execution(
            stateMachineArn=os.environ["STATE_MACHINE_ARN"],
            name=record["kinesis"]["partitionKey"],
            input=base64.b64decode(record["kinesis"]["data"]).decode(),
        )
    except _sfn.exceptions.ExecutionAlreadyExists:
        pass  # a record delivered again


def handler(event, context):
    list(_pool.map(_start, event["Records"]))
    print(json.dumps({"message": "started", "records": len(event["Records"])}))
    return {"batchItemFailures": []}
"""


@dataclass(frozen=True)
class FloorStack:
    stream_name: str
    state_machine_arn: str


def floor_definition(definition: dict[str, Any], function_arns: dict[str, str]) -> dict[str, Any]:
    """The same states and transitions with no work: Lambda tasks call `function_arns[original ARN]`."""
    floor = copy.deepcopy(definition)
    floor["States"] = {name: _floor_state(state, function_arns) for name, state in floor["States"].items()}
    return floor


def _floor_state(state: dict[str, Any], function_arns: dict[str, str]) -> dict[str, Any]:
    kind = state["Type"]
    transition = _keep(state, "Next", "End")
    if kind == "Task" and state.get("Resource") == LAMBDA_INVOKE:
        original = state["Parameters"]["FunctionName"]
        kept = _keep(state, "Retry", "Catch")
        parameters = {"FunctionName": function_arns[original], "Payload.$": "$"}
        return {"Type": "Task", "Resource": LAMBDA_INVOKE, "Parameters": parameters, "ResultPath": None,
                **kept, **transition}  # fmt: skip
    if kind == "Parallel":
        branches = [floor_definition(branch, function_arns) for branch in state["Branches"]]
        kept = _keep(state, "Retry", "Catch")
        return {"Type": "Parallel", "Branches": branches, "ResultPath": None, **kept, **transition}
    if kind == "Choice":
        # The pipeline's choices read fields the no-op tasks do not produce: take the default branch.
        return {"Type": "Pass", "Next": state.get("Default", state["Choices"][0]["Next"])}
    if kind in ("Task", "Pass"):
        return {"Type": "Pass", "ResultPath": None, **transition}
    return state  # Succeed, Fail, Wait: no work to take out


def _keep(state: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: state[key] for key in keys if key in state}


def lambda_arns(definition: dict[str, Any]) -> list[str]:
    """The functions the definition's Lambda tasks invoke, in order of first appearance."""
    found: list[str] = []
    for state in definition["States"].values():
        if state["Type"] == "Task" and state.get("Resource") == LAMBDA_INVOKE:
            found.append(state["Parameters"]["FunctionName"])
        for branch in state.get("Branches", []):
            found += lambda_arns(branch)
    return list(dict.fromkeys(found))


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # A fixed timestamp, so the same source gives the same bytes and an unchanged function is kept.
        archive.writestr(zipfile.ZipInfo("index.py", date_time=(2020, 1, 1, 0, 0, 0)), source)
    return buffer.getvalue()


class FloorBuilder:
    """Creates or updates the floor next to the deployed pipeline; idempotent."""

    def __init__(self, clients: Clients, outputs: StackOutputs) -> None:
        self._lambda: LambdaClient = clients("lambda")
        self._sfn: SFNClient = clients("stepfunctions")
        self._kinesis: KinesisClient = clients("kinesis")
        self._outputs = outputs
        account = outputs.state_machine_arn.split(":")[4]
        # The emulator does not check the role; on AWS the floor is never built.
        self._role_arn = f"arn:aws:iam::{account}:role/{PREFIX}"

    def build(self) -> FloorStack:
        definition = json.loads(
            self._sfn.describe_state_machine(stateMachineArn=self._outputs.state_machine_arn)["definition"]
        )
        function_arns = {
            arn: self._function(f"{PREFIX}-task{i}", NOOP_SOURCE, like=arn, environment={})
            for i, arn in enumerate(lambda_arns(definition), start=1)
        }
        state_machine_arn = self._state_machine(floor_definition(definition, function_arns))
        trigger = self._outputs.trigger_function_name
        trigger_arn = self._function(
            f"{PREFIX}-trigger",
            TRIGGER_SOURCE,
            like=trigger,
            environment={"STATE_MACHINE_ARN": state_machine_arn},
        )
        stream_name = self._stream()
        self._mapping(stream_name, trigger_arn)
        return FloorStack(stream_name, state_machine_arn)

    def _function(self, name: str, source: str, *, like: str, environment: dict[str, str]) -> str:
        code = _zip(source)
        original = self._lambda.get_function_configuration(FunctionName=like)
        settings: dict[str, Any] = {
            "Runtime": original.get("Runtime", "python3.11"),
            "Handler": "index.handler",
            "Timeout": original.get("Timeout", 30),
            "MemorySize": original.get("MemorySize", 128),
            "Environment": {"Variables": environment},
        }
        try:
            current = self._lambda.get_function_configuration(FunctionName=name)
        except self._lambda.exceptions.ResourceNotFoundException:
            arn = self._lambda.create_function(
                FunctionName=name, Role=self._role_arn, Code={"ZipFile": code}, **settings
            )["FunctionArn"]
        else:
            arn = current["FunctionArn"]
            if current.get("CodeSha256") != code_sha256_of(code):
                self._lambda.update_function_code(FunctionName=name, ZipFile=code)
            self._lambda.update_function_configuration(FunctionName=name, **settings)
        limit = self._lambda.get_function_concurrency(FunctionName=like).get("ReservedConcurrentExecutions")
        if limit is not None:
            self._lambda.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=limit)
        return arn

    def _state_machine(self, definition: dict[str, Any]) -> str:
        arn = self._outputs.state_machine_arn.rsplit(":", 1)[0] + f":{PREFIX}"
        body = json.dumps(definition)
        try:
            self._sfn.describe_state_machine(stateMachineArn=arn)
        except self._sfn.exceptions.StateMachineDoesNotExist:
            return self._sfn.create_state_machine(name=PREFIX, definition=body, roleArn=self._role_arn)[
                "stateMachineArn"
            ]
        self._sfn.update_state_machine(stateMachineArn=arn, definition=body)
        return arn

    def _stream(self) -> str:
        shards = self._kinesis.describe_stream_summary(StreamName=self._outputs.stream_name)[
            "StreamDescriptionSummary"
        ]["OpenShardCount"]
        try:
            self._kinesis.describe_stream_summary(StreamName=PREFIX)
        except self._kinesis.exceptions.ResourceNotFoundException:
            self._kinesis.create_stream(StreamName=PREFIX, ShardCount=shards)
        wait_until(
            lambda: (
                self._kinesis.describe_stream_summary(StreamName=PREFIX)["StreamDescriptionSummary"][
                    "StreamStatus"
                ]
                == "ACTIVE"
            ),
            timeout=30,
            interval=0.2,
            description=f"stream {PREFIX} to become ACTIVE",
        )
        return PREFIX

    def _mapping(self, stream_name: str, trigger_arn: str) -> None:
        stream_arn = self._kinesis.describe_stream_summary(StreamName=stream_name)[
            "StreamDescriptionSummary"
        ]["StreamARN"]
        if self._lambda.list_event_source_mappings(EventSourceArn=stream_arn)["EventSourceMappings"]:
            return
        (pipeline,) = self._lambda.list_event_source_mappings(
            FunctionName=self._outputs.trigger_function_name
        )["EventSourceMappings"]
        kept: dict[str, Any] = {k: v for k, v in pipeline.items() if k in _MAPPING_SETTINGS}
        # The stream holds only floor records, and a record seen twice is skipped by the trigger.
        self._lambda.create_event_source_mapping(
            EventSourceArn=stream_arn, FunctionName=trigger_arn, StartingPosition="TRIM_HORIZON", **kept
        )
