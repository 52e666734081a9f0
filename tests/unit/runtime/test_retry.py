"""RetryPolicy: transient errors retried with exponential, capped, fully jittered delays; others never."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from ticketflow.retry import TRANSIENT_CODES, RetryPolicy, is_transient


def _client_error(code: str, status: int = 400) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "Converse")


class Recorder:
    """The injected sleep and uniform: records the jitter bounds asked for and the delays slept."""

    def __init__(self, share: float = 0.5) -> None:
        self.bounds: list[tuple[float, float]] = []
        self.slept: list[float] = []
        self._share = share

    def uniform(self, low: float, high: float) -> float:
        self.bounds.append((low, high))
        return low + (high - low) * self._share

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def policy(self, attempts: int = 4, base_seconds: float = 0.2, cap_seconds: float = 3.0) -> RetryPolicy:
        return RetryPolicy(attempts, base_seconds, cap_seconds, sleep=self.sleep, uniform=self.uniform)


def failing(errors: list[Exception], result: str = "ok") -> tuple[Callable[[], str], list[int]]:
    """An operation that raises `errors` in turn, then returns `result`; and the count of its calls."""
    calls = [0]

    def operation() -> str:
        calls[0] += 1
        if errors:
            raise errors.pop(0)
        return result

    return operation, calls


def test_transient_errors_are_retried_with_growing_capped_jittered_delays() -> None:
    # GIVEN an operation throttled four times, then answering; five attempts, 0.2 s doubling, capped at 1 s
    recorder = Recorder(share=0.5)
    operation, calls = failing([_client_error("ThrottlingException")] * 4)

    # WHEN it is called through the policy
    result = recorder.policy(attempts=5, base_seconds=0.2, cap_seconds=1.0).call(operation)

    # THEN it answered on the fifth call; each wait was drawn from [0, min(cap, base * 2^n)] (full jitter)
    assert result == "ok"
    assert calls == [5]
    assert recorder.bounds == [(0, 0.2), (0, 0.4), (0, 0.8), (0, 1.0)]
    # and the delay slept is the jittered draw, not the bound
    assert recorder.slept == pytest.approx([0.1, 0.2, 0.4, 0.5])


def test_attempts_are_bounded_and_the_last_error_propagates() -> None:
    # GIVEN an operation that is always unavailable
    recorder = Recorder()
    errors: list[Exception] = [_client_error("ServiceUnavailableException", 503) for _ in range(10)]
    last = errors[3]
    operation, calls = failing(errors)

    # WHEN / THEN after four attempts (three waits) the fourth error is raised
    with pytest.raises(ClientError) as raised:
        recorder.policy(attempts=4).call(operation)
    assert raised.value is last
    assert calls == [4]
    assert len(recorder.slept) == 3


@pytest.mark.parametrize(
    "error",
    [
        _client_error("ValidationException"),
        _client_error("AccessDeniedException", 403),
        _client_error("ResourceNotFoundException", 404),
    ],
)
def test_errors_that_would_repeat_are_not_retried(error: ClientError) -> None:
    # GIVEN an operation the service refuses (asking again gives the same answer)
    recorder = Recorder()
    operation, calls = failing([error])

    # WHEN / THEN it is raised at once, without a wait
    with pytest.raises(ClientError) as raised:
        recorder.policy().call(operation)
    assert raised.value is error
    assert calls == [1]
    assert recorder.slept == []


def test_other_exceptions_pass_straight_through() -> None:
    # GIVEN an operation with a bug
    recorder = Recorder()
    operation, calls = failing([KeyError("output")])

    # WHEN / THEN it is never retried
    with pytest.raises(KeyError):
        recorder.policy().call(operation)
    assert calls == [1]


def test_lost_connections_are_retried() -> None:
    # GIVEN an endpoint that is unreachable once and times out once
    recorder = Recorder()
    operation, calls = failing(
        [
            EndpointConnectionError(endpoint_url="http://127.0.0.1:4580"),
            ReadTimeoutError(endpoint_url="http://127.0.0.1:4580"),
        ]
    )

    # WHEN / THEN the third call answers
    assert recorder.policy().call(operation) == "ok"
    assert calls == [3]


def test_an_unreachable_endpoint_gets_more_attempts_than_a_throttle() -> None:
    # GIVEN an endpoint that cannot be reached nine times (restarting), and one that throttles four times
    unreachable: list[Exception] = [EndpointConnectionError(endpoint_url="http://127.0.0.1:4580")]
    recorder = Recorder(share=1.0)
    restarting, calls = failing(unreachable * 9)
    throttled, _ = failing([_client_error("ThrottlingException")] * 4)

    # WHEN each is called through the default policy
    answer = recorder.policy().call(restarting)

    # THEN the restarting one answers on its tenth attempt, after waits that stay capped (18 s at most)
    assert (answer, calls) == ("ok", [10])
    assert sum(recorder.slept) == pytest.approx(0.2 + 0.4 + 0.8 + 1.6 + 3.0 * 5)
    # AND a throttle still gives up after its four attempts
    with pytest.raises(ClientError):
        recorder.policy().call(throttled)
    # AND an endpoint down for longer than that fails the call with its error
    down, _ = failing(unreachable * 10)
    with pytest.raises(EndpointConnectionError):
        recorder.policy().call(down)


@pytest.mark.parametrize("code", sorted(TRANSIENT_CODES))
def test_the_ai_services_transient_codes_are_transient(code: str) -> None:
    # GIVEN / WHEN / THEN
    assert is_transient(_client_error(code))


def test_any_5xx_is_transient_and_a_4xx_is_not() -> None:
    # GIVEN / WHEN / THEN an unknown code is judged by its status
    assert is_transient(_client_error("SomethingBroke", 502))
    assert not is_transient(_client_error("SomethingRefused", 400))
    assert not is_transient(ValueError("not a service error"))


def test_the_default_jitter_stays_within_its_bound() -> None:
    # GIVEN the default (random) jitter and a recording sleep
    slept: list[float] = []
    operation, _ = failing([_client_error("ThrottlingException")] * 3)

    # WHEN it is used
    RetryPolicy(attempts=4, base_seconds=0.2, cap_seconds=0.3, sleep=slept.append).call(operation)

    # THEN each wait lies within [0, min(cap, base * 2^n)]
    assert len(slept) == 3
    assert all(0 <= delay <= bound for delay, bound in zip(slept, [0.2, 0.3, 0.3], strict=True))
