"""Following a bench run: executions paged newest first, final statuses, and the lost ones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from ticketflow_dev.bench.tracking import executions, follow, settle
from ticketflow_dev.producer import Submitted

ARN = "arn:aws:states:us-east-1:000000000000:stateMachine:floor"


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class PagedExecutions:
    """list_executions over fixed pages; counts the pages read."""

    def __init__(self, pages: list[list[dict[str, Any]]]) -> None:
        self.pages = pages
        self.read = 0

    def list_executions(self, **request: Any) -> dict[str, Any]:
        assert request["stateMachineArn"] == ARN
        index = int(request.get("nextToken", 0))
        self.read += 1
        page: dict[str, Any] = {"executions": self.pages[index]}
        if index + 1 < len(self.pages):
            page["nextToken"] = str(index + 1)
        return page


def _execution(
    name: str, start: float, stop: float | None = None, status: str = "SUCCEEDED"
) -> dict[str, Any]:
    execution = {"name": name, "startDate": _at(start), "status": status if stop else "RUNNING"}
    return execution | ({"stopDate": _at(stop)} if stop else {})


def test_paging_stops_at_the_first_page_wholly_older_than_the_run() -> None:
    # GIVEN a newest-first listing: this run's executions, then a page from an older run, then more
    sfn = PagedExecutions(
        [
            [_execution("b", 1000.5, 1000.9), _execution("a", 1000.2)],
            [_execution("old1", 10.0, 11.0)],
            [_execution("old2", 5.0, 6.0)],
        ]
    )

    # WHEN this run's executions are looked up
    found = executions(cast(Any, sfn), ARN, {"a", "b", "missing"}, since=999.0)

    # THEN both are found with their times and status, and the last page is never read
    assert found["b"].started_at == pytest.approx(1000.5)
    assert found["b"].stopped_at == pytest.approx(1000.9)
    assert found["a"].stopped_at is None
    assert found["a"].status == "RUNNING"
    assert sfn.read == 2


def test_follow_times_the_finished_and_counts_the_open_ones_lost() -> None:
    # GIVEN two tickets put at t=1000: one execution ended, one still running at the deadline
    submitted = [Submitted("a", 1000.0), Submitted("b", 1000.0)]
    sfn = PagedExecutions([[_execution("a", 1000.1, 1000.4), _execution("b", 1000.2)]])

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
    sfn = PagedExecutions(
        [
            [
                _execution("ok", 1000.1, 1000.5),
                _execution("crashed", 1000.1, 1000.7, status="FAILED"),
                _execution("open", 1000.1),
            ]
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
