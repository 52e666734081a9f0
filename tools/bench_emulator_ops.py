"""What one API call costs the local emulator: CPU of its process (and its Lambda workers) per call.

    python tools/bench_emulator_ops.py [--calls 300]

Needs the local stack up and deployed (`make demo`). Each operation runs `--calls` times in a row from this
process while the emulator is otherwise idle; the figure is the emulator's CPU time per call (user + system,
its Lambda workers apart) and the wall time the caller saw. Works in a table and a bucket of its own
(`ticketflow-ops-bench`), removed afterwards; invokes one of the stack's functions with the warm-up event,
which does no work. This is what bounds the pipeline's ceiling on a small machine: a ticket needs about a
dozen such calls (see docs/benchmarks.md), and every one of them is paid in the emulator's one
process.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import psutil

from ticketflow.warmup import warmup_event
from ticketflow_dev.core.aws import Clients, remove_bucket
from ticketflow_dev.stack.deploy import outputs_file
from ticketflow_dev.targets import stack_target
from ticketflow_infra.outputs import StackOutputs, resolve
from ticketflow_infra.settings import Settings

NAME = "ticketflow-ops-bench"


def _cpu_seconds(process: psutil.Process) -> tuple[float, float]:
    """(the emulator itself, its children) in CPU seconds so far."""
    own = process.cpu_times()
    children = 0.0
    for child in process.children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        children += times.user + times.system
    return own.user + own.system, children


def measure(process: psutil.Process, call: Callable[[int], Any], calls: int) -> dict[str, float]:
    own_before, children_before = _cpu_seconds(process)
    started = time.perf_counter()
    for number in range(1, calls + 1):  # 0 is the warm-up call's
        call(number)
    wall = time.perf_counter() - started
    own_after, children_after = _cpu_seconds(process)
    per_call = 1000 / calls
    return {
        "emulator_cpu_ms": round((own_after - own_before) * per_call, 2),
        "workers_cpu_ms": round((children_after - children_before) * per_call, 2),
        "wall_ms": round(wall * per_call, 2),
    }


def _item(number: int) -> dict[str, Any]:
    return {
        "ticket_id": {"S": f"TKT-20260101-{number:05d}"},
        "status": {"S": "RECEIVED"},
        "note": {"S": "x" * 400},
    }


def operations(clients: Clients, outputs: StackOutputs) -> dict[str, Callable[[int], Any]]:
    ddb, s3, sfn, lam = clients("dynamodb"), clients("s3"), clients("stepfunctions"), clients("lambda")
    condition = "attribute_not_exists(ticket_id)"
    keys = [{"ticket_id": {"S": f"TKT-20260101-{n:05d}"}} for n in range(12)]
    warmup = json.dumps(warmup_event()).encode()
    function = outputs.trigger_function_name
    return {
        "PutItem (conditional)": lambda n: ddb.put_item(
            TableName=NAME, Item=_item(n), ConditionExpression=condition
        ),
        "TransactWriteItems of 10 puts": lambda n: ddb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": NAME,
                        "Item": _item(100_000 + 10 * n + i),
                        "ConditionExpression": condition,
                    }
                }
                for i in range(10)
            ]
        ),
        "BatchGetItem of 12 keys": lambda _: ddb.batch_get_item(RequestItems={NAME: {"Keys": keys}}),
        "S3 PutObject (2 KB)": lambda n: s3.put_object(Bucket=NAME, Key=f"ops/{n}.json", Body=b"x" * 2048),
        "DescribeStateMachine": lambda _: sfn.describe_state_machine(
            stateMachineArn=outputs.state_machine_arn
        ),
        "Lambda Invoke (warm-up event)": lambda _: lam.invoke(FunctionName=function, Payload=warmup),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="calls per operation")
    args = parser.parse_args()
    settings = Settings.load()
    pid = next((s.pid for s in stack_target(settings).status() if s.name == "emulator"), None)
    if settings.profile == "aws" or pid is None:
        print(
            "the local emulator is not running: start it with `make demo` (or `ticketflow up`)",
            file=sys.stderr,
        )
        return 2
    clients = Clients(settings)
    outputs = resolve({}, outputs_file(settings), settings.stack_name, clients("cloudformation"))
    ddb, s3 = clients("dynamodb"), clients("s3")
    ddb.create_table(
        TableName=NAME,
        KeySchema=[{"AttributeName": "ticket_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "ticket_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    s3.create_bucket(Bucket=NAME)
    process = psutil.Process(pid)
    try:
        print(
            f"{'operation':32} {'emulator CPU':>14} {'workers CPU':>12} {'wall':>9} ({args.calls} calls each)"
        )
        for name, call in operations(clients, outputs).items():
            call(0)  # connections and the worker warm
            figures = measure(process, call, args.calls)
            print(
                f"{name:32} {figures['emulator_cpu_ms']:11.2f} ms {figures['workers_cpu_ms']:9.2f} ms"
                f" {figures['wall_ms']:6.2f} ms"
            )
    finally:
        ddb.delete_table(TableName=NAME)
        remove_bucket(s3, NAME)
    return 0


if __name__ == "__main__":
    sys.exit(main())
