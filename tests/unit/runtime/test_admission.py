"""Admission control: a bounded number of executions in flight, slots freed by finished tickets."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from ticketflow.admission import Admission, NoCapacityError


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_admits_up_to_capacity_without_asking() -> None:
    # GIVEN room for two
    calls: list[list[str]] = []

    def finished(ids: Sequence[str]) -> set[str]:
        calls.append(list(ids))
        return set()

    admission = Admission(2, finished)

    # WHEN two tickets are admitted
    admission.admit("a", deadline=1e9)
    admission.admit("b", deadline=1e9)

    # THEN both hold a slot and nothing was polled
    assert admission.in_flight == 2
    assert calls == []


def test_a_full_admission_waits_for_a_finished_ticket() -> None:
    # GIVEN one slot, held by "a", which finishes on the third poll
    polls: list[list[str]] = []

    def finished(ids: Sequence[str]) -> set[str]:
        polls.append(list(ids))
        return {"a"} if len(polls) >= 3 else set()

    admission = Admission(1, finished, poll_seconds=0.001)
    admission.admit("a", deadline=1e9)

    # WHEN "b" asks for a slot
    admission.admit("b", deadline=1e9)

    # THEN it got a's slot once a was final, having polled only what was in flight
    assert polls == [["a"]] * 3
    assert admission.in_flight == 1


def test_no_slot_by_the_deadline_raises() -> None:
    # GIVEN one slot held by a ticket that never finishes, and a clock past the deadline
    clock = Clock()
    admission = Admission(1, lambda _: set(), poll_seconds=0.0, clock=clock)
    admission.admit("a", deadline=10)
    clock.now = 11

    # WHEN / THEN the next ticket is refused with a reason
    with pytest.raises(NoCapacityError, match="1 executions still in flight"):
        admission.admit("b", deadline=10)


def test_a_ticket_past_its_lease_gives_its_slot_up() -> None:
    # GIVEN "a" admitted at 0 and "b" at 50, neither ever final, with a 60-second lease, polled at 70
    clock = Clock()
    seen: list[list[str]] = []

    def finished(ids: Sequence[str]) -> set[str]:
        seen.append(list(ids))
        return set()

    admission = Admission(2, finished, poll_seconds=0.0, lease_seconds=60, clock=clock)
    admission.admit("a", deadline=1e9)
    clock.now = 50
    admission.admit("b", deadline=1e9)
    clock.now = 70

    # WHEN a third asks
    admission.admit("c", deadline=1e9)

    # THEN "a" lost its slot to "c" without being asked about, and "b" was still asked about
    assert seen == [["b"]]
    assert admission.in_flight == 2


def test_release_frees_a_slot_for_a_waiting_thread() -> None:
    # GIVEN a full admission and a thread waiting for a slot (nothing ever finishes by polling)
    admission = Admission(1, lambda _: set(), poll_seconds=0.01)
    admission.admit("a", deadline=1e9)
    waiter = threading.Thread(target=admission.admit, args=("b",), kwargs={"deadline": 1e9})
    waiter.start()

    # WHEN "a" is released (its execution was never started)
    admission.release("a")
    waiter.join(timeout=5)

    # THEN the waiting ticket holds the slot
    assert not waiter.is_alive()
    assert admission.in_flight == 1


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Admission(0, lambda _: set())
