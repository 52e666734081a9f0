"""Pre-warming, the function's side: one warm-up event every handler answers at once.

MiniStack starts a worker process for each concurrent invocation that finds no idle worker (0.3-0.9 s of CPU
each) and `update_function_code` discards a function's workers, so without warming the first tickets after a
deploy pay for every cold start at once. A warm-up invocation imports the handler and builds its cached
clients, and does nothing else; a function gets as many at once as it may run (its reserved concurrency),
so that each lands in a worker of its own. The invocations that send it are the CLI's
(ticketflow_dev.stack.prewarm).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

WARMUP_KEY = "ticketflow-warmup"
# Names this execution environment (worker) in warm-up answers, so the caller counts distinct workers.
ENVIRONMENT_ID = uuid.uuid4().hex[:12]

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
