"""What the in-flight IAM check costs a function: CPU time of `check_iam` on the calls a ticket makes.

    python tools/bench_iam_check.py [--repeat 20000] [--template cdk.out/Ticketflow.template.json]

Offline: the synthesized template (`ticketflow synth`) resolved as a deploy resolves it, written to a policy
folder of its own; each call is checked `--repeat` times in this process, as a function's interpreter checks
it (the policy folder's one stat a call included), with a run recording on (what an e2e session pays) and
off (every other run). A ticket's function calls: its share of the trigger's RECEIVED transaction (one item),
StartExecution, DetectSentiment, Converse and the archive's PutObject.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import boto3

from ticketflow_dev.core.aws import LOCAL_CREDENTIALS
from ticketflow_dev.iam.extraction import stack_policies
from ticketflow_dev.iam.intrinsics import Environment, Resolver
from ticketflow_infra.settings import Settings
from ticketflow_parity.checks import Call
from ticketflow_parity.iam import POLICIES_VARIABLE
from ticketflow_parity.iam.check import FUNCTION_VARIABLE, check_iam
from ticketflow_parity.iam.deployed import FILE_SUFFIX
from ticketflow_parity.iam.recording import RUN_FILE, calls_file

ACCOUNT = "000000000000"


def _call(service: str, operation: str, params: dict[str, Any], region: str) -> Call:
    client: Any = boto3.session.Session().client(
        service,  # type: ignore[call-overload]
        region_name=region,
        endpoint_url="http://127.0.0.1:4566",
        **LOCAL_CREDENTIALS,
    )
    model = client.meta.service_model
    return Call(model, model.operation_model(operation), params, "http://127.0.0.1:4566", region)


def _logical(template: dict[str, Any], resource_type: str, prefix: str) -> str:
    resources: dict[str, Any] = template["Resources"]
    return next(str(i) for i, r in resources.items() if r["Type"] == resource_type and i.startswith(prefix))


def ticket_calls(template: dict[str, Any], region: str) -> list[tuple[str, str, Call]]:
    """(function logical id, label, call) for one ticket, resources named as the placeholders resolve."""

    def named(resource_type: str, prefix: str) -> str:
        return f"<{_logical(template, resource_type, prefix)}>"

    function = "AWS::Lambda::Function"
    table = named("AWS::DynamoDB::GlobalTable", "Storage")
    machine = named("AWS::StepFunctions::StateMachine", "Orchestration")
    put = {"Put": {"TableName": table, "Item": {"ticket_id": {"S": "TKT-1"}}}}
    start = {
        "stateMachineArn": f"arn:aws:states:{region}:{ACCOUNT}:stateMachine:{machine}",
        "name": "TKT-1",
        "input": "{}",
    }
    key = {"Bucket": named("AWS::S3::Bucket", "StorageArchive"), "Key": "tickets/2026/12/07/TKT-1.json"}
    converse = {"modelId": "us.amazon.nova-pro-v1:0", "messages": []}
    return [
        (named(function, "IngestTrigger"), "TransactWriteItems (1 item)",
         _call("dynamodb", "TransactWriteItems", {"TransactItems": [put]}, region)),
        (named(function, "IngestTrigger"), "StartExecution",
         _call("stepfunctions", "StartExecution", start, region)),
        (named(function, "EnrichmentDetect"), "DetectSentiment",
         _call("comprehend", "DetectSentiment", {"Text": "x", "LanguageCode": "en"}, region)),
        (named(function, "EnrichmentGenerate"), "Converse",
         _call("bedrock-runtime", "Converse", converse, region)),
        (named(function, "StorageS3Writer"), "PutObject", _call("s3", "PutObject", key, region)),
    ]  # fmt: skip


def _time(check: Callable[[], object], repeat: int) -> float:
    """Microseconds of CPU per call."""
    check()  # the first call reads the policy folder
    start = time.process_time_ns()
    for _ in range(repeat):
        check()
    return (time.process_time_ns() - start) / repeat / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20_000)
    parser.add_argument("--template", type=Path, default=Path("cdk.out/Ticketflow.template.json"))
    args = parser.parse_args()
    if not args.template.exists():
        sys.exit(f"{args.template} is missing: run `ticketflow synth` first")
    settings = Settings.load()
    template = json.loads(args.template.read_text(encoding="utf-8"))
    data = stack_policies(
        Resolver(template, Environment(ACCOUNT, settings.region, settings.stack_name), None)
    )
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / f"bench{FILE_SUFFIX}").write_text(json.dumps(data), encoding="utf-8")
        os.environ[POLICIES_VARIABLE] = folder
        print(f"check_iam, CPU per call ({args.repeat} calls each, {sys.version.split()[0]}):")
        totals = {"off": 0.0, "on": 0.0}
        for recording in ("off", "on"):
            if recording == "on":
                calls_file(Path(folder), "bench").touch()
                (Path(folder) / RUN_FILE).write_text("bench", encoding="utf-8")
            for function, label, call in ticket_calls(template, settings.region):
                os.environ[FUNCTION_VARIABLE] = function
                refusal = check_iam(call)
                if refusal is not None:
                    sys.exit(f"{label} was refused: {refusal.message}")
                micros = _time(partial(check_iam, call), args.repeat)
                totals[recording] += micros
                print(f"  recording {recording:3}  {label:28} {micros:8.1f} µs")
        for recording, total in totals.items():
            print(f"a ticket's five function calls, recording {recording}: {total:.0f} µs of CPU")


if __name__ == "__main__":
    main()
