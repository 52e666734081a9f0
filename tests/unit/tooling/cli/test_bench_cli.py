"""`ticketflow bench`: which levels its options ask for, and clear errors for bad ones."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from ticketflow_dev.bench.runner import Level
from ticketflow_dev.bench.session import knee
from ticketflow_dev.cli.app import app
from ticketflow_dev.cli.bench import _levels


def test_one_paced_level_or_one_burst() -> None:
    # GIVEN / WHEN a rate and count, with and without --burst
    paced = _levels(rate=20, count=600, burst=False, sweep=None, seconds=60, burst_count=0)
    burst = _levels(rate=20, count=1000, burst=True, sweep=None, seconds=60, burst_count=0)

    # THEN one level each; a burst has no rate
    assert paced == [Level(20, 600)]
    assert burst == [Level(None, 1000)]
    assert burst[0].label == "burst of 1000"


def test_a_sweep_runs_each_rate_for_the_seconds_and_ends_with_the_burst() -> None:
    # GIVEN / WHEN a sweep of three rates for 30 s each and a final burst
    levels = _levels(rate=20, count=1, burst=False, sweep="10, 25,50", seconds=30, burst_count=1000)

    # THEN each rate offers rate x seconds tickets, and the burst comes last
    assert levels == [Level(10, 300), Level(25, 750), Level(50, 1500), Level(None, 1000)]
    assert levels[1].label == "750 at 25/s"


@pytest.mark.parametrize("sweep", ["ten,20", "0,10", ",", "10,-5"])
def test_a_bad_sweep_is_refused_with_the_option_named(sweep: str) -> None:
    # GIVEN / WHEN a sweep that is not a list of positive rates
    with pytest.raises(typer.BadParameter) as refused:
        _levels(rate=20, count=1, burst=False, sweep=sweep, seconds=30, burst_count=0)

    # THEN the error names --sweep
    assert refused.value.param_hint == "--sweep"


def _level(rate: float | None, achieved: float, p95: float, lost: int = 0) -> dict[str, Any]:
    return {"offered_rate": rate, "achieved_rate": achieved, "lost": lost, "latency_ms": {"p95": p95}}


def test_the_knee_is_the_highest_level_carried_whole_at_its_rate() -> None:
    # GIVEN a sweep: 10, 20 and 30 carried, 40 short of its rate, a burst
    results = [
        _level(10, 10.0, 300),
        _level(20, 19.5, 900),
        _level(30, 29.0, 2400),
        _level(40, 25.0, 800),
        _level(None, 50.0, 100),
    ]

    # WHEN / THEN the knee is 30/s; a sweep that lost a ticket everywhere has none
    assert knee(results) == results[2]
    assert knee([_level(10, 10.0, 300, lost=1)]) is None


def test_the_overload_and_the_ageing_need_a_sweep() -> None:
    # GIVEN / WHEN the overload is asked for one level / THEN refused, naming the option
    result = CliRunner().invoke(app, ["bench", "--overload", "60"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "add --sweep" in result.output
