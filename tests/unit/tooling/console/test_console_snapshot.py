"""What the console's pages are sent: the stack's reads shaped into stages, recent tickets, alarms, faults;
and the poller that reads once for every open page."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from ticketflow_dev.console import snapshot
from ticketflow_dev.console.poller import Poller

DEFINITION = {
    "StartAt": "DetectSentiment",
    "States": {
        "Fail": {"Type": "Fail"},
        "DetectSentiment": {"Type": "Task", "Next": "Store"},
        "Store": {
            "Type": "Parallel",
            "Next": "GenerateResponse",
            "Branches": [{"StartAt": "Put", "States": {"Put": {"Type": "Task", "End": True}}}],
        },
        "GenerateResponse": {"Type": "Task", "End": True},
    },
}


def _ticket(ticket_id: str, status: str, at: str, **fields: Any) -> dict[str, Any]:
    return {"ticket_id": ticket_id, "status": status, "status_at": at, "description": "secret"} | fields


def test_recent_tickets_merge_every_status_newest_first_with_only_the_listed_fields() -> None:
    # GIVEN the newest tickets of two statuses, interleaved in time
    by_status = {
        "RESPONDED": [_ticket("T-3", "RESPONDED", "2026-01-01T00:00:03", priority="HIGH"),
                      _ticket("T-1", "RESPONDED", "2026-01-01T00:00:01")],
        "FAILED": [_ticket("T-2", "FAILED", "2026-01-01T00:00:02", status_reason="boom")],
    }  # fmt: skip

    # WHEN they are shaped
    recent = snapshot.recent_tickets(by_status)

    # THEN one list, newest transition first, without the ticket's text
    assert [ticket["ticket_id"] for ticket in recent] == ["T-3", "T-2", "T-1"]
    assert recent[0]["priority"] == "HIGH"
    assert recent[1]["status_reason"] == "boom"
    assert all("description" not in ticket for ticket in recent)


def test_steps_follow_the_execution_order_then_the_rest_with_parallel_branches_inside() -> None:
    # GIVEN / WHEN a definition whose states are not listed in the order they run
    steps = snapshot.steps(DEFINITION)

    # THEN StartAt along Next, the branch inside its Parallel, and the state only a Catch reaches last
    assert [step["name"] for step in steps] == ["DetectSentiment", "Store", "GenerateResponse", "Fail"]
    assert [[s["name"] for s in branch] for branch in steps[1]["branches"]] == [["Put"]]


def test_model_calling_steps_carry_fake_bedrocks_calls_and_faults() -> None:
    # GIVEN fake_bedrock's counts by operation
    stats = {
        "detect_sentiment": {"requests": 7, "injected_error_count": 2, "injected_bad_output_count": 0},
        "converse": {"requests": 5, "injected_error_count": 0, "injected_bad_output_count": 1},
    }

    # WHEN they are put on the steps
    steps = {step["name"]: step for step in snapshot.with_ai_calls(snapshot.steps(DEFINITION), stats)}

    # THEN each model-calling step shows its calls and faults; the others none
    assert (steps["DetectSentiment"]["calls"], steps["DetectSentiment"]["faults"]) == (7, 2)
    assert (steps["GenerateResponse"]["calls"], steps["GenerateResponse"]["faults"]) == (5, 1)
    assert "calls" not in steps["Store"]


def test_counts_beyond_the_cap_show_a_plus() -> None:
    # GIVEN / WHEN a count that stopped at its cap, and one that did not
    capped, exact = snapshot.count((10_000, True)), snapshot.count((42, False))

    # THEN the page prints 10000+ and 42
    assert capped is not None
    assert exact is not None
    assert (capped["text"], exact["text"]) == ("10000+", "42")


def test_stages_run_left_to_right_and_a_failed_read_shows_a_dash() -> None:
    # GIVEN reads where the counts succeeded and the warehouse failed (absent)
    raw = {
        "counts": {"RECEIVED": (1, False), "PROCESSING": (2, False), "RESPONDED": (30, False),
                   "FAILED": (4, False), "REJECTED": (5, False)},
        "running": (2, False),
        "dead_letters": {"visible": 3, "in_flight": 0, "letters": []},
        "archive": (1000, True),
        "alarms": [{"AlarmName": "Ticketflow-Failed", "StateValue": "ALARM"}],
    }  # fmt: skip

    # WHEN shaped into stages
    stages = {stage["key"]: stage for stage in snapshot.stages(raw)}

    # THEN the diagram's order, each stage's counts, and "-" where nothing could be read
    assert list(stages) == [
        "producer", "stream", "trigger", "state_machine", "table", "archive", "topic", "warehouse",
    ]  # fmt: skip
    values = {key: {c["label"]: c["value"] for c in stage["counts"]} for key, stage in stages.items()}
    assert values["trigger"] == {"received": "1", "rejected": "5", "dead letters": "3"}
    assert values["state_machine"] == {"running": "2", "processing": "2"}
    assert values["table"] == {"responded": "30", "failed": "4"}
    assert values["archive"] == {"objects": "1000+"}
    assert values["topic"] == {"alarms in ALARM": "1"}
    assert values["warehouse"] == {"rows": "-", "last ETL (UTC)": "never"}


def test_alarms_and_the_etl_report_carry_iso_timestamps() -> None:
    # GIVEN an alarm as CloudWatch describes it and the ETL report with its file's time
    updated = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    alarm = {"AlarmName": "A", "StateValue": "OK", "StateReason": "fine", "StateUpdatedTimestamp": updated,
             "Namespace": "Ticketflow", "MetricName": "TicketsFailed"}  # fmt: skip
    report = {"started_at": "x", "scanned": 3, "loaded": 2, "rejected": 1, "warehouse_rows": 9,
              "seconds": 0.5, "written_at": updated.timestamp()}  # fmt: skip

    # WHEN shaped
    [shaped] = snapshot.alarms([alarm])
    etl = snapshot.etl(report)

    # THEN JSON-ready, in UTC
    assert shaped == {"name": "A", "state": "OK", "reason": "fine", "updated": "2026-01-02T03:04:05+00:00",
                      "metric": "Ticketflow/TicketsFailed"}  # fmt: skip
    assert etl is not None
    assert (etl["loaded"], etl["written_at"]) == (2, "2026-01-02T03:04:05+00:00")


def test_a_tickets_page_has_its_scores_reply_timestamps_in_order_and_history() -> None:
    # GIVEN a RESPONDED item as the table holds it
    item = _ticket(
        "T-1", "RESPONDED", "2026-01-01T00:00:03", priority="HIGH", sentiment="NEGATIVE",
        sentiment_score_negative=0.9, sentiment_score_positive=0.1, response_text="Hello",
        processed_at="2026-01-01T00:00:02", received_at="2026-01-01T00:00:01",
        history=[{"status": "RECEIVED", "at": "2026-01-01T00:00:01"}],
    )  # fmt: skip

    # WHEN shaped for its page
    page = snapshot.ticket_detail(item)

    # THEN the scores it has, the reply, the timestamps in lifecycle order, the history
    assert page["scores"] == {"positive": 0.1, "negative": 0.9}
    assert page["reply"] == "Hello"
    assert [stamp["name"] for stamp in page["timestamps"]] == ["received_at", "processed_at"]
    assert page["history"] == item["history"]
    assert (page["priority"], page["status"]) == ("HIGH", "RESPONDED")


class FakeReader:
    """Reads that count their calls; `warehouse` fails as a database that is down would."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.cost = type("Cost", (), {"requests": 0, "seconds": {}})()

    def _read(self, name: str, value: Any) -> Any:
        def read() -> Any:
            self.calls.append(name)
            self.cost.requests += 1
            return value

        return read

    def fast(self) -> dict[str, Any]:
        return {"running": self._read("running", (3, False))}

    def slow(self) -> dict[str, Any]:
        return {"counts": self._read("counts", {"RESPONDED": (9, False)}), "warehouse": self._down}

    def _down(self) -> int:
        error: Any = {"Error": {"Code": "Unavailable", "Message": "down"}}
        raise ClientError(error, "Query")

    def timed(self, _name: str, read: Any) -> Any:
        return read()


