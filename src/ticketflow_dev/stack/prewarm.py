"""Pre-warming, the CLI's side: after a deploy or push, each function gets the warm-up event as many times
at once as it may run, so that each lands in a worker of its own (see ticketflow.warmup for why).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ticketflow.warmup import WARMUP_KEY, warmup_event

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

_MAX_PARALLEL = 32  # invocations in flight at once, all functions together


@dataclass(frozen=True)
class WarmTarget:
    function_name: str
    concurrency: int  # how many warm-up invocations run at once


@dataclass(frozen=True)
class Warmed:
    function_name: str
    invocations: int
    environments: int  # distinct workers that answered the warm-up event
    errors: tuple[str, ...]


def environment_of(payload: bytes) -> str | None:
    """The environment id in a warm-up answer; None for a handler that does not answer warm-up events."""
    try:
        answer = json.loads(payload or b"null")
    except ValueError:
        return None
    return answer.get(WARMUP_KEY) if isinstance(answer, dict) else None


def prewarm(
    lambda_client: LambdaClient,
    targets: Sequence[WarmTarget],
    *,
    on_warmed: Callable[[Warmed], None] = lambda _: None,
) -> list[Warmed]:
    """Sends every target its warm-up invocations, all at once; returns what each function answered."""
    if not targets:
        return []

    def invoke(function_name: str) -> str | None:
        response = lambda_client.invoke(FunctionName=function_name, Payload=json.dumps(warmup_event()))
        payload = response["Payload"].read()
        if "FunctionError" in response:
            raise RuntimeError(f"{response['FunctionError']}: {payload[:300].decode(errors='replace')}")
        return environment_of(payload)

    total = sum(target.concurrency for target in targets)
    with ThreadPoolExecutor(max_workers=min(total, _MAX_PARALLEL)) as pool:
        futures = [
            [pool.submit(invoke, target.function_name) for _ in range(target.concurrency)]
            for target in targets
        ]
        warmed = []
        for target, calls in zip(targets, futures, strict=True):
            environments, errors = set(), []
            for call in calls:
                try:
                    environments.add(call.result())
                except Exception as error:  # noqa: BLE001 (reported per function; warming is best effort)
                    errors.append(str(error))
            environments.discard(None)
            result = Warmed(target.function_name, len(calls), len(environments), tuple(errors))
            on_warmed(result)
            warmed.append(result)
    return warmed
