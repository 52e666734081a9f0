"""Admission control: at most `capacity` of this trigger's executions in flight; the rest wait in the stream.

Without a bound, every record of every batch starts an execution at once; past the pipeline's capacity the
executions throttle each other's functions, retry with backoff in lockstep and collapse the throughput
(measured on the local emulator: 50/s offered, 13/s achieved, minutes of latency). With it, a record waits
here for a free slot, so the trigger's invocation lasts longer and the event source mapping keeps the
remaining records in the stream, where waiting costs nothing. A slot is freed when its ticket reaches a
final status (the state machine's last write), or when its lease runs out: an execution that died without
writing one (its failure path failed too) must not hold a slot for ever, so the bound is a soft one.

The bound is per trigger container: on AWS a shard's batches usually reach one warm container, and a new
container starts empty, so the stack-wide bound is `capacity` times the trigger's concurrent containers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

# How often a record waiting for a slot asks which in-flight tickets have finished (one read for all).
POLL_SECONDS = 0.1
# An in-flight ticket still without a final status after this long gives its slot up anyway.
LEASE_SECONDS = 60.0

# The in-flight ticket ids → those that are done.
Finished = Callable[[Sequence[str]], set[str]]


class NoCapacityError(RuntimeError):
    """No slot freed before the batch's deadline: the record is reported failed, the mapping retries it."""


class Admission:
    def __init__(
        self,
        capacity: int,
        finished: Finished,
        *,
        poll_seconds: float = POLL_SECONDS,
        lease_seconds: float = LEASE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"the in-flight capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._finished = finished
        self._poll_seconds = poll_seconds
        self._lease_seconds = lease_seconds
        self._clock = clock
        self._in_flight: dict[str, float] = {}  # ticket id → when admitted
        self._condition = threading.Condition()
        self._polling = False
        self._polled_at = float("-inf")

    @property
    def in_flight(self) -> int:
        with self._condition:
            return len(self._in_flight)

    def admit(self, ticket_id: str, *, deadline: float) -> None:
        """Returns once `ticket_id` holds a slot; raises NoCapacityError at `deadline` (a `clock` time).

        While the admission is full, one waiting thread polls (every `poll_seconds`) and the others sleep
        until it frees slots, so a batch's waiting records cost one read per poll, not one each.
        """
        with self._condition:
            while self._full():
                now = self._clock()
                if now >= deadline:
                    raise NoCapacityError(
                        f"{len(self._in_flight)} executions still in flight at the batch's deadline"
                    )
                if self._polling:
                    self._condition.wait(timeout=deadline - now)
                else:
                    self._poll_until_free(deadline)
            self._in_flight[ticket_id] = self._clock()

    def release(self, ticket_id: str) -> None:
        """Frees a slot whose execution was never started by this trigger (a re-delivery, a failed start)."""
        with self._condition:
            self._in_flight.pop(ticket_id, None)
            self._condition.notify_all()

    def _full(self) -> bool:
        return len(self._in_flight) >= self._capacity

    def _poll_until_free(self, deadline: float) -> None:
        """This thread polls for every waiting one until a slot frees or `deadline`; called locked."""
        self._polling = True
        try:
            while self._full() and (now := self._clock()) < deadline:
                due = self._polled_at + self._poll_seconds
                if now < due:
                    self._condition.wait(timeout=min(due, deadline) - now)
                else:
                    self._poll(now)
        finally:
            self._polling = False
            self._condition.notify_all()  # the others take their slots, and one of them the polling

    def _poll(self, now: float) -> None:
        """One read of which in-flight tickets are done; the lock is released while it runs."""
        expired = [t for t, at in self._in_flight.items() if now - at >= self._lease_seconds]
        for ticket_id in expired:
            del self._in_flight[ticket_id]
        ids = list(self._in_flight)
        self._condition.release()
        try:
            done = self._finished(ids)
        finally:
            self._condition.acquire()
            self._polled_at = self._clock()
        for ticket_id in done:
            self._in_flight.pop(ticket_id, None)