def test_the_poller_reads_slow_sections_every_few_rounds_and_a_failed_read_is_that_sections_error() -> None:
    # GIVEN a poller over reads that count themselves, slow ones every third round
    reader = FakeReader()
    poller = Poller(reader, slow_every=3)  # type: ignore[arg-type]

    # WHEN four rounds run
    for _ in range(4):
        poller.run_round()
    version, payload = poller.latest()
    shaped = json.loads(payload)

    # THEN the fast read ran every round, the slow ones in rounds 1 and 4; the warehouse's failure is its
    # section's error while the rest was shaped; each round published a version
    assert reader.calls.count("running") == 4
    assert reader.calls.count("counts") == 2
    assert version == 4
    assert shaped["statuses"]["RESPONDED"]["text"] == "9"
    assert "Unavailable" in shaped["errors"]["warehouse"]
    assert (shaped["cost"]["round"], shaped["cost"]["slow"], shaped["cost"]["requests"]) == (4, True, 2)


def test_a_refresh_after_an_action_reads_the_slow_sections_at_once() -> None:
    # GIVEN a poller past its first (slow) round
    reader = FakeReader()
    poller = Poller(reader, slow_every=10)  # type: ignore[arg-type]
    poller.run_round()

    # WHEN an action asks for a refresh, and the next round runs
    poller.refresh_now()
    poller.run_round()

    # THEN that round read the slow sections too; a listener waiting past the newest version gets it
    assert reader.calls.count("counts") == 2
    version, _ = poller.wait_newer(1, timeout=0)
    assert version == 2


def test_the_fault_proxys_rules_are_listed_with_what_they_do_and_how_often_they_fired() -> None:
    # GIVEN fake_bedrock without faults and two rules in the AWS fault proxy
    raw = {
        "config": {"seed": 0, "operations": {}},
        "stats": {},
        "aws": [
            {"service": "dynamodb", "operation": "PutItem", "probability": 0.1, "fired_count": 4,
             "error": {"code": "ProvisionedThroughputExceededException", "status": 400}},
            {"service": "s3", "probability": 1.0, "latency": 200},
        ],
    }  # fmt: skip
    # WHEN / THEN each rule is one row
    assert snapshot.faults(raw)["aws"] == [  # type: ignore[index]
        {
            "target": "dynamodb:PutItem",
            "fault": "ProvisionedThroughputExceededException",
            "rate": 0.1,
            "fired": 4,
        },
        {"target": "s3:*", "fault": "+200 ms", "rate": 1.0, "fired": 0},
    ]
