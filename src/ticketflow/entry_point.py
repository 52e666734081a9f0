"""One way to make a Lambda entry point: a handler given its dependency, built once per container.

A handler module declares `handle(event, dependency)` and
`lambda_handler = EntryPoint(handle, <composition function>, logger)`. The dependency is built on first use
(or by the warm-up event) and then reused, as boto3 clients should be; a test builds its own entry point
with a fake dependency instead of patching the module.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ticketflow.warmup import answers_warmup

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.utilities.typing import LambdaContext

Dependency = TypeVar("Dependency")
Result = TypeVar("Result")


class EntryPoint(Generic[Dependency, Result]):
    """What Lambda calls: `entry(event, context)`. `dependency()` gives the one built instance."""

    def __init__(
        self,
        handle: Callable[[dict[str, Any], Dependency], Result],
        build: Callable[[], Dependency],
        logger: Logger,
    ) -> None:
        self.dependency = functools.cache(build)

        @answers_warmup(self.dependency)
        @logger.inject_lambda_context
        def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Result:  # noqa: ARG001
            return handle(event, self.dependency())

        self._call = lambda_handler

    # The context is Lambda's (Powertools reads its attributes): any object with them, a test's too.
    def __call__(self, event: dict[str, Any], context: Any) -> Result:
        return self._call(event, context)
