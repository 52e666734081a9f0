"""One deadline-bound polling helper: call a probe until it reports done, or fail with what it last saw."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimeoutError(TimeoutError):
    """The deadline passed before the probe reported done; `last_state` is what it last returned or raised."""

    def __init__(self, description: str, timeout: float, last_state: object, attempts: int) -> None:
        super().__init__(
            f"timed out after {timeout:g} s waiting for {description} "
            f"({attempts} attempts); last state: {last_state!r}"
        )
        self.description = description
        self.timeout = timeout
        self.last_state = last_state
        self.attempts = attempts


def _truthy(value: object) -> bool:
    return bool(value)


def wait_until(
    probe: Callable[[], T],
    *,
    timeout: float,
    interval: float = 0.1,
    description: str,
    until: Callable[[T], bool] = _truthy,
    retry_on: tuple[type[Exception], ...] = (),
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `probe` every `interval` seconds until `until(result)` holds, and return that result.

    The probe is always called at least once, and once more at the deadline. An exception of a type in
    `retry_on` counts as "not yet" (it becomes the last state); any other exception propagates at once,
    which is how a probe gives up early (e.g. the process it waits for has exited).
    Raises WaitTimeoutError (a TimeoutError) carrying the last state seen.
    """
    if timeout < 0 or interval <= 0:
        raise ValueError(f"need timeout >= 0 and interval > 0, got timeout={timeout}, interval={interval}")
    deadline = clock() + timeout
    attempts = 0
    last_state: object = None
    while True:
        attempts += 1
        try:
            result = probe()
        except retry_on as error:
            last_state = error
        else:
            if until(result):
                return result
            last_state = result
        remaining = deadline - clock()
        if remaining <= 0:
            raise WaitTimeoutError(description, timeout, last_state, attempts)
        sleep(min(interval, remaining))
