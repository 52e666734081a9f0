"""The one way the tooling shows stored text: every code that could act on a terminal or mislead a reader
written as its code, and Rich text that is never parsed for markup or emoji."""

from __future__ import annotations

import pytest

from tests.event_files import HostileTicket, load_hostile_tickets
from tests.terminal import live_codes, on_terminal, plain
from ticketflow_dev.core.safe_text import inert, visible

CASES = load_hostile_tickets(lambda: "TKT-20250115-0042")


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_visible_writes_each_hidden_character_as_its_code(case: HostileTicket) -> None:
    # GIVEN a case's hostile text as it is; WHEN it is made visible; THEN it reads as the case says
    assert visible(case.text) == case.shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("\x9b5m", "\\x9b5m"),
        ("over\rwrite", "over\\x0dwrite"),
        ("\u202efdp.exe", "\\u202efdp.exe"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("line\n\tindented", "line\n\tindented"),  # newline and tab stay
        ("👩🏽\u200d💻 نستطيع é", "👩🏽\u200d💻 نستطيع é"),  # joiners, right-to-left letters and accents stay
    ],
)
def test_visible_keeps_what_is_only_text(text: str, shown: str) -> None:
    assert visible(text) == shown


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_inert_text_reaches_a_terminal_without_a_live_code_and_as_written(case: HostileTicket) -> None:
    # GIVEN a case's hostile text; WHEN it is printed inert, styled, on a colour terminal
    output = on_terminal(inert(case.text, "green"))

    # THEN nothing but Rich's own colours is a code, and every word is shown as the case says (no markup
    # applied, no emoji code replaced, no link made)
    assert live_codes(output) == []
    assert plain(output).rstrip("\n") == case.shown.expandtabs(8)  # Rich expands tabs as Python does
    assert "🔥" not in output
