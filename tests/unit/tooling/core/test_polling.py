"""The deadline-bound polling helper, on a fake clock (no real sleeping)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.fakes import FakeClock
from ticketflow_dev.core.polling import WaitTimeoutError, wait_until


def states(*values: object) -> Iterator[object]:
    yield from values


def test_returns_the_first_result_that_satisfies_the_condition() -> None:
    # GIVEN a probe that answers None, None, then "ready"
    clock = FakeClock()
    answers = states(None, None, "ready")

    # WHEN we wait for a truthy answer
    result = wait_until(
        lambda: next(answers), timeout=5, interval=0.5, description="x", clock=clock, sleep=clock.sleep
    )

    # THEN we get it after two intervals
    assert result == "ready"
    assert clock.sleeps == [0.5, 0.5]


def test_timeout_carries_the_last_state_seen() -> None:
    # GIVEN a status that stays RUNNING
    clock = FakeClock()
    seen = states("PENDING", *["RUNNING"] * 100)

    # WHEN we wait for anything but RUNNING/PENDING, for 1 s
    with pytest.raises(WaitTimeoutError) as raised:
        wait_until(
            lambda: next(seen),
            until=lambda status: status not in {"PENDING", "RUNNING"},
            timeout=1,
            interval=0.3,
            description="the execution to finish",
            clock=clock,
            sleep=clock.sleep,
        )

    # THEN the error is a TimeoutError naming what we waited for and what we saw last
    error = raised.value
    assert isinstance(error, TimeoutError)
    assert error.last_state == "RUNNING"
    assert error.description == "the execution to finish"
    assert "the execution to finish" in str(error)
    assert "'RUNNING'" in str(error)
    # and it never slept past the deadline, probing once more at the deadline itself
    assert clock.now == pytest.approx(101.0)
    assert error.attempts == 5


def test_retryable_exceptions_are_not_yet_and_become_the_last_state() -> None:
    # GIVEN a probe that keeps refusing connections
    clock = FakeClock()

    def probe() -> bool:
        raise ConnectionRefusedError("refused")

    # WHEN we wait, retrying on OSError
    with pytest.raises(WaitTimeoutError) as raised:
        wait_until(
            probe, timeout=0.5, retry_on=(OSError,), description="port", clock=clock, sleep=clock.sleep
        )

    # THEN the last state is the exception itself
    assert isinstance(raised.value.last_state, ConnectionRefusedError)


def test_other_exceptions_propagate_at_once() -> None:
    # GIVEN a probe that gives up (e.g. the awaited process exited)
    clock = FakeClock()
    calls: list[int] = []

    def probe() -> bool:
        calls.append(1)
        raise ProcessLookupError("gone")

    # WHEN we wait
    # THEN its exception escapes on the first attempt, without sleeping
    with pytest.raises(ProcessLookupError):
        wait_until(
            probe, timeout=10, retry_on=(ConnectionError,), description="x", clock=clock, sleep=clock.sleep
        )
    assert calls == [1]
    assert clock.sleeps == []


def test_zero_timeout_probes_exactly_once() -> None:
    # GIVEN a probe that is never ready
    clock = FakeClock()
    calls: list[int] = []

    # WHEN we wait with no time at all
    # THEN it is called once and the wait fails at once
    with pytest.raises(WaitTimeoutError):
        wait_until(lambda: calls.append(1), timeout=0, description="x", clock=clock, sleep=clock.sleep)
    assert calls == [1]


@pytest.mark.parametrize(("timeout", "interval"), [(-1, 0.1), (1, 0), (1, -0.5)])
def test_rejects_nonsensical_timings(timeout: float, interval: float) -> None:
    # GIVEN / WHEN a negative timeout or a non-positive interval
    # THEN the call is refused before probing
    with pytest.raises(ValueError, match="timeout"):
        wait_until(lambda: True, timeout=timeout, interval=interval, description="x")
