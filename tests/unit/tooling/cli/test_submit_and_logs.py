"""`ticketflow submit` refuses a bad ticket before anything is sent; `ticketflow logs` reads each source from
where it stopped and keeps only the lines naming a ticket; no network."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.event_files import load_event
from tests.largest_tickets import largest_ticket, record_description, ticket_id
from ticketflow_dev.cli import submit as submit_command
from ticketflow_dev.cli.app import app
from ticketflow_dev.journey.evidence import LogEvent
from ticketflow_dev.journey.log_sources import FileSource, poll
from ticketflow_dev.tickets.files import RefusedTicketsError, parse_tickets
from ticketflow_dev.tickets.tracking import TicketState

TICKET = load_event("ticket_submitted.json")


def test_a_list_and_json_lines_give_the_same_tickets() -> None:
    # GIVEN two valid tickets, as a JSON list and as JSON Lines
    second = TICKET | {"ticketId": "TKT-20250115-0043"}
    as_list = json.dumps([TICKET, second])
    as_lines = f"{json.dumps(TICKET)}\n\n{json.dumps(second)}\n"

    # WHEN both are parsed
    from_list, from_lines = parse_tickets(as_list), parse_tickets(as_lines)

    # THEN both give the two tickets, in order
    assert (
        [t.ticket_id for t in from_list]
        == [t.ticket_id for t in from_lines]
        == [
            "TKT-20250115-0042",
            "TKT-20250115-0043",
        ]
    )


def test_a_bad_ticket_is_refused_with_its_line_field_and_reason() -> None:
    # GIVEN JSON Lines whose second ticket has an empty description and a malformed id
    bad = json.loads(json.dumps(TICKET))
    bad["data"]["description"] = ""
    bad["ticketId"] = "TICKET-1"
    text = f"{json.dumps(TICKET)}\n{json.dumps(bad)}\n"

    # WHEN it is parsed
    with pytest.raises(RefusedTicketsError) as refused:
        parse_tickets(text)

    # THEN the refusal names line 2, each field at fault and why, and never the values
    [refusal] = refused.value.refusals
    assert refusal.where == "line 2"
    assert "ticketId: String should match pattern" in refusal.reason
    assert "data.description: String should have at least 1 character" in refusal.reason
    assert "TICKET-1" not in refusal.reason


def test_a_line_that_is_not_json_is_refused_by_its_number() -> None:
    # GIVEN a valid line, then a broken one
    text = f"{json.dumps(TICKET)}\n{{not json\n"

    # WHEN it is parsed
    with pytest.raises(RefusedTicketsError) as refused:
        parse_tickets(text)

    # THEN line 2 is named as not JSON
    assert str(refused.value.refusals[0]).startswith("line 2: not JSON")


def test_submit_sends_nothing_when_a_ticket_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a file with one good and one bad ticket (index 1), and a stack lookup that records being asked
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps([TICKET, TICKET | {"submittedAt": "yesterday"}]), encoding="utf-8")
    asked: list[str] = []

    def deployed() -> Any:
        asked.append("deployed")
        raise AssertionError("nothing may be sent")

    monkeypatch.setattr(submit_command, "deployed", deployed)

    # WHEN it is submitted
    result = CliRunner().invoke(app, ["submit", str(path)])

    # THEN the command fails naming index 1 and submittedAt, and never reached for the stream
    assert result.exit_code == 1
    assert "index 1: submittedAt" in result.output
    assert "nothing was sent" in result.output
    assert asked == []


def test_a_ticket_past_a_limit_is_refused_naming_the_field_and_the_limit() -> None:
    # GIVEN a file of three tickets: one at the Kinesis record's limit, one a character past it, and one
    # whose id is 65 characters
    at, past = (largest_ticket("a", record_description("a", beyond)) for beyond in (0, 1))
    long_id = TICKET | {"ticketId": ticket_id(65)}
    text = "\n".join([json.dumps(at.to_event()), json.dumps(past.to_event()), json.dumps(long_id)])

    # WHEN it is parsed
    with pytest.raises(RefusedTicketsError) as refused:
        parse_tickets(text)

    # THEN the second and third are refused, each naming its field and the limit; the first passes
    assert [str(r) for r in refused.value.refusals] == [
        "line 2: data.description: the Kinesis record would be 1,048,577 bytes with its partition key, over"
        " the 1,048,576 (1 MiB) a record holds",
        "line 3: ticketId: 65 characters, over the 64 of the warehouse's ticket_id (Redshift VARCHAR(64); the"
        " id also names the execution)",
    ]
    assert parse_tickets(json.dumps(at.to_event()))[0].ticket_id == at.ticket_id


def test_a_file_source_reads_complete_lines_from_where_it_stopped(tmp_path: Path) -> None:
    # GIVEN a log file with two lines and half of a third
    path = tmp_path / "fake_bedrock.log"
    path.write_text("one\ntwo\nthr", encoding="utf-8")
    source = FileSource("fake_bedrock", path)

    # WHEN it is read, the third line is finished, and it is read again
    first = [e.message for e in source.read()]
    with path.open("a", encoding="utf-8") as log:
        log.write("ee\n")
    second = [e.message for e in source.read()]

    # THEN each read gives only the complete lines it had not given yet
    assert (first, second) == (["one", "two"], ["three"])


class ListSource:
    def __init__(self, name: str, batches: list[list[LogEvent]]) -> None:
        self.name = name
        self._batches = batches

    def read(self) -> list[LogEvent]:
        return self._batches.pop(0) if self._batches else []


def _event(service: str, second: int, message: str) -> LogEvent:
    return LogEvent(service, "/group", datetime(2026, 12, 1, 22, 0, second, tzinfo=UTC), message)


def test_following_with_a_ticket_shows_only_its_lines_in_time_order_until_told_to_stop() -> None:
    # GIVEN two sources whose lines name two tickets, some JSON and some plain text, over two polls
    mine, other = "TKT-20261201-0001", "TKT-20261201-0002"
    trigger = ListSource("trigger_sfn", [
        [_event("trigger_sfn", 3, json.dumps({"message": "ticket accepted", "ticket_id": mine})),
         _event("trigger_sfn", 1, json.dumps({"message": "ticket accepted", "ticket_id": other}))],
        [_event("trigger_sfn", 9, json.dumps({"message": "ticket rejected", "ticket_id": mine}))],
    ])  # fmt: skip
    emulator = ListSource("emulator", [[_event("emulator", 2, f"INFO started execution {mine}")]])
    shown: list[LogEvent] = []
    polls: list[float] = []

    # WHEN they are followed for two polls, filtered to one ticket
    poll([trigger, emulator], shown.append, ticket_id=mine, follow=True, interval=0.5,
         until=lambda: len(polls) == 1, sleep=polls.append)  # fmt: skip

    # THEN only that ticket's lines were shown, each poll in time order, with one pause between the polls
    assert [(e.service, e.timestamp.second) for e in shown] == [("emulator", 2), ("trigger_sfn", 3),
                                                                ("trigger_sfn", 9)]  # fmt: skip
    assert polls == [0.5]


@pytest.mark.parametrize(
    ("status_at", "latency", "duplicate"),
    [("2026-12-01T10:00:01.500000+00:00", 1.5, False), ("2026-12-01T09:59:00+00:00", None, True)],
)
def test_wait_reports_a_latency_only_for_a_ticket_this_put_made_final(
    status_at: str, latency: float | None, duplicate: bool
) -> None:
    # GIVEN a put at 10:00:00 and the ticket's final item, made final after it or (a duplicate id) before
    put_at = datetime(2026, 12, 1, 10, 0, tzinfo=UTC).timestamp()
    item = {"status": "RESPONDED", "status_at": status_at}
    state = TicketState("TKT-20250115-0042", "RESPONDED", item)

    # WHEN --wait reports it
    reported = submit_command.outcome(state.ticket_id, put_at, state, item)

    # THEN the latency is this put's, or none (never negative) for an id that was already final
    assert (reported["latency_s"], reported["duplicate"]) == (latency, duplicate)
