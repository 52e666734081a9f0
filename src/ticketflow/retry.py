"""Retries with exponential backoff and full jitter, for the errors worth retrying and no others.

Throttling, timeouts and 5xx from the AI services (and lost connections) are retried; a validation error
is not: asking again would give the same answer.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

T = TypeVar("T")

TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "TooManyRequestsException",
        "ModelTimeoutException",
        "ModelNotReadyException",
        "InternalServerException",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
_TRANSIENT_CONNECTION_ERRORS = (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)


def is_transient(error: Exception) -> bool:
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error.response["Error"]["Code"] in TRANSIENT_CODES or status >= 500
    return isinstance(error, _TRANSIENT_CONNECTION_ERRORS)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_seconds: float = 0.2
    cap_seconds: float = 3.0
    sleep: Callable[[float], None] = time.sleep
    uniform: Callable[[float, float], float] = field(default=random.uniform)
    # An endpoint that cannot be reached at all is restarting or redeploying (locally: a crashed
    # fake_bedrock until `ticketflow up`), which takes seconds, not one backoff: ~9 s expected, 18 s at most,
    # inside the functions' 60 s timeout. The ticket fails only when it stays down longer.
    connection_attempts: int = 10

    def call(self, operation: Callable[[], T]) -> T:
        """`operation()`, retried on transient errors; the last error propagates when attempts run out."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return operation()
            except (ClientError, *_TRANSIENT_CONNECTION_ERRORS) as error:
                unreachable = isinstance(error, EndpointConnectionError)
                limit = self.connection_attempts if unreachable else self.attempts
                if attempt >= limit or not is_transient(error):
                    raise
                self.sleep(self.uniform(0, min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1))))
