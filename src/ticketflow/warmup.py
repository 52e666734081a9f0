"""Pre-warming: one warm-up event every handler answers at once, and the invocations that send it.

MiniStack starts a worker process for each concurrent invocation that finds no idle worker (0.3-0.9 s of CPU
each) and `update_function_code` discards a function's workers, so without warming the first tickets after a
deploy pay for every cold start at once. A warm-up invocation imports the handler and builds its cached
clients, and does nothing else; a function gets as many at once as it may run (its reserved concurrency),
so that each lands in a worker of its own.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

WARMUP_KEY = "ticketflow-warmup"
# Names this execution environment (worker) in warm-up answers, so the caller counts distinct workers.
ENVIRONMENT_ID = uuid.uuid4().hex[:12]
_MAX_PARALLEL = 32  # invocations in flight at once, all functions together

Handler = TypeVar("Handler", bound=Callable[[Any, Any], Any])


def warmup_event() -> dict[str, Any]:
    return {WARMUP_KEY: True}


def is_warmup(event: object) -> bool:
    return isinstance(event, dict) and event.get(WARMUP_KEY) is True


def answers_warmup(*prepare: Callable[[], object]) -> Callable[[Handler], Handler]:
    """Decorates a Lambda handler: a warm-up event calls `prepare` (the handler's cached builders) and is
    answered with this environment's id; any other event goes to the handler."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapper(event: Any, context: Any) -> Any:
            if not is_warmup(event):
                return handler(event, context)
            for build in prepare:
                build()
            return {WARMUP_KEY: ENVIRONMENT_ID}

        return wrapper  # type: ignore[return-value]  # same signature as `handler`

    return decorate


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
