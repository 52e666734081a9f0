"""End to end: hostile text in every field of a ticket (tests/events/hostile/) through the real stack. What
the trigger stores and the model reads is clean; what `ticketflow submit --wait`, `tickets show | list` and
`trace` print on a colour terminal holds no code but their own colours, the replies quoting the customer's
words included; an item stored before intake cleaned text is shown inertly too."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.e2e.conftest import DeployedStack
from tests.e2e.helpers import archived_ticket, fresh_ticket_id, put_raw, put_unclean_item
from tests.event_files import EMAIL_FIELD, TEXT_FIELDS, HostileTicket, load_hostile_tickets
from tests.terminal import live_codes, plain
from ticketflow.model import TicketSubmitted

DEADLINE = 180.0
CLI = Path(sys.executable).with_name("ticketflow")
REPO_ROOT = Path(__file__).resolve().parents[2]
# What no stored text may hold: C0 but tab and newline (CR included), DEL, C1.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The item's copy of the ticket's fields (the state machine's MarkResponded), by the event's dotted path.
ITEM_FIELDS = {
    "data.subject": "subject",
    "data.description": "description",
    "data.customer_contact_information.full_name": "customer_full_name",
    "data.customer_contact_information.company": "customer_company",
    EMAIL_FIELD: "customer_email",
    "data.product_issue_information.product": "product",
    "data.product_issue_information.issue_type": "issue_type",
}
ARCHIVE_FIELDS = ITEM_FIELDS | {
    "data.customer_contact_information.first_name": "customer_first_name",
    "data.customer_contact_information.last_name": "customer_last_name",
}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed `ticketflow` command, as an operator runs it at a colour terminal 200 columns wide."""
    environment = os.environ | {"FORCE_COLOR": "1", "COLUMNS": "200", "TERM": "xterm-256color"}
    return subprocess.run(
        [str(CLI), *args],
        check=False,
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=DEADLINE + 60,
    )


def _stored_clean(stack: DeployedStack, case: HostileTicket, item: dict[str, Any]) -> list[str]:
    """Where the item or the archive object holds other than the cleaned text, or a control character."""
    problems = []
    for dotted, column in ITEM_FIELDS.items():
        if item.get(column) != case.cleaned[dotted]:
            problems.append(f"{case.file}: the item's {column} is {item.get(column)!r}")
    archived = archived_ticket(stack, TicketSubmitted.model_validate(case.event))
    for dotted, column in ARCHIVE_FIELDS.items():
        if getattr(archived, column) != case.cleaned[dotted]:
            problems.append(f"{case.file}: the archive's {column} is {getattr(archived, column)!r}")
    for column in ("response_text", "priority_reasoning"):
        if CONTROL.search(str(item.get(column))):
            problems.append(f"{case.file}: the stored {column} holds a control character")
    return problems


def test_hostile_tickets_put_raw_are_stored_clean_and_answered(deployed_stack: DeployedStack) -> None:
    # GIVEN every hostile case, its text in every field, put on the stream as sent (control codes and all)
    cases = load_hostile_tickets(fresh_ticket_id)
    assert {field for case in cases for field in case.cleaned} == {*TEXT_FIELDS, EMAIL_FIELD}
    put_raw(deployed_stack, [case.event for case in cases])

    # WHEN the pipeline has answered them
    states = deployed_stack.tracker().wait_for([case.ticket_id for case in cases], timeout=DEADLINE)

    # THEN each responded, and the item and the archive object hold the cleaned text of every field, the
    # model's reply (which quotes the customer) and reasoning no control character
    problems = [
        f"{c.file}: {states[c.ticket_id].status}" for c in cases if states[c.ticket_id].status != "RESPONDED"
    ]
    for case in cases:
        if states[case.ticket_id].status == "RESPONDED":
            problems += _stored_clean(deployed_stack, case, states[case.ticket_id].item)
    assert not problems, "\n".join(problems)


def test_submit_wait_tickets_and_trace_print_no_live_code(
    deployed_stack: DeployedStack, tmp_path: Path
) -> None:
    # GIVEN every hostile case as a file of tickets, and an item stored before intake cleaned text
    cases = load_hostile_tickets(fresh_ticket_id)
    tickets = tmp_path / "hostile.json"
    tickets.write_text(json.dumps([case.event for case in cases], ensure_ascii=False), encoding="utf-8")
    unclean_id = fresh_ticket_id()
    text = " ".join(case.text for case in cases)
    put_unclean_item(deployed_stack, unclean_id, text)

    # WHEN they are submitted with `--wait`, the unclean item shown and listed, a hostile ticket traced
    submitted = _cli("submit", str(tickets), "--wait", "--timeout", str(DEADLINE))
    shown = _cli("tickets", "show", unclean_id)
    listed = _cli("tickets", "list", "--status", "REJECTED", "--limit", "5")
    [markup] = [case for case in cases if "[bold red]" in case.text]
    traced = _cli("trace", markup.ticket_id)

    # THEN every command succeeded and printed no code but its colours; `--wait`'s replies quote the
    # customer's name as written (markup as text), the unclean item reads by its codes
    for result in (submitted, shown, listed, traced):
        assert result.returncode == 0, (result.args, result.stdout[-2000:], result.stderr[-2000:])
        assert "\x1b[" in result.stdout, "Rich wrote no colour: the output was not as to a terminal"
        assert live_codes(result.stdout + result.stderr) == [], result.args
    assert "Hello Maria [bold red]ALERT[/bold red]" in plain(submitted.stdout)
    for screen in (plain(shown.stdout), plain(listed.stdout)):
        assert "\\x1b[2J" in screen
        assert "\\x9b2J" in screen
        assert "\\u202efdp.exe" in screen
    assert unclean_id in plain(listed.stdout)

    # AND what `--wait` waited for is stored clean
    items = deployed_stack.tracker().items([case.ticket_id for case in cases])
    problems = [
        problem for case in cases for problem in _stored_clean(deployed_stack, case, items[case.ticket_id])
    ]
    assert not problems, "\n".join(problems)
