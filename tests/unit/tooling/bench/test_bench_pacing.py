"""Pacing: tickets put at the offered rate, buffered per tick as a producer library does."""

from __future__ import annotations

from typing import Any, cast

import pytest

from tests.unit.fakes import FakeClock
from ticketflow_dev.bench.pacing import BUFFER_SECONDS, submit_paced
from ticketflow_dev.generation import generator


class RecordingKinesis:
    """Accepts every record and remembers, for each PutRecords call, when it came and how many it held."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[tuple[float, int]] = []

    def put_records(self, **request: Any) -> dict[str, Any]:
        records = request["Records"]
        self.calls.append((self.clock.now, len(records)))
        return {"Records": [{"SequenceNumber": str(i), "ShardId": "shardId-0"} for i in range(len(records))]}


@pytest.mark.parametrize(("rate", "count"), [(10.0, 25), (50.0, 120), (3.0, 7)])
def test_tickets_are_put_no_sooner_than_due_and_at_most_a_tick_late(rate: float, count: int) -> None:
    # GIVEN a stream that accepts everything, on a clock the pacing advances by sleeping
    clock = FakeClock(start=0.0)
    kinesis = RecordingKinesis(clock)
    tickets = list(generator.tickets(count, seed=1))

    # WHEN the tickets are submitted at `rate` per second
    submitted = submit_paced(cast(Any, kinesis), "stream", tickets, rate=rate, clock=clock, sleep=clock.sleep)

    # THEN all are acknowledged in order
    assert [s.ticket_id for s in submitted] == [t.ticket_id for t in tickets]
    # AND ticket i goes out in the first put at or after i / rate, at most one buffer later
    put_times = [at for at, size in kinesis.calls for _ in range(size)]
    for i, at in enumerate(put_times):
        assert i / rate - 1e-9 <= at <= i / rate + BUFFER_SECONDS + 1e-9, (i, at)
    # AND the last ticket goes out when it is due, so the run lasts count / rate
    assert put_times[-1] == pytest.approx((count - 1) / rate, abs=BUFFER_SECONDS)


def test_at_high_rates_each_put_carries_a_ticks_worth() -> None:
    # GIVEN 200 tickets at 100 per second
    clock = FakeClock(start=0.0)
    kinesis = RecordingKinesis(clock)

    # WHEN paced
    submit_paced(
        cast(Any, kinesis),
        "s",
        list(generator.tickets(200, seed=2)),
        rate=100.0,
        clock=clock,
        sleep=clock.sleep,
    )

    # THEN one put per tick over the 2 s, each with a tick's worth of records (not a call per record)
    assert len(kinesis.calls) <= round(2.0 / BUFFER_SECONDS) + 1  # 2 s of ticks
    assert max(size for _, size in kinesis.calls) <= 100 * BUFFER_SECONDS + 1


def test_a_burst_is_put_at_once_and_a_rate_must_be_positive() -> None:
    # GIVEN 30 tickets
    clock = FakeClock(start=0.0)
    kinesis = RecordingKinesis(clock)
    tickets = list(generator.tickets(30, seed=3))

    # WHEN they are submitted without a rate
    submit_paced(cast(Any, kinesis), "s", tickets, rate=None, clock=clock, sleep=clock.sleep)

    # THEN one PutRecords at time zero carries them all
    assert kinesis.calls == [(0.0, 30)]
    # AND a rate of zero is refused before anything is put
    with pytest.raises(ValueError, match="above zero"):
        submit_paced(cast(Any, kinesis), "s", tickets, rate=0.0, clock=clock, sleep=clock.sleep)
    assert len(kinesis.calls) == 1


def test_a_clock_far_from_zero_paces_without_spinning() -> None:
    # GIVEN a clock at 100 s, as a monotonic clock is, where float rounding puts a woken tick a hair early
    clock = FakeClock(start=100.0)
    kinesis = RecordingKinesis(clock)

    def sleep(seconds: float) -> None:
        # 25 tickets at 10/s take 25 ticks; far more sleeps means it spins on sleeps too short to pass one.
        assert len(clock.sleeps) < 100, f"spinning: {clock.sleeps[-3:]}"
        clock.sleep(seconds)

    # WHEN 25 tickets are paced at 10 per second
    tickets = list(generator.tickets(25, seed=3))
    submitted = submit_paced(cast(Any, kinesis), "s", tickets, rate=10.0, clock=clock, sleep=sleep)

    # THEN all went out, one put per tick, without spinning
    assert len(submitted) == 25
    assert len(kinesis.calls) == 25
