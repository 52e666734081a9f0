"""Following a bench run: executions described by name (never listed), final statuses, and the lost ones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from ticketflow_dev.bench.tracking import executions, follow, settle
from ticketflow_dev.tickets.producer import Submitted

ARN = "arn:aws:states:us-east-1:000000000000:stateMachine:floor"


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class DescribedExecutions:
    """describe_execution over fixed executions by name; records the names described."""

    class exceptions:  # noqa: N801 (boto3's spelling)
        class ExecutionDoesNotExist(Exception):  # noqa: N818 (boto3's spelling)
            pass

    def __init__(self, executions: list[dict[str, Any]]) -> None:
        self.by_name = {e["name"]: e for e in executions}
        self.described: list[str] = []

    def describe_execution(self, executionArn: str) -> dict[str, Any]:  # noqa: N803 (boto3's spelling)
        prefix, name = executionArn.rsplit(":", 1)
        assert prefix == ARN.replace(":stateMachine:", ":execution:")
        self.described.append(name)
        if name not in self.by_name:
            raise self.exceptions.ExecutionDoesNotExist(name)
        return self.by_name[name]


def _execution(
    name: str, start: float, stop: float | None = None, status: str = "SUCCEEDED"
) -> dict[str, Any]:
    execution = {"name": name, "startDate": _at(start), "status": status if stop else "RUNNING"}
    return execution | ({"stopDate": _at(stop)} if stop else {})


def test_executions_are_described_by_name_and_missing_ones_left_out() -> None:
    # GIVEN one ended and one running execution
    sfn = DescribedExecutions([_execution("b", 1000.5, 1000.9), _execution("a", 1000.2)])

    # WHEN this run's executions are looked up, one of them not started yet
    found = executions(cast(Any, sfn), ARN, ["a", "b", "missing"])

    # THEN both are found with their times and status, the missing one is absent, nothing was listed
    assert found["b"].started_at == pytest.approx(1000.5)
    assert found["b"].stopped_at == pytest.approx(1000.9)
    assert found["a"].stopped_at is None
    assert found["a"].status == "RUNNING"
    assert "missing" not in found
    assert sorted(sfn.described) == ["a", "b", "missing"]


def test_follow_describes_a_bounded_number_per_poll_earliest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN three tickets, a bound of two descriptions per poll, and no time to poll twice
    monkeypatch.setattr("ticketflow_dev.bench.tracking.DESCRIBE_PER_POLL", 2)
    submitted = [Submitted(t, 1000.0 + i) for i, t in enumerate(("first", "second", "third"))]
    sfn = DescribedExecutions([_execution(t, 1001.0, 1002.0) for t in ("first", "second", "third")])

    # WHEN followed once
    follow(submitted, cast(Any, sfn), ARN, None, timeout=0)

    # THEN the one poll described two, the earliest put first
    assert sfn.described == ["first", "second"]


def test_follow_times_the_finished_and_counts_the_open_ones_lost() -> None:
    # GIVEN two tickets put at t=1000: one execution ended, one still running at the deadline
    submitted = [Submitted("a", 1000.0), Submitted("b", 1000.0)]
    sfn = DescribedExecutions([_execution("a", 1000.1, 1000.4), _execution("b", 1000.2)])

    # WHEN followed with the execution's end as the final status (the floor), with no time to wait
    timings = follow(submitted, cast(Any, sfn), ARN, None, timeout=0)

    # THEN the ended ticket has its start and end, the other is lost (no final time)
    by_id = {t.ticket_id: t for t in timings}
    assert by_id["a"].started_at == pytest.approx(1000.1)
    assert by_id["a"].final_at == pytest.approx(1000.4)
    assert by_id["a"].status == "SUCCEEDED"
    assert by_id["b"].started_at == pytest.approx(1000.2)
    assert by_id["b"].final_at is None


def test_follow_takes_the_tables_final_status_and_a_failed_execution_without_one() -> None:
    # GIVEN three tickets: one final in the table, one whose execution failed before writing, one running
    submitted = [Submitted(t, 1000.0) for t in ("ok", "crashed", "open")]
    sfn = DescribedExecutions(
        [
            _execution("ok", 1000.1, 1000.5),
            _execution("crashed", 1000.1, 1000.7, status="FAILED"),
            _execution("open", 1000.1),
        ]
    )

    def finals(ticket_ids: list[str]) -> dict[str, tuple[float, str]]:
        return {"ok": (1000.45, "RESPONDED")} if "ok" in ticket_ids else {}

    # WHEN followed
    timings = {t.ticket_id: t for t in follow(submitted, cast(Any, sfn), ARN, finals, timeout=0)}

    # THEN the table's time and status win; the failed execution ends its ticket; the open one is lost
    assert (timings["ok"].final_at, timings["ok"].status) == (1000.45, "RESPONDED")
    assert timings["crashed"].final_at == pytest.approx(1000.7)
    assert timings["crashed"].status == "FAILED"
    assert timings["open"].final_at is None


class RunningExecutions:
    """list_executions filtered to RUNNING: `counts` running now, in pages of at most 2."""

    def __init__(self, count: int) -> None:
        self.count = count

    def list_executions(self, **request: Any) -> dict[str, Any]:
        assert request["statusFilter"] == "RUNNING"
        start = int(request.get("nextToken", 0))
        page: dict[str, Any] = {
            "executions": [{"name": str(i)} for i in range(start, min(start + 2, self.count))]
        }
        if start + 2 < self.count:
            page["nextToken"] = str(start + 2)
        return page


def test_settling_counts_what_still_runs_across_pages() -> None:
    # GIVEN five executions still running (three pages) and a deadline already passed
    progress: list[int] = []

    # WHEN the bench waits for them to settle
    left = settle(cast(Any, RunningExecutions(5)), ARN, timeout=0, on_progress=progress.append)

    # THEN it reports all five, and says so while waiting
    assert left == 5
    assert progress[-1] == 5


def test_an_idle_target_settles_at_once() -> None:
    # GIVEN nothing running
    progress: list[int] = []

    # WHEN settling, with time to wait
    left = settle(cast(Any, RunningExecutions(0)), ARN, timeout=30, on_progress=progress.append)

    # THEN it returns at once with nothing left and nothing to report
    assert (left, progress) == (0, [])
