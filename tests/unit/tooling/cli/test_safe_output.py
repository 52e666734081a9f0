"""Every CLI display of stored text, fed the hostile cases as they are (an item stored before intake cleaned
text, a log line, a dead-lettered record, a service's message): on a colour terminal, no code but Rich's own
colours, and every word shown as written (markup and emoji codes as text, hidden characters by their code)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from tests.event_files import HostileTicket, load_hostile_tickets
from tests.terminal import live_codes, on_terminal, plain, terminal_console
from tests.unit.fakes import QUEUE_URL, FakeBucket, FakeSqs
from ticketflow.dead_letters import DeadLetter, DeadLetterQueue, S3Records
from ticketflow_dev.cli import common, demo, dlq, logs, stack, submit, tickets, trace
from ticketflow_dev.journey import Journey, Span
from ticketflow_dev.journey.evidence import LogEvent
from ticketflow_dev.local import ServiceStatus
from ticketflow_dev.tickets.dead_letter_inbox import CarriedRecords, DeadLetterInbox, DeadLetterResources

TICKET_ID = "TKT-20250115-0042"
CASES = load_hostile_tickets(lambda: TICKET_ID)
AT = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)


def _shown_as_written(output: str, case: HostileTicket) -> None:
    """No live code, and each word of the case's text shown as the case says (the display may lay the words
    out over columns and lines, never change them)."""
    assert live_codes(output) == [], case.file
    screen = plain(output)
    missing = [word for word in case.shown.split() if word not in screen]
    assert not missing, f"{case.file}: not shown as written: {missing}"
    assert "🔥" not in screen


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every command module's console writes to one string, as to a colour terminal."""
    console, written = terminal_console()
    for module in (common, submit, tickets, trace, logs, dlq):
        for name in ("out", "err"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, console)
    return written


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_submit_wait_table(case: HostileTicket) -> None:
    # GIVEN `--wait`'s outcome of a ticket whose stored fields all carry the hostile text
    result = {
        "ticket_id": case.text, "status": case.text, "reason": case.text, "priority": case.text,
        "sentiment": case.text, "scores": {"positive": 0.1}, "reply": case.text, "latency_s": 1.5,
        "duplicate": False,
    }  # fmt: skip
    # WHEN the table is printed; THEN it is inert
    _shown_as_written(on_terminal(submit._table([result])), case)
    # and a ticket without a reply shows its reason the same way
    _shown_as_written(on_terminal(submit._table([result | {"reply": ""}])), case)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_tickets_show(case: HostileTicket) -> None:
    # GIVEN a RESPONDED item whose every shown text holds the hostile text
    shown = ("status_at", "status_reason", "duplicate_of", "received_at", "priority", "priority_reasoning",
             "sentiment")  # fmt: skip
    item: dict[str, Any] = dict.fromkeys(shown, case.text) | {"ticket_id": case.text, "status": "RESPONDED"}
    history = [{"at": case.text, "status": case.text, "reason": case.text}]

    # WHEN its summary and history are printed; THEN both are inert
    _shown_as_written(on_terminal(tickets._summary(item)), case)
    _shown_as_written(on_terminal(tickets._history(history)), case)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_tickets_list(case: HostileTicket, screen: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a status whose ticket carries the hostile text in each listed field
    listed = {"ticket_id": case.text, "status_at": case.text, "status_reason": case.text}
    monkeypatch.setattr(tickets, "ticket_table", lambda: (None, "table"))
    monkeypatch.setattr(tickets, "list_by_status", lambda *_args, **_kwargs: [listed])

    # WHEN the list is printed
    result = CliRunner().invoke(tickets.app, ["list", "--status", "rejected"])

    # THEN it is inert
    assert result.exit_code == 0, result.output
    _shown_as_written(screen.getvalue(), case)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_trace_waterfall_and_gaps(case: HostileTicket, screen: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a journey whose reason, spans (a log line's message, its details) and gaps carry the text
    journey = _journey(case.text)
    monkeypatch.setattr(trace, "deployed", lambda: (None, None))
    monkeypatch.setattr(trace, "settings", lambda: None)
    monkeypatch.setattr(trace, "trace_ticket", lambda *_args: journey)

    # WHEN the trace is printed
    trace.trace(TICKET_ID, as_json=False, png=None)

    # THEN the waterfall and the gaps are inert
    _shown_as_written(screen.getvalue(), case)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_logs_line(case: HostileTicket, screen: Any) -> None:
    # GIVEN a function's log line (or a service's) and a source name that carry the text
    event = LogEvent(case.text, "/aws/lambda/trigger", AT, f"plain line: {case.text}")

    # WHEN `ticketflow logs` shows it; THEN it is inert
    logs._show(event)
    _shown_as_written(screen.getvalue(), case)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_dlq_list(case: HostileTicket, screen: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a letter whose record, partition key and reason carry the text, and a message that is not a
    # letter at all, its body the text
    sqs = FakeSqs()
    record = json.dumps({"ticketId": TICKET_ID, "data": case.text}).encode()
    letter = DeadLetter.of(case.text, "49590001", record, case.text)
    bucket = FakeBucket()
    DeadLetterQueue(sqs, QUEUE_URL, S3Records(bucket, bucket.name)).send(letter)  # type: ignore[arg-type]
    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=case.text)
    records = CarriedRecords(bucket, bucket.name)  # type: ignore[arg-type]
    found = DeadLetterResources(DeadLetterInbox(sqs, QUEUE_URL), None, "stream", records)  # type: ignore[arg-type]
    monkeypatch.setattr(dlq, "resources", lambda: found)

    # WHEN the letters are listed
    result = CliRunner().invoke(dlq.app, ["list"])

    # THEN both rows are inert
    assert result.exit_code == 0, result.output
    _shown_as_written(screen.getvalue(), case)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_demo_sample_ticket(case: HostileTicket) -> None:
    # GIVEN the demo's sample ticket with the text in every field it shows
    names = ("ticket_id", "subject", "description", "sentiment", "priority", "response_text")
    sample = dict.fromkeys(names, case.text)
    # WHEN its panel is printed (wrapped, as `demo` prints it); THEN it is inert
    _shown_as_written(on_terminal(demo._sample_panel(sample)), case)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_an_error_message(case: HostileTicket, screen: Any) -> None:
    # GIVEN an error that quotes the text (a service's message, a ticket id typed by someone)
    # WHEN a command fails with it; THEN the line is inert and the command exits 1
    with pytest.raises(typer.Exit) as exited:
        common.fail(f"no ticket {case.text!s}")
    assert exited.value.exit_code == 1
    _shown_as_written(screen.getvalue(), case)


class _Spinner:
    """A console's status spinner that keeps what it was told to show (Rich's live display writes cursor
    codes of its own, which would hide a code from the data)."""

    def __init__(self) -> None:
        self.shown: list[Any] = []

    def __enter__(self) -> _Spinner:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def update(self, renderable: Any) -> None:
        self.shown.append(renderable)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_stack_status_and_progress(case: HostileTicket, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a service whose detail quotes its log (and so perhaps a ticket), and its progress messages
    status = ServiceStatus("emulator", "unhealthy", 1, 1, "http://127.0.0.1:1", "emulator.log", case.text)
    console, written = terminal_console()
    spinner = _Spinner()
    monkeypatch.setattr(stack, "out", console)
    monkeypatch.setattr(console, "status", lambda _title: spinner)

    # WHEN `status` prints it and `up` reports a message (a line, and the spinner's text)
    console.print(stack._table([status]))
    with stack.progress_lines("starting") as report:
        report("emulator", case.text)

    # THEN each is inert
    _shown_as_written(written.getvalue(), case)
    [update] = spinner.shown
    _shown_as_written(on_terminal(update), case)


def _journey(text: str) -> Journey:
    spans = [
        Span("kinesis", "PutRecord", AT, None, "ok", {"sequence_number": text}),
        Span(text, text, AT + timedelta(seconds=1), AT + timedelta(seconds=2), "error",
             {"reason": text, "error": text}),
    ]  # fmt: skip
    return Journey(TICKET_ID, "FAILED", text, spans, [text])


def test_the_consoles_under_test_are_terminals() -> None:
    # The checks above mean something only if Rich writes to them as to a colour terminal.
    console, _ = terminal_console()
    assert isinstance(console, Console)
    assert console.is_terminal
    assert console.color_system == "truecolor"
