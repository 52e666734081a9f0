"""The journey's correlation: history events, log lines, the stream record, the archive object and the
warehouse row → one ordered timeline, with what is missing named; no network."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from ticketflow_dev.journey.evidence import ArchiveObject, Evidence, LogEvent, StreamRecord
from ticketflow_dev.journey.history import execution_timeline
from ticketflow_dev.journey.model import Journey, Span
from ticketflow_dev.journey.timeline import NO_ITEM, correlate

TICKET = "TKT-20261201-0042"
T0 = datetime(2026, 12, 1, 21, 55, 8, tzinfo=UTC)
LAMBDA = "arn:aws:states:::lambda:invoke"
UPDATE = "arn:aws:states:::dynamodb:updateItem"
PUBLISH = "arn:aws:states:::sns:publish"
DEFINITION: dict[str, Any] = {
    "States": {
        "MarkProcessing": {"Type": "Task", "Resource": UPDATE},
        "DetectSentiment": {
            "Type": "Task",
            "Resource": LAMBDA,
            "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:0:function:Detect-1"},
        },
        "Store": {
            "Type": "Parallel",
            "Branches": [
                {"States": {"StoreTicketRecord": {"Type": "Task", "Resource": UPDATE}}},
                {"States": {"ArchiveTicket": {"Type": "Task", "Resource": LAMBDA}}},
            ],
        },
        "NotifyTeam": {"Type": "Task", "Resource": PUBLISH},
        "RecordFailure": {"Type": "Task", "Resource": UPDATE},
        "TicketFailed": {"Type": "Fail"},
    }
}


def at(ms: int) -> datetime:
    return T0 + timedelta(milliseconds=ms)


class History:
    """Builds history events as GetExecutionHistory returns them (ids in order, one timestamp each)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add(self, kind: str, ms: int, details: dict[str, Any] | None = None, **extra: Any) -> int:
        event_id = len(self.events) + 1
        key = {
            "TaskScheduled": "taskScheduledEventDetails",
            "TaskSucceeded": "taskSucceededEventDetails",
            "TaskFailed": "taskFailedEventDetails",
            "ExecutionFailed": "executionFailedEventDetails",
        }.get(kind, "stateEnteredEventDetails" if kind.endswith("Entered") else "stateExitedEventDetails")
        self.events.append({"id": event_id, "type": kind, "timestamp": at(ms), key: details or {}, **extra})
        return event_id

    def task(self, name: str, resource: str, entered: int, exited: int, output: str = "{}") -> None:
        self.add("TaskStateEntered", entered, {"name": name})
        self.add("TaskScheduled", entered, {"resource": resource})
        self.add("TaskSucceeded", exited, {"resource": resource, "output": output})
        self.add("TaskStateExited", exited, {"name": name})


def responded_history() -> History:
    """As MiniStack writes it: no TaskStarted, and the Parallel's branch states never entered."""
    history = History()
    history.add("ExecutionStarted", 100)
    history.task("MarkProcessing", UPDATE, 150, 151)
    history.task("DetectSentiment", LAMBDA, 152, 210)
    history.add("ParallelStateEntered", 220, {"name": "Store"})
    history.add("TaskScheduled", 221, {"resource": UPDATE})
    history.add("TaskSucceeded", 223, {"resource": UPDATE, "output": "{}"})
    history.add("TaskScheduled", 224, {"resource": LAMBDA})
    history.add("TaskSucceeded", 300, {"resource": LAMBDA, "output": "{}"})
    history.add("ParallelStateExited", 301, {"name": "Store"})
    history.task("NotifyTeam", PUBLISH, 302, 303, json.dumps({"MessageId": "msg-1"}))
    history.add("ExecutionSucceeded", 305)
    return history


def function_lines(
    service: str, group: str, request: str, span_ms: tuple[int, int], message: str, **fields: Any
) -> list[LogEvent]:
    """One invocation's lines as CloudWatch Logs holds them: START, the JSON line, END, REPORT."""
    start_ms, duration_ms = span_ms
    end = at(start_ms + duration_ms)
    line = {
        "level": fields.pop("level", "INFO"),
        "message": message,
        "ticket_id": TICKET,
        "timestamp": (at(start_ms + duration_ms // 2)).strftime("%Y-%m-%d %H:%M:%S,%f")[:-3] + "+0000",
        "function_request_id": request,
        **fields,
    }
    return [
        LogEvent(service, group, end, f"START RequestId: {request} Version: $LATEST"),
        LogEvent(service, group, end, json.dumps(line)),
        LogEvent(service, group, end, f"END RequestId: {request}"),
        LogEvent(service, group, end, f"REPORT RequestId: {request}\tDuration: {duration_ms} ms\tBilled"),
    ]


ITEM = {
    "ticket_id": TICKET,
    "status": "RESPONDED",
    "priority": "HIGH",
    "submitted_at": at(-50).isoformat(),
    "history": [
        {"status": "RECEIVED", "at": "2026-12-01T21:55:08.060Z"},
        {"status": "PROCESSING", "at": "2026-12-01T21:55:08.150Z"},
        {"status": "RESPONDED", "at": "2026-12-01T21:55:08.304Z"},
    ],
}


def responded_evidence(**changes: Any) -> Evidence:
    logs = [
        *function_lines("trigger", "/trigger", "req-t", (40, 30), "ticket accepted", sequence_number="49-1"),
        *function_lines("lambda:detect_sentiment", "/detect", "req-d", (160, 45), "sentiment detected"),
        *function_lines("lambda:s3_writer", "/writer", "req-s", (230, 60), "ticket archived"),
        LogEvent(
            "lambda:s3_writer", "/writer", at(400), json.dumps({"message": "other", "ticket_id": "TKT-x"})
        ),
    ]
    evidence = Evidence(
        TICKET,
        item=ITEM,
        record=StreamRecord("49-1", "shardId-0", TICKET, at(10), 700),
        history=responded_history().events,
        definition=DEFINITION,
        execution_arn="arn:execution",
        log_events=logs,
        archive=ArchiveObject("tickets/2026/12/01/x.json", "etag", 1800, at(300)),
        warehouse_row={"s3_key": "tickets/2026/12/01/x.json", "s3_etag": "etag", "loaded_at": at(9000)},
    )
    return Evidence(**{**evidence.__dict__, **changes})


def names(journey: Journey) -> list[tuple[str, str]]:
    return [(span.service, span.name) for span in journey.spans]


def span(journey: Journey, service: str, name: str) -> Span:
    [found] = [s for s in journey.spans if (s.service, s.name) == (service, name)]
    return found


def inside(inner: Span, outer: Span) -> bool:
    assert outer.ended is not None
    return outer.started <= inner.started and (inner.ended or inner.started) <= outer.ended


def test_a_responded_ticket_is_one_timeline_from_the_put_to_the_warehouse() -> None:
    # GIVEN everything the services kept about a HIGH ticket that responded
    evidence = responded_evidence()

    # WHEN it is correlated
    journey = correlate(evidence)

    # THEN the spans run in order from the put on the stream to the warehouse row, nothing is missing, and the
    # branch tasks MiniStack never entered are named from the definition
    assert names(journey) == [
        ("kinesis", "PutRecord"),
        ("trigger", "invocation"),
        ("logs", "ticket accepted"),
        ("dynamodb", "RECEIVED write"),
        ("stepfunctions", "execution"),
        ("stepfunctions", "MarkProcessing"),
        ("dynamodb", "PROCESSING write"),
        ("stepfunctions", "DetectSentiment"),
        ("lambda:detect_sentiment", "invocation"),
        ("logs", "sentiment detected"),
        ("stepfunctions", "Store"),
        ("stepfunctions", "StoreTicketRecord"),
        ("stepfunctions", "ArchiveTicket"),
        ("lambda:s3_writer", "invocation"),
        ("logs", "ticket archived"),
        ("s3", "archive object"),
        ("stepfunctions", "NotifyTeam"),
        ("sns", "notification"),
        ("dynamodb", "RESPONDED write"),
        ("warehouse", "warehouse row"),
    ]
    assert journey.gaps == []
    assert (journey.status, journey.reason) == ("RESPONDED", None)
    assert span(journey, "sns", "notification").detail["message_id"] == "msg-1"
    assert span(journey, "stepfunctions", "DetectSentiment").detail["function"] == "Detect-1"
    assert span(journey, "trigger", "invocation").detail["duration_ms"] == 30
    assert span(journey, "logs", "ticket accepted").detail["sequence_number"] == "49-1"


def test_durations_add_up_each_state_inside_the_execution_and_each_invocation_inside_its_state() -> None:
    # GIVEN a responded ticket's evidence
    journey = correlate(responded_evidence())

    # WHEN its spans are compared
    execution = span(journey, "stepfunctions", "execution")
    states = [s for s in journey.spans if s.service == "stepfunctions" and s.name != "execution"]

    # THEN every state lies inside the execution, the branch tasks inside their Parallel, each function's
    # invocation inside the state that called it, and the execution lasted from start to end
    assert all(inside(state, execution) for state in states)
    store = span(journey, "stepfunctions", "Store")
    assert inside(span(journey, "stepfunctions", "ArchiveTicket"), store)
    assert inside(span(journey, "stepfunctions", "StoreTicketRecord"), store)
    assert inside(
        span(journey, "lambda:s3_writer", "invocation"), span(journey, "stepfunctions", "ArchiveTicket")
    )
    assert inside(
        span(journey, "lambda:detect_sentiment", "invocation"),
        span(journey, "stepfunctions", "DetectSentiment"),
    )
    assert execution.seconds == 0.205


def test_pieces_read_in_any_order_give_the_same_timeline() -> None:
    # GIVEN the same evidence with its history events and log lines shuffled
    shuffled_history = responded_history().events
    logs = list(responded_evidence().log_events)
    random.Random(7).shuffle(shuffled_history)
    random.Random(8).shuffle(logs)

    # WHEN both are correlated
    ordered = correlate(responded_evidence())
    shuffled = correlate(responded_evidence(history=shuffled_history, log_events=logs))

    # THEN the timelines are equal
    assert shuffled == ordered


def test_a_retried_task_shows_each_failed_attempt_and_interleaved_branches_follow_previous_event_ids() -> (
    None
):
    # GIVEN an AWS-style history: TaskStarted events, previousEventId links, a throttled first attempt, and
    # two Parallel branches whose events interleave
    history = History()
    history.add("ExecutionStarted", 0)
    entered = history.add("TaskStateEntered", 10, {"name": "DetectSentiment"})
    first = history.add("TaskScheduled", 10, {"resource": LAMBDA}, previousEventId=entered)
    failed = history.add(
        "TaskFailed",
        50,
        {"resource": LAMBDA, "error": "Lambda.TooManyRequestsException", "cause": "Rate exceeded"},
        previousEventId=first,
    )
    again = history.add("TaskScheduled", 1050, {"resource": LAMBDA}, previousEventId=failed)
    started = history.add("TaskStarted", 1051, previousEventId=again)
    history.add("TaskSucceeded", 1100, {"resource": LAMBDA, "output": "{}"}, previousEventId=started)
    history.add("TaskStateExited", 1101, {"name": "DetectSentiment"})
    parallel = history.add("ParallelStateEntered", 1200, {"name": "Store"})
    record = history.add("TaskStateEntered", 1201, {"name": "StoreTicketRecord"}, previousEventId=parallel)
    archive = history.add("TaskStateEntered", 1201, {"name": "ArchiveTicket"}, previousEventId=parallel)
    archive_task = history.add("TaskScheduled", 1202, {"resource": LAMBDA}, previousEventId=archive)
    record_task = history.add("TaskScheduled", 1202, {"resource": UPDATE}, previousEventId=record)
    history.add("TaskSucceeded", 1210, {"resource": UPDATE}, previousEventId=record_task)
    history.add("TaskStateExited", 1211, {"name": "StoreTicketRecord"})
    history.add("TaskSucceeded", 1290, {"resource": LAMBDA}, previousEventId=archive_task)
    history.add("TaskStateExited", 1291, {"name": "ArchiveTicket"})
    history.add("ParallelStateExited", 1300, {"name": "Store"})
    history.add("ExecutionSucceeded", 1301)

    # WHEN the history becomes spans
    timeline = execution_timeline(history.events, DEFINITION)
    by_name = {s.name: s for s in timeline.spans}

    # THEN the state retried, its failed attempt is a span of its own, and each branch task got its own events
    assert by_name["DetectSentiment"].outcome == "retry"
    assert by_name["DetectSentiment"].detail["retries"] == 1
    attempt = by_name["DetectSentiment attempt 1"]
    assert (attempt.outcome, attempt.detail["error"], attempt.seconds) == (
        "retry",
        "Lambda.TooManyRequestsException",
        0.04,
    )
    assert (by_name["StoreTicketRecord"].started, by_name["StoreTicketRecord"].ended) == (at(1201), at(1211))
    assert by_name["ArchiveTicket"].ended == at(1291)
    assert by_name["ArchiveTicket"].detail["attempts"][0]["outcome"] == "ok"
    assert timeline.status == "SUCCEEDED"


def test_a_failed_ticket_shows_the_state_that_failed_and_why() -> None:
    # GIVEN a ticket whose GenerateResponse failed, caught into RecordFailure and the Fail state
    history = History()
    history.add("ExecutionStarted", 0)
    history.add("TaskStateEntered", 10, {"name": "GenerateResponse"})
    history.add("TaskScheduled", 10, {"resource": LAMBDA})
    history.add(
        "TaskFailed", 3000, {"resource": LAMBDA, "error": "Runtime.HandlerError", "cause": "Throttling"}
    )
    history.add("TaskStateExited", 3000, {"name": "GenerateResponse"})
    history.task("RecordFailure", UPDATE, 3001, 3002)
    history.add("FailStateEntered", 3003, {"name": "TicketFailed"})
    history.add("ExecutionFailed", 3004, {"error": "TicketFailed", "cause": "see the item"})
    item = ITEM | {
        "status": "FAILED",
        "status_reason": "Runtime.HandlerError: Throttling",
        "history": [
            *ITEM["history"][:2],
            {
                "status": "FAILED",
                "at": "2026-12-01T21:55:11.001Z",
                "reason": "Runtime.HandlerError: Throttling",
            },
        ],
    }
    evidence = responded_evidence(item=item, history=history.events, archive=None, warehouse_row=None)

    # WHEN it is correlated
    journey = correlate(evidence)

    # THEN the failed state, its failed attempt, the Fail state (ending with the execution) and the FAILED
    # write are errors, the reason is the item's, and no archive object or row is expected
    failed = span(journey, "stepfunctions", "GenerateResponse")
    assert (failed.outcome, failed.detail["error"]) == ("error", "Runtime.HandlerError")
    assert span(journey, "stepfunctions", "GenerateResponse attempt 1").outcome == "error"
    assert span(journey, "stepfunctions", "TicketFailed").ended == at(3004)
    assert span(journey, "stepfunctions", "execution").outcome == "error"
    assert span(journey, "dynamodb", "FAILED write").detail["reason"] == "Runtime.HandlerError: Throttling"
    assert (journey.status, journey.reason) == ("FAILED", "Runtime.HandlerError: Throttling")
    assert journey.gaps == []


def test_a_rejected_ticket_shows_the_trigger_and_why_without_asking_for_an_execution() -> None:
    # GIVEN a ticket the trigger rejected: its item, its record, and the trigger's warning line
    item = {
        "ticket_id": TICKET,
        "status": "REJECTED",
        "status_reason": "invalid ticket: data.description",
        "history": [
            {
                "status": "REJECTED",
                "at": "2026-12-01T21:55:08.050Z",
                "reason": "invalid ticket: data.description",
            }
        ],
    }
    logs = function_lines(
        "trigger",
        "/trigger",
        "req-t",
        (40, 30),
        "ticket rejected",
        level="WARNING",
        reason="invalid ticket: data.description",
        sequence_number="49-1",
    )
    evidence = Evidence(
        TICKET, item=item, record=StreamRecord("49-1", "shardId-0", TICKET, at(10), 400), log_events=logs
    )

    # WHEN it is correlated
    journey = correlate(evidence)

    # THEN it shows the put, the trigger's invocation, its rejection line and write, and nothing is missing
    assert names(journey) == [
        ("kinesis", "PutRecord"),
        ("trigger", "invocation"),
        ("dynamodb", "REJECTED write"),
        ("logs", "ticket rejected"),
    ]
    assert span(journey, "logs", "ticket rejected").outcome == "error"
    assert span(journey, "logs", "ticket rejected").detail["reason"] == "invalid ticket: data.description"
    assert inside(span(journey, "dynamodb", "REJECTED write"), span(journey, "trigger", "invocation"))
    assert (journey.status, journey.reason) == ("REJECTED", "invalid ticket: data.description")
    assert journey.gaps == []


def test_missing_pieces_are_named_and_the_rest_still_forms_a_timeline() -> None:
    # GIVEN a HIGH ticket that responded, but the stream record, archive object, row and the notification are
    # gone, and one function's REPORT line was never written
    history = [e for e in responded_history().events if "sns" not in json.dumps(e, default=str)]
    logs = [e for e in responded_evidence().log_events if not e.message.startswith("REPORT RequestId: req-s")]
    evidence = responded_evidence(
        record=None,
        archive=None,
        warehouse_row=None,
        history=history,
        log_events=logs,
        gaps=["stream: AccessDenied"],
    )

    # WHEN it is correlated
    journey = correlate(evidence)

    # THEN each missing piece is a gap, in words, and what is there is still in order
    assert journey.gaps == [
        "stream: AccessDenied",
        "lambda:s3_writer: no REPORT line for request req-s, so its duration is unknown",
        "the ticket's record was not found on the stream (see above, or past its retention)",
        "no archive object, though the ticket RESPONDED",
        "no notification recorded, though the ticket is HIGH",
        "no warehouse row yet: `ticketflow etl` loads the archive",
    ]
    assert [s.started for s in journey.spans] == sorted(s.started for s in journey.spans)
    assert ("lambda:s3_writer", "invocation") not in names(journey)


def test_a_ticket_without_an_item_says_so() -> None:
    # GIVEN nothing but the ticket id (filtered by the stream, or a typo)
    evidence = Evidence(TICKET)

    # WHEN it is correlated
    journey = correlate(evidence)

    # THEN there are no spans, no status, and the gap says what that means
    assert (journey.status, journey.spans, journey.gaps) == (None, [], [NO_ITEM])


def test_the_journey_as_json_is_plain_data() -> None:
    # GIVEN a correlated journey
    journey = correlate(responded_evidence())

    # WHEN it is turned into JSON
    data = json.loads(json.dumps(journey.as_json(), default=str))

    # THEN every span has its times as ISO text and its duration in seconds
    assert data["ticket_id"] == TICKET
    first = data["spans"][0]
    assert (first["service"], first["started"], first["seconds"]) == ("kinesis", at(10).isoformat(), None)
    execution = next(s for s in data["spans"] if s["name"] == "execution")
    assert execution["seconds"] == 0.205
